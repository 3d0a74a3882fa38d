"""Stripe failing while a business joins, someone registers for a paid event or a pledge is
confirmed: the application, registration and invoice are kept, the answer says what happens next,
and `manage.py stripe_retry` finishes the Stripe step later without doing anything twice. Stripe
is the real library over HTTP, against a local stub that answers 500 or never in time."""

import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection

from billing.models import Invoice
from billing.selectors import PAY_LINK_PENDING
from billing.services import invoices_retry_stripe
from billing.services.invoices import _one_run_at_a_time
from crm.models import Membership, Pledge
from crm.services.applications import investment_confirm
from events.models import Registration
from tests.api.public_helpers import INVEST, JOIN, committing_client, invest_body, join_body
from tests.billing.stripe_stub import stripe_stub
from tests.factories import EventFactory, InvestorLevelFactory, PlanFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(django_capture_on_commit_callbacks):
    return committing_client(django_capture_on_commit_callbacks)


@pytest.fixture
def stub(settings):
    with stripe_stub(settings) as running:
        yield running


@pytest.fixture
def plan():
    return PlanFactory(
        code="individual", flat_amount=Decimal("600.00"), proration="none", requires_review=False
    )


@pytest.fixture
def retry(django_capture_on_commit_callbacks):
    """Run `manage.py stripe_retry` as cron would, its mail sent as its transactions commit."""

    def run() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            call_command("stripe_retry")

    return run


def pay_link_mails(invoice: Invoice) -> list:
    return [m for m in mail.outbox if invoice.number in m.subject and m.subject.startswith("Inv")]


@pytest.mark.parametrize("failure", ["error", "timeout"])
def test_it_keeps_the_application_and_invoice_when_stripe_fails_and_says_what_comes_next(
    api, plan, stub, failure, settings
):
    settings.STRIPE_TIMEOUT = 0.5  # how long the "timeout" mode keeps the client waiting
    stub.mode = failure

    response = api.post(JOIN, join_body("individual"), format="json")

    assert response.status_code == 201, response.json()
    answer = response.json()
    membership = Membership.objects.get(reference=answer["reference"])
    invoice = Invoice.objects.get()
    assert membership.status == Membership.Status.APPROVED
    assert invoice.status == Invoice.Status.OPEN
    assert not invoice.stripe_invoice_id
    assert invoice.stripe_error.startswith("Stripe could not create the customer")
    assert answer["invoice"]["number"] == invoice.number
    assert answer["invoice"]["pay_url"] is None
    assert answer["invoice"]["pay_link_pending"] is True
    assert answer["invoice"]["next_step"] == PAY_LINK_PENDING
    assert invoice.number in answer["invoice"]["payment_instructions"]
    status = api.get(f"{JOIN}{answer['reference']}/").json()
    assert status["invoice"]["pay_link_pending"] is True
    received = next(m for m in mail.outbox if answer["reference"] in m.subject)
    assert "could not be reached just now" in received.body
    assert pay_link_mails(invoice) == []  # no invoice mail without its pay link


def test_it_retries_the_stripe_step_later_and_mails_the_pay_link_once(
    api, plan, stub, retry, settings
):
    settings.STRIPE_TIMEOUT = 0.5  # how long the "timeout" mode keeps the client waiting
    stub.mode = "timeout"
    reference = api.post(JOIN, join_body("individual"), format="json").json()["reference"]
    invoice = Invoice.objects.get()
    tried_first = [r["key"] for r in stub.requests]

    stub.mode = "ok"
    retry()
    stub_calls = len(stub.requests)
    retry()  # nothing left to do

    invoice.refresh_from_db()
    assert invoice.stripe_invoice_id == f"in_stub{invoice.pk}"
    assert invoice.stripe_error == ""
    # The retry reused the key of the request that timed out, so had it reached Stripe,
    # Stripe would have answered it again instead of making a second customer.
    assert tried_first == [f"organization-{invoice.organization_id}-customer"]
    assert stub.keys() == [
        tried_first[0],
        f"invoice-{invoice.pk}-create",
        f"invoice-{invoice.pk}-line-{invoice.lines.get().pk}",
        f"invoice-{invoice.pk}-finalize",
    ]
    assert len(stub.requests) == stub_calls
    status = api.get(f"{JOIN}{reference}/").json()
    assert status["invoice"]["pay_url"] == f"https://invoice.stripe.test/i/in_stub{invoice.pk}"
    assert status["invoice"]["pay_link_pending"] is False
    assert status["invoice"]["next_step"] is None
    sent = pay_link_mails(invoice)
    assert len(sent) == 1
    assert sent[0].to == ["ana@riverfrontbakery.example"]
    assert status["invoice"]["pay_url"] in sent[0].body


