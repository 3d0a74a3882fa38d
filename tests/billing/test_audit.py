"""Finance's audit trail: each invoice step and money movement made in the admin is on the
record's History page with who, when and why; what a Stripe webhook changed names the event."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from django.utils import timezone
from django.utils.html import escape

from billing import services
from billing.models import BankDeposit, Dispute, Invoice, Payment, Payout, Refund
from crm.models import Membership
from tests.billing.stripe_payloads import committed, deliver, event, stripe_object
from tests.billing.test_webhooks import invoice_event, issued
from tests.crm.admin_forms import form_data
from tests.factories import AffiliationFactory, MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db
Status = Invoice.Status
CHANGELIST = "/admin/billing/invoice/"


def draft() -> Invoice:
    organization = OrganizationFactory()
    AffiliationFactory(organization=organization, is_billing=True)
    membership = MembershipFactory(organization=organization, status=Membership.Status.APPROVED)
    return services.invoice_create_for_membership(membership=membership)


def open_invoice() -> Invoice:
    return services.invoice_issue(invoice=draft())


def paid_invoice() -> Invoice:
    invoice = open_invoice()
    services.payment_record_offline(
        invoice=invoice,
        amount=invoice.total,
        method=Payment.Method.CASH,
        received_on=timezone.localdate(),
    )
    invoice.refresh_from_db()
    return invoice


def history_url(obj: Any) -> str:
    opts = obj._meta
    return f"/admin/{opts.app_label}/{opts.model_name}/{obj.pk}/history/"


@dataclass
class Step:
    make: Callable[[], Invoice]
    action: str
    reason: str
    status: str
    data: Callable[[Invoice], dict[str, Any]] = field(default=lambda invoice: {})
    # The record the step creates, whose history must name the user and the reason too.
    created: Callable[[Invoice], Any] | None = None
    created_reason: str = ""


STEPS = {
    "issue": Step(draft, "issue", "issued", Status.OPEN),
    "void": Step(
        open_invoice,
        "void",
        "Billed the wrong business",
        Status.VOID,
        lambda invoice: {"apply": "1", "reason": "Billed the wrong business"},
    ),
    "write off": Step(
        open_invoice,
        "write_off",
        "Business closed",
        Status.UNCOLLECTIBLE,
        lambda invoice: {"apply": "1", "reason": "Business closed"},
    ),
    "record payment": Step(
        open_invoice,
        "record_payment",
        "Paid",
        Status.PAID,
        lambda invoice: {
            "apply": "1",
            "method": "check",
            "amount": str(invoice.total),
            "received_on": timezone.localdate().isoformat(),
            "check_number": "5521",
        },
        created=lambda invoice: invoice.payments.get(),
        created_reason="Check recorded (number 5521)",
    ),
    "refund": Step(
        paid_invoice,
        "refund",
        "Refunded in full",
        Status.REFUNDED,
        lambda invoice: {"apply": "1", "amount": "", "reason": "Charged twice"},
        created=lambda invoice: Refund.objects.get(payment__invoice=invoice),
        created_reason="Charged twice",
    ),
}


@pytest.mark.parametrize("name", list(STEPS))
def test_it_shows_who_took_each_invoice_step_in_the_admin_and_why(make_staff, client, name):
    step = STEPS[name]
    staff = make_staff("Finance")
    client.force_login(staff)
    invoice = step.make()
    before = timezone.now()

    with committed():
        response = client.post(
            CHANGELIST,
            {"action": step.action, "_selected_action": [invoice.pk], **step.data(invoice)},
        )

    assert response.status_code == 302, response.content.decode()[:2000]
    invoice.refresh_from_db()
    assert invoice.status == step.status
    for record, reason in [
        (invoice, step.reason),
        *([(step.created(invoice), step.created_reason)] if step.created else []),
    ]:
        latest = record.history.first()
        assert latest.history_user == staff
        assert reason.lower() in latest.history_change_reason.lower()
        assert latest.history_date >= before
        page = client.get(history_url(record)).content.decode()
        assert staff.username in page
        assert escape(latest.history_change_reason) in page


def test_it_shows_who_edited_an_invoice_memo(make_staff, client):
    staff = make_staff("Finance")
    client.force_login(staff)
    invoice = open_invoice()
    url = f"/admin/billing/invoice/{invoice.pk}/change/"
    data = form_data(client.get(url))
    data["memo"] = "Promised a check by Friday"

    response = client.post(url, data)

    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.memo == "Promised a check by Friday"
    assert invoice.status == Status.OPEN
    latest = invoice.history.first()
    assert (latest.history_user, latest.history_change_reason) == (staff, "In the admin")
    assert [c.field for c in latest.diff_against(latest.prev_record).changes] == ["memo"]
    page = client.get(history_url(invoice)).content.decode()
    assert "Promised a check by Friday" in page


def test_it_shows_who_grouped_and_reviewed_a_bank_deposit(make_staff, client):
    staff = make_staff("Finance")
    client.force_login(staff)
    payment = paid_invoice().payments.get()
    client.post(
        "/admin/billing/payment/",
        {
            "action": "group_into_deposit",
            "_selected_action": [payment.pk],
            "apply": "1",
            "deposited_on": timezone.localdate().isoformat(),
            "reference": "slip 42",
        },
    )
    deposit = BankDeposit.objects.get()

    client.post(
        "/admin/billing/bankdeposit/",
        {"action": "mark_reviewed", "_selected_action": [deposit.pk]},
    )

    created, reviewed = deposit.history.order_by("history_date")
    assert (created.history_user, created.history_change_reason) == (staff, "In the admin")
    assert (reviewed.history_user, reviewed.history_change_reason) == (staff, "Reviewed")
    page = client.get(f"/admin/billing/bankdeposit/{deposit.pk}/reconciliation/").content
    assert history_url(deposit).encode() in page
    assert staff.username in client.get(history_url(deposit)).content.decode()


def test_it_names_the_stripe_event_that_paid_an_invoice(
    webhook_client, fake_stripe, approved_membership, superuser
):
    invoice = issued(approved_membership)
    fake_stripe.pay(invoice.stripe_invoice_id)
    paid = invoice_event("invoice.paid", invoice, "paid")

    deliver(webhook_client, paid)

    source = f"Stripe {paid['id']} (invoice.paid)"
    invoice.refresh_from_db()
    approved_membership.refresh_from_db()
    assert invoice.status == Status.PAID
    for record in (invoice, approved_membership, invoice.payments.get()):
        latest = record.history.first()
        assert latest.history_user is None
        assert latest.history_change_reason.startswith(source)
    webhook_client.force_login(superuser)
    page = webhook_client.get(history_url(invoice)).content.decode()
    assert escape(paid["id"]) in page


def test_it_names_the_stripe_event_that_opened_a_dispute(
    webhook_client, fake_stripe, approved_membership
):
    invoice = issued(approved_membership)
    intent_id = fake_stripe.pay(invoice.stripe_invoice_id)
    deliver(webhook_client, invoice_event("invoice.paid", invoice, "paid"))
    fake_stripe.dispute(intent_id, dispute_id="dp_audit")
    opened = event("charge.dispute.created", stripe_object("dispute", id="dp_audit"))

    deliver(webhook_client, opened)

    latest = Dispute.objects.get().history.get()
    assert latest.history_change_reason == f"Stripe {opened['id']} (charge.dispute.created)"


def test_it_keeps_a_payouts_history_from_its_webhooks_to_its_review(
    webhook_client, fake_stripe, make_staff
):
    remote = fake_stripe.pay_out([], arrival_date=date(2026, 10, 15), status="in_transit")
    updated = event("payout.updated", stripe_object("payout", id=remote.id))
    deliver(webhook_client, updated)
    fake_stripe.set_payout_status(remote.id, "paid")
    paid = event("payout.paid", stripe_object("payout", id=remote.id))
    deliver(webhook_client, paid)
    payout = Payout.objects.get()
    staff = make_staff("Finance")

    with committed():
        services.payout_review(payout=payout, by=staff)

    reasons = [
        (r.history_user, r.history_change_reason.split(":")[0])
        for r in payout.history.order_by("history_date", "history_id")
    ]
    assert reasons[0] == (None, f"Stripe {updated['id']} (payout.updated)")
    assert (None, f"Stripe {paid['id']} (payout.paid)") in reasons
    assert reasons[-1] == (staff, "Reviewed")
