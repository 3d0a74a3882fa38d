"""Disputes and returns have effects (issue 16, item 2): a lost or withdrawn chargeback and an
ACH debit returned after it succeeded reopen what they paid for (the invoice owes again, the
membership goes back as for an unpaid renewal), the dispute fee is recorded, a won dispute
restores it; each attempt (a failed ACH debit, then a card) is its own payment; redelivered and
out-of-order events change nothing more.

Driven through the webhook and the real `stripe` library against the local Stripe test double,
but for the payout and journal cases, which use the in-memory fake's payouts."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from billing import services
from billing.models import BalanceTransaction as Txn
from billing.models import Dispute, Invoice, Payment, Payout, StripeEvent
from billing.money import to_minor_units
from crm.models import EmailLog, Membership
from tests.billing.stripe_payloads import WEBHOOK_SECRET, committed, deliver, event, stripe_object
from tests.billing.stripe_stub import stripe_stub
from tests.billing.test_journal import BANK, assert_balanced, balances
from tests.billing.test_payouts import paid_by_card, sync
from tests.factories import AffiliationFactory, MembershipFactory, OrganizationFactory, PlanFactory

pytestmark = pytest.mark.django_db
DISPUTE_FEES = "6160"


@pytest.fixture
def stub(settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    with stripe_stub(settings) as running:
        yield running


@pytest.fixture
def membership(db) -> Membership:
    """A business on a $600 a year plan, billed for a year from its start."""
    organization = OrganizationFactory(name="Bushnell Print Shop", employees=8)
    AffiliationFactory(
        organization=organization,
        contact__email="ap@bushnellprint.example.com",
        contact__first_name="Lee",
        is_billing=True,
    )
    return MembershipFactory(
        organization=organization,
        plan=PlanFactory(
            name="Small Business",
            flat_amount="600.00",
            billing_cycle="anniversary",
            proration="none",
        ),
        status=Membership.Status.APPROVED,
        start_date=date(2026, 12, 1),
    )


def issued(membership: Membership) -> Invoice:
    with committed():
        return services.invoice_issue(
            invoice=services.invoice_create_for_membership(membership=membership)
        )


def invoice_paid(invoice: Invoice) -> dict:
    obj = stripe_object(
        "invoice",
        id=invoice.stripe_invoice_id,
        status="paid",
        total=to_minor_units(invoice.total),
        metadata={"invoice_id": str(invoice.pk)},
    )
    return event("invoice.paid", obj)


def paid_by_card_now(stub, membership) -> tuple[Invoice, str]:
    invoice = issued(membership)
    intent_id = stub.pay(invoice.stripe_invoice_id)
    deliver(Client(), invoice_paid(invoice))
    invoice.refresh_from_db()
    membership.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert membership.status == Membership.Status.ACTIVE
    return invoice, intent_id


def dispute_event(type_: str, dispute_id: str) -> dict:
    # The event's copy is Stripe's example object (an inquiry): the handler reads Stripe's.
    return event(type_, stripe_object("dispute", id=dispute_id))


def taken_back_mails() -> list:
    subjects = set(
        EmailLog.objects.filter(template="payment_taken_back").values_list("subject", flat=True)
    )
    return [m for m in mail.outbox if m.subject in subjects]


def assert_reopened(invoice: Invoice, membership: Membership, due: str) -> None:
    invoice.refresh_from_db()
    membership.refresh_from_db()
    assert invoice.status == Invoice.Status.OPEN
    assert invoice.amount_due == Decimal(due)
    assert invoice.reopened_at is not None
    # Stripe's first copy is paid: a new Stripe invoice asks for what is owed, and is the link.
    assert invoice.stripe_invoice_id not in (None, f"in_stub{invoice.pk}")
    assert invoice.pay_url == invoice.stripe_hosted_url
    assert invoice.pay_url.endswith(invoice.stripe_invoice_id)
    # As an unpaid renewal: nothing paid any more, back to approved awaiting payment.
    assert (membership.status, membership.paid_through) == (Membership.Status.APPROVED, None)


def test_a_lost_chargeback_reopens_the_invoice_with_its_fee_recorded(stub, membership):
    invoice, intent_id = paid_by_card_now(stub, membership)
    dispute = stub.dispute(intent_id, status="lost")

    response = deliver(Client(), dispute_event("charge.dispute.closed", dispute["id"]))

    assert response.status_code == 200
    record = Dispute.objects.get()
    payment = Payment.objects.get()
    assert (record.payment, record.amount, record.fee, record.status, record.taken_back) == (
        payment,
        Decimal("600.00"),
        Decimal("15.00"),
        "lost",
        True,
    )
    assert "owes $600.00 again" in record.outcome
    assert_reopened(invoice, membership, "600.00")
    assert payment.status == Payment.Status.SUCCEEDED  # the money did arrive, then went back
    assert payment.refundable == Decimal("0.00")
    (notice,) = taken_back_mails()
    assert notice.subject == f"Invoice {invoice.number} is due again"
    assert notice.to == ["ap@bushnellprint.example.com"]
    assert "the $600.00 of your Card payment" in notice.body
    assert "Still due: $600.00" in notice.body
    invoice.refresh_from_db()
    assert f"To pay it: {invoice.pay_url}" in notice.body
    processed = StripeEvent.objects.get(type="charge.dispute.closed")
    assert processed.status == StripeEvent.Status.PROCESSED


def test_a_check_pays_the_reopened_invoice_and_closes_its_new_stripe_invoice(stub, membership):
    invoice, intent_id = paid_by_card_now(stub, membership)
    dispute = stub.dispute(intent_id, status="lost")
    deliver(Client(), dispute_event("charge.dispute.closed", dispute["id"]))
    posts_before = [r for r in stub.requests if r["method"] == "POST"]

    with committed():
        services.payment_record_offline(
            invoice=invoice,
            amount=Decimal("600.00"),
            method="check",
            check_number="2231",
            received_on=timezone.localdate(),
        )

    invoice.refresh_from_db()
    membership.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert membership.status == Membership.Status.ACTIVE
    # Stripe's first copy was paid already; the new one is marked paid out of band.
    (closed,) = [r for r in stub.requests if r["method"] == "POST"][len(posts_before) :]
    assert closed["path"] == f"/v1/invoices/{invoice.stripe_invoice_id}/pay"
    assert stub.invoices[invoice.stripe_invoice_id]["status"] == "paid"
    assert stub.invoices[f"in_stub{invoice.pk}"]["paid_out_of_band"] is False
    assert invoice.stripe_error == ""


def test_a_won_dispute_restores_the_invoice_and_the_membership(stub, membership):
    invoice, intent_id = paid_by_card_now(stub, membership)
    opened = stub.dispute(intent_id, status="needs_response")
    deliver(Client(), dispute_event("charge.dispute.funds_withdrawn", opened["id"]))
    # The funds are withdrawn while it is open: the invoice owes them.
    assert_reopened(invoice, membership, "600.00")
    assert Dispute.objects.get().fee == Decimal("15.00")

    stub.dispute(intent_id, status="won", won=True)
    deliver(Client(), dispute_event("charge.dispute.funds_reinstated", opened["id"]))

    record = Dispute.objects.get()
    assert (record.status, record.taken_back, record.fee) == ("won", False, Decimal("0.00"))
    assert record.outcome.startswith("Won: $600.00 given back")
    invoice.refresh_from_db()
    membership.refresh_from_db()
    assert (invoice.status, invoice.amount_due) == (Invoice.Status.PAID, Decimal("0.00"))
    assert membership.status == Membership.Status.ACTIVE
    assert membership.paid_through == date(2027, 11, 30)


def test_a_won_dispute_keeps_the_fee_when_stripe_keeps_it(stub, membership):
    _, intent_id = paid_by_card_now(stub, membership)
    stub.dispute(intent_id, status="won", won=True, fee_back=False)

    deliver(Client(), dispute_event("charge.dispute.closed", f"dp_stub{intent_id}"))

    record = Dispute.objects.get()
    assert (record.taken_back, record.fee) == (False, Decimal("15.00"))


def test_dispute_events_twice_and_out_of_order_change_nothing_more(stub, membership):
    invoice, intent_id = paid_by_card_now(stub, membership)
    dispute = stub.dispute(intent_id, status="lost")
    closed = dispute_event("charge.dispute.closed", dispute["id"])

    # The closing event first, then the opening one (whose copy says "needs response"), then
    # the closing one again, and a second delivery of the same event id.
    deliver(Client(), closed)
    deliver(Client(), dispute_event("charge.dispute.created", dispute["id"]))
    deliver(Client(), dispute_event("charge.dispute.closed", dispute["id"]))
    again = deliver(Client(), closed)

    assert again.json()["duplicate"] is True
    record = Dispute.objects.get()
    assert (record.status, record.taken_back) == ("lost", True)
    assert_reopened(invoice, membership, "600.00")
    assert len(taken_back_mails()) == 1
    # Reopened once.
    reopened = invoice.history.filter(reopened_at__isnull=False).values("reopened_at")
    assert reopened.distinct().count() == 1
    assert StripeEvent.objects.filter(status=StripeEvent.Status.FAILED).count() == 0


def ach_paid(stub, membership) -> tuple[Invoice, str]:
    invoice = issued(membership)
    intent_id = stub.pay(invoice.stripe_invoice_id, method="ach", processing=True)
    deliver(Client(), event("payment_intent.processing", {"id": intent_id}))
    stub.settle(intent_id)
    deliver(Client(), event("payment_intent.succeeded", {"id": intent_id}))
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    return invoice, intent_id


def test_an_ach_debit_returned_after_it_succeeded_reopens_the_invoice(stub, membership):
    invoice, intent_id = ach_paid(stub, membership)
    stub.fail_after_success(intent_id)
    failed = event(
        "charge.failed",
        stripe_object("charge", id="ch_any", payment_intent=intent_id, status="failed"),
    )

    deliver(Client(), failed)
    deliver(Client(), failed)  # redelivered
    deliver(Client(), event("payment_intent.payment_failed", {"id": intent_id}))

    processed = StripeEvent.objects.get(stripe_id=failed["id"])
    assert processed.status == StripeEvent.Status.PROCESSED
    assert "returned by the payer's bank after it succeeded" in processed.outcome
    payment = Payment.objects.get()
    assert (payment.method, payment.status) == (Payment.Method.ACH, Payment.Status.FAILED)
    assert payment.returned_at is not None
    assert "R01" in payment.failure_message
    assert_reopened(invoice, membership, "600.00")
    (notice,) = taken_back_mails()
    assert "Your bank returned the payment" in notice.body
    assert "Still due: $600.00" in notice.body


def test_a_card_after_a_failed_ach_debit_is_a_payment_of_its_own(stub, membership):
    invoice = issued(membership)
    intent_id = stub.pay(invoice.stripe_invoice_id, method="ach", processing=True)
    deliver(Client(), event("payment_intent.processing", {"id": intent_id}))
    stub.settle(intent_id, succeeded=False)
    deliver(Client(), event("payment_intent.payment_failed", {"id": intent_id}))

    card_charge = stub.retry(intent_id, method="card")
    deliver(Client(), invoice_paid(invoice))
    deliver(Client(), event("payment_intent.succeeded", {"id": intent_id}))

    ach, card = Payment.objects.order_by("pk")
    assert (ach.method, ach.status) == (Payment.Method.ACH, Payment.Status.FAILED)
    assert "insufficient funds" in ach.failure_message
    assert (card.method, card.status, card.amount) == (
        Payment.Method.CARD,
        Payment.Status.SUCCEEDED,
        Decimal("600.00"),
    )
    assert card.stripe_charge_id == card_charge != ach.stripe_charge_id
    assert ach.stripe_payment_intent_id == card.stripe_payment_intent_id == intent_id
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (Invoice.Status.PAID, Decimal("600.00"))


# --- the payout and the journal --------------------------------------------------------------


# The payouts arrive in December 2026; the journal exports nothing dated after today.
@time_machine.travel(datetime(2027, 1, 5, 12, tzinfo=UTC), tick=False)
def test_an_ach_return_in_a_payout_is_matched_and_booked_back(fake_stripe):
    returned = paid_by_card(fake_stripe, "Front Street Bakery")
    intent_id = returned.stripe_payment_intent_id
    fake_stripe.return_payment(intent_id)
    with committed():
        services.payment_sync_from_stripe(payment_intent_id=intent_id)
    back = fake_stripe._transaction(
        type="payment_failure_refund",
        reporting_category="refund",
        amount=Decimal("-300.00"),
        fee=Decimal("0.00"),
        source_id="re_return1",
        charge_id=returned.stripe_charge_id,
        payment_intent_id=intent_id,
    )
    fake_stripe.pay_out(
        [fake_stripe.charge_transaction(intent_id), back], arrival_date=date(2026, 12, 10)
    )

    sync(since=date(2026, 12, 1), until=date(2026, 12, 31))

    payout = Payout.objects.get()
    line = payout.transactions.get(type="payment_failure_refund")
    assert (line.match, line.payment, line.expected_amount) == (
        Txn.Match.MATCHED,
        returned,
        Decimal("-300.00"),
    )
    batch = services.journal_export(payouts=[payout])
    assert_balanced(batch)
    # In and back out: only the processing fee is left, paid from the bank.
    assert balances(batch) == {BANK: Decimal("-9.00"), "6150": Decimal("9.00")}


# The payouts arrive in December 2026; the journal exports nothing dated after today.
@time_machine.travel(datetime(2027, 1, 5, 12, tzinfo=UTC), tick=False)
@pytest.mark.usefixtures("cash_basis")
def test_the_journal_books_the_dispute_fee_and_a_won_disputes_return(fake_stripe):
    disputed = paid_by_card(fake_stripe, "Asylum Hill Books")
    intent_id = disputed.stripe_payment_intent_id
    fake_stripe.dispute(intent_id, dispute_id="dp_j1")
    with committed():
        services.dispute_record_from_stripe(dispute={"id": "dp_j1"})
    withdrawn = fake_stripe.dispute_transaction(
        dispute_id="dp_j1", payment_intent_id=intent_id, amount=Decimal("300.00"), fee=Decimal("15")
    )
    fake_stripe.pay_out(
        [fake_stripe.charge_transaction(intent_id), withdrawn], arrival_date=date(2026, 12, 10)
    )
    sync(since=date(2026, 12, 1), until=date(2026, 12, 31))
    first = services.journal_export(payouts=[Payout.objects.get()])

    assert_balanced(first)
    # Charged $300 (fee $9), then $300 and the $15 dispute fee withdrawn.
    assert balances(first) == {
        BANK: Decimal("-24.00"),
        "6150": Decimal("9.00"),
        DISPUTE_FEES: Decimal("15.00"),
    }

    fake_stripe.dispute(
        intent_id, dispute_id="dp_j1", status="won", withdrawn=False, fee=Decimal(0)
    )
    with committed():
        services.dispute_record_from_stripe(dispute={"id": "dp_j1"})
    reinstated = fake_stripe._transaction(
        type="adjustment",
        reporting_category="dispute_reversal",
        amount=Decimal("300.00"),
        fee=Decimal("-15.00"),
        source_id="dp_j1",
        charge_id=disputed.stripe_charge_id,
        payment_intent_id=intent_id,
    )
    later = fake_stripe.pay_out([reinstated], arrival_date=date(2026, 12, 20))
    sync(since=date(2026, 12, 1), until=date(2026, 12, 31))
    payout = Payout.objects.get(stripe_payout_id=later.id)
    assert payout.transactions.get().match == Txn.Match.MATCHED
    second = services.journal_export(payouts=[payout])

    assert_balanced(second)
    # The $300 back to revenue (December, the period's last month), the fee back off expense.
    assert balances(second) == {
        BANK: Decimal("315.00"),
        "4010": Decimal("-300.00"),
        DISPUTE_FEES: Decimal("-15.00"),
    }
    invoice = disputed.invoice
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