def test_it_keeps_the_error_while_stripe_is_still_down(api, plan, stub, retry):
    stub.mode = "error"
    api.post(JOIN, join_body("individual"), format="json")

    with pytest.raises(CommandError, match="1 invoice"):
        retry()

    invoice = Invoice.objects.get()
    assert invoice.status == Invoice.Status.OPEN
    assert invoice.stripe_error
    assert invoice.pay_link_pending
    assert Invoice.objects.count() == 1
    assert Membership.objects.count() == 1


def test_it_holds_the_seats_of_a_paid_registration_when_stripe_fails_then_sends_the_link(
    api, stub, retry
):
    event = EventFactory(slug="gala", title="Gala")
    TicketTypeFactory(event=event, code="general", non_member_price=Decimal("95.00"), capacity=10)
    stub.mode = "error"
    body = {
        "ticket_type": "general",
        "quantity": 1,
        "contact": {"first_name": "Dana", "last_name": "Ortiz", "email": "dana@frontst.example"},
    }

    response = api.post("/api/v1/public/events/gala/registrations/", body, format="json")

    assert response.status_code == 201, response.json()
    answer = response.json()
    assert answer["status"] == "pending_payment"
    assert answer["pay_url"] is None
    assert answer["pay_link_pending"] is True
    assert answer["next_step"] == PAY_LINK_PENDING
    assert answer["payment_instructions"]
    registration = Registration.objects.get()
    invoice = Invoice.objects.get()
    assert registration.holds_seats
    assert invoice.status == Invoice.Status.OPEN
    received = next(m for m in mail.outbox if "registration" in m.subject.lower())
    assert "could not be reached just now" in received.body

    stub.mode = "ok"
    retry()

    later = api.get(f"/api/v1/public/registrations/{registration.reference}/").json()
    assert later["pay_url"] == f"https://invoice.stripe.test/i/in_stub{invoice.pk}"
    assert later["pay_link_pending"] is False
    assert Invoice.objects.count() == 1
    sent = pay_link_mails(Invoice.objects.get())
    assert [m.to for m in sent] == [["dana@frontst.example"]]


def test_it_confirms_a_pledge_while_stripe_is_down_and_invoices_it_later(
    api, stub, retry, make_staff, django_capture_on_commit_callbacks
):
    InvestorLevelFactory(code="leadership", minimum_annual_amount=Decimal("5000.00"))
    reference = api.post(INVEST, invest_body("leadership"), format="json").json()["reference"]
    stub.mode = "error"

    with django_capture_on_commit_callbacks(execute=True):
        investment_confirm(pledge=Pledge.objects.get(), by=make_staff("Membership"))

    pledge = Pledge.objects.get()
    assert pledge.status == Pledge.Status.CONFIRMED
    first = api.get(f"{INVEST}{reference}/").json()["schedule"][0]["invoice"]
    assert first["status"] == "open"
    assert first["pay_url"] is None
    assert first["pay_link_pending"] is True
    invoices = Invoice.objects.count()

    stub.mode = "ok"
    retry()

    first = api.get(f"{INVEST}{reference}/").json()["schedule"][0]["invoice"]
    assert first["pay_url"].startswith("https://invoice.stripe.test/i/in_stub")
    assert first["pay_link_pending"] is False
    assert Invoice.objects.count() == invoices
    assert len(pay_link_mails(Invoice.objects.get(number=first["number"]))) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_runs_one_stripe_retry_at_a_time(api, plan, stub):
    """While one run holds the retry lock (Stripe hanging), a second run leaves it alone."""
    stub.mode = "error"
    api.post(JOIN, join_body("individual"), format="json")
    stub.mode = "ok"
    held, release = threading.Event(), threading.Event()

    def first_run() -> None:
        try:
            with _one_run_at_a_time() as alone:
                assert alone
                held.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=first_run)
    thread.start()
    held.wait(10)
    try:
        assert invoices_retry_stripe() == []
        assert Invoice.objects.get().pay_link_pending
    finally:
        release.set()
        thread.join()

    assert [invoice.pay_link_pending for invoice in invoices_retry_stripe()] == [False]
