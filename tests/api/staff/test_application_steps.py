"""Rejecting an application and confirming a pledge through the staff API do what the admin's
actions do: the same services, so the same money and the same mail."""

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client

from billing.models import Invoice, Payment
from billing.services import payment_record_offline
from crm.models import Membership, Pledge
from tests.api.public_helpers import INVEST, JOIN, committing_client, invest_body, join_body
from tests.factories import InvestorLevelFactory, PlanFactory

pytestmark = pytest.mark.django_db

REASON = "Outside our region"


@pytest.fixture
def public(django_capture_on_commit_callbacks):
    return committing_client(django_capture_on_commit_callbacks)


@pytest.fixture
def through(make_staff, api_for, django_capture_on_commit_callbacks):
    """Run a step on a record from the admin's action or from the staff API, as membership
    staff, with the mail a real commit would send."""

    def run(entry: str, admin_model: str, api_path: str, action: str, pk: int, **form: str):
        with django_capture_on_commit_callbacks(execute=True):
            if entry == "admin":
                client = Client()
                client.force_login(make_staff("Membership"))
                body = {"action": action, "_selected_action": [pk], "apply": "yes", **form}
                response = client.post(f"/admin/crm/{admin_model}/", body)
                assert response.status_code == 302
            else:
                response = api_for("Membership").post(
                    f"/api/v1/{api_path}/{pk}/{action}/", form, format="json"
                )
                assert response.status_code == 200, response.json()

    return run


def _apply(public) -> Membership:
    PlanFactory(code="business", requires_review=True)
    assert public.post(JOIN, join_body("business"), format="json").status_code == 201
    mail.outbox.clear()
    return Membership.objects.get()


@pytest.mark.parametrize("entry", ["admin", "api"])
def test_it_voids_the_invoice_and_tells_the_applicant_of_a_rejection(public, through, entry):
    membership = _apply(public)

    through(entry, "application", "memberships", "reject", membership.pk, reason=REASON)

    membership.refresh_from_db()
    assert membership.status == Membership.Status.REJECTED
    assert Invoice.objects.get().status == Invoice.Status.VOID
    [told] = mail.outbox
    assert told.to == ["ana@riverfrontbakery.example"]
    assert told.subject == (
        f"Your application to the MetroHartford Alliance ({membership.reference})"
    )
    assert REASON in told.body


@pytest.mark.parametrize("entry", ["admin", "api"])
def test_it_refunds_the_paid_invoice_of_a_rejection(public, through, entry):
    membership = _apply(public)
    invoice = Invoice.objects.get()
    payment = payment_record_offline(
        invoice=invoice,
        amount=invoice.amount_due,
        method=Payment.Method.CHECK,
        received_on=date.today(),
        check_number="1043",
    )
    mail.outbox.clear()

    through(entry, "application", "memberships", "reject", membership.pk, reason=REASON)

    assert sum(r.amount for r in payment.refunds.all()) == invoice.total
    assert any(REASON in m.body and m.to == ["ana@riverfrontbakery.example"] for m in mail.outbox)


@pytest.mark.parametrize("entry", ["admin", "api"])
def test_it_invoices_the_installments_of_a_confirmed_pledge(public, through, entry):
    InvestorLevelFactory(
        code="leadership", name="Leadership", minimum_annual_amount=Decimal("5000.00")
    )
    response = public.post(INVEST, invest_body("leadership"), format="json")
    assert response.status_code == 201, response.json()
    pledge = Pledge.objects.get()
    mail.outbox.clear()

    through(entry, "pledge", "pledges", "confirm", pledge.pk)

    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.CONFIRMED
    installments = list(pledge.installments.all())
    assert len(installments) == 12
    invoiced = Invoice.objects.filter(lines__pledge_installment__pledge=pledge).distinct()
    assert invoiced.count() == 12
    assert invoiced.exclude(status=Invoice.Status.DRAFT).exists()  # the first is due now
    assert any(pledge.reference in m.subject for m in mail.outbox)
