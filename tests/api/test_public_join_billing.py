"""The join's invoice: issued through billing, payable on Stripe's page (or by instructions),
and kept current in GET join/<reference>/ as Stripe reports the payment."""

from contextlib import nullcontext
from datetime import date
from decimal import Decimal

import pytest
from django.core import mail

from billing.gateways import FakeGateway, use_gateway
from billing.models import Invoice
from billing.money import to_minor_units
from billing.services import invoice_issue, payment_record_offline
from crm.models import Membership
from crm.services.applications import application_approve, application_reject
from tests.api.public_helpers import JOIN, committing_client, join_body
from tests.billing.stripe_payloads import WEBHOOK_SECRET, deliver, event, stripe_object
from tests.factories import BracketPlanFactory, OrganizationFactory, PlanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(django_capture_on_commit_callbacks):
    return committing_client(django_capture_on_commit_callbacks)


@pytest.fixture
def fake_stripe(settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    with use_gateway(FakeGateway()) as gateway:
        yield gateway


@pytest.fixture
def instant_plan():
    """$600 a year, no proration, no review: approved and invoiced as the application is made."""
    return PlanFactory(
        code="individual", flat_amount=Decimal("600.00"), proration="none", requires_review=False
    )


def test_it_issues_the_dues_invoice_with_payment_instructions_without_stripe(api, instant_plan):
    response = api.post(JOIN, join_body("individual"), format="json")

    assert response.status_code == 201, response.json()
    invoice = response.json()["invoice"]
    stored = Invoice.objects.get()
    assert invoice == {
        "number": stored.number,
        "status": "open",
        "total": "600.00",
        "amount_due": "600.00",
        "due_date": stored.due_date.isoformat(),
        "pay_url": None,
        "payment_instructions": stored.payment_instructions,
        "pay_link_pending": False,
        "next_step": None,
    }
    assert stored.number in invoice["payment_instructions"]
    assert response.json()["quote"]["total"] == invoice["total"]
    invoice_mail = next(m for m in mail.outbox if stored.number in m.subject)
    assert invoice_mail.to == ["ana@riverfrontbakery.example"]


@pytest.mark.parametrize("stripe", [False, True])
def test_it_mails_the_join_invoice_once_and_records_when(api, instant_plan, stripe, settings):
    """Without Stripe the invoice is made with last_sent_at set (its mail follows the commit);
    with Stripe it is set once the invoice has its Stripe page and is mailed."""
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    with use_gateway(FakeGateway()) if stripe else nullcontext():
        api.post(JOIN, join_body("individual"), format="json")
        stored = Invoice.objects.get()
        assert stored.last_sent_at is not None
        assert stored.history.filter(last_sent_at__isnull=False).exists() is not stripe
        invoice_issue(invoice=stored)  # issued again (staff): its first mail went already

    assert len([m for m in mail.outbox if stored.number in m.subject]) == 1


def test_it_answers_with_stripes_hosted_page_when_stripe_is_configured(
    api, instant_plan, fake_stripe
):
    response = api.post(JOIN, join_body("individual"), format="json")

    invoice = response.json()["invoice"]
    assert invoice["pay_url"].startswith("https://invoice.stripe.test/i/")
    assert invoice["payment_instructions"] is None


def test_it_bills_what_the_applicant_declared_when_linked_to_an_older_record(api):
    BracketPlanFactory(code="business", proration="none", requires_review=False)
    OrganizationFactory(name="Riverfront Bakery", employees=5)  # the form says 25

    answer = api.post(JOIN, join_body("business"), format="json").json()

    assert answer["quote"]["annual_dues"] == "895.00"
    assert answer["invoice"]["total"] == answer["quote"]["total"]


def test_it_shows_the_membership_active_after_stripe_says_the_invoice_is_paid(
    api, instant_plan, fake_stripe, client
):
    answer = api.post(JOIN, join_body("individual"), format="json").json()
    reference = answer["reference"]
    invoice = Invoice.objects.get(number=answer["invoice"]["number"])
    fake_stripe.pay(invoice.stripe_invoice_id)
    paid = event(
        "invoice.paid",
        stripe_object(
            "invoice",
            id=invoice.stripe_invoice_id,
            status="paid",
            collection_method="send_invoice",
            total=to_minor_units(invoice.total),
            amount_due=to_minor_units(invoice.total),
            metadata={"invoice_id": str(invoice.pk)},
        ),
    )

    assert deliver(client, paid).status_code == 200

    state = api.get(f"/api/v1/public/join/{reference}/").json()
    assert state["status"] == "active"
    assert state["paid_through"] == f"{date.today().year}-12-31"
    assert state["invoice"]["status"] == "paid"
    assert state["invoice"]["amount_due"] == "0.00"
    assert state["invoice"]["pay_url"] is None
    assert Membership.objects.get().status == Membership.Status.ACTIVE


def test_it_keeps_the_join_invoice_when_staff_approve_the_application(
    api, make_staff, django_capture_on_commit_callbacks
):
    PlanFactory(code="business", requires_review=True)
    reference = api.post(JOIN, join_body("business"), format="json").json()["reference"]
    number = api.get(f"/api/v1/public/join/{reference}/").json()["invoice"]["number"]
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        application_approve(membership=Membership.objects.get(), by=make_staff("Membership"))

    state = api.get(f"/api/v1/public/join/{reference}/").json()
    assert state["status"] == "approved"
    assert state["invoice"]["status"] == "open"
    assert state["invoice"]["number"] == number
    assert Invoice.objects.count() == 1
    subjects = sorted(m.subject for m in mail.outbox)
    assert any("approved" in s for s in subjects)


def test_it_waits_for_review_when_an_applicant_pays_first_then_approval_activates(
    api, make_staff, django_capture_on_commit_callbacks
):
    PlanFactory(code="business", requires_review=True)
    reference = api.post(JOIN, join_body("business"), format="json").json()["reference"]
    invoice = Invoice.objects.get()
    payment_record_offline(
        invoice=invoice,
        amount=invoice.amount_due,
        method="check",
        received_on=date.today(),
        check_number="1042",
    )

    assert api.get(f"/api/v1/public/join/{reference}/").json()["status"] == "applied"

    with django_capture_on_commit_callbacks(execute=True):
        application_approve(membership=Membership.objects.get(), by=make_staff("Membership"))

    state = api.get(f"/api/v1/public/join/{reference}/").json()
    assert state["status"] == "active"
    assert state["invoice"]["status"] == "paid"


def test_it_voids_the_unpaid_invoice_of_a_rejected_application(api, make_staff):
    PlanFactory(code="business", requires_review=True)
    api.post(JOIN, join_body("business"), format="json")

    application_reject(
        membership=Membership.objects.get(), by=make_staff("Membership"), reason="Not in region"
    )

    assert Invoice.objects.get().status == Invoice.Status.VOID


def test_it_refunds_the_paid_invoice_of_a_rejected_application(api, make_staff):
    PlanFactory(code="business", requires_review=True)
    api.post(JOIN, join_body("business"), format="json")
    invoice = Invoice.objects.get()
    payment = payment_record_offline(
        invoice=invoice,
        amount=invoice.amount_due,
        method="check",
        received_on=date.today(),
        check_number="1043",
    )

    application_reject(
        membership=Membership.objects.get(), by=make_staff("Membership"), reason="Not in region"
    )

    membership = Membership.objects.get()
    assert membership.status == Membership.Status.REJECTED
    assert sum(r.amount for r in payment.refunds.all()) == invoice.total
