"""A dispute on a payment that arrived after its invoice was written off, on the accrual basis.

The write-off moved what was owed to bad debt; the late payment recovered it. A lost dispute takes
that payment back: the invoice owes it again and is written off again (not open: the write-off
stands, a payment that still comes is taken), the membership it paid for is undone, and the
journal debits bad debt again, never the receivable, so the receivable still equals what the
open invoices owe. Won, the money is back: the invoice is paid again and the bad debt recovered.

Driven through the webhook and the real `stripe` library against the local Stripe test double,
payouts included."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.test import Client

from billing import services
from billing.models import BalanceTransaction, Dispute, Invoice, Payment, Payout
from billing.statements import statement_of_account
from crm.models import Membership
from tests.billing import test_disputes_and_returns as disputes
from tests.billing.stripe_payloads import deliver, event
from tests.billing.test_disputes_and_returns import (
    dispute_event,
    invoice_paid,
    issued,
    taken_back_mails,
)
from tests.billing.test_journal import BANK, FEES, assert_balanced, balances

pytestmark = pytest.mark.django_db
# The Stripe test double (webhooks signed) and the $600 membership of the dispute tests.
stub = disputes.stub
membership = disputes.membership

AR, BAD_DEBT, DISPUTE_FEES = "1200", "6170", "6160"


def on(time_machine, day: date) -> None:
    time_machine.move_to(datetime(day.year, day.month, day.day, 17, tzinfo=UTC))


def paid_after_write_off(stub, membership, time_machine) -> tuple[Invoice, Payment]:
    on(time_machine, date(2026, 12, 2))
    invoice = issued(membership)
    on(time_machine, date(2026, 12, 3))
    services.invoice_write_off(invoice=invoice, reason="The business stopped answering.")
    assert stub.invoices[invoice.stripe_invoice_id]["status"] == "uncollectible"
    on(time_machine, date(2026, 12, 4))
    stub.pay(invoice.stripe_invoice_id)  # Stripe still takes it
    deliver(Client(), invoice_paid(invoice))
    invoice.refresh_from_db()
    membership.refresh_from_db()
    assert (invoice.status, invoice.written_off_amount) == (Invoice.Status.PAID, Decimal("600"))
    assert membership.status == Membership.Status.ACTIVE
    return invoice, Payment.objects.get()


def pay_out_and_export(stub, transactions: list, *, arrival: date, time_machine):
    payout_id = stub.pay_out(transactions, arrival_date=arrival)
    on(time_machine, arrival)
    deliver(Client(), event("payout.paid", {"id": payout_id}))
    payout = Payout.objects.get(stripe_payout_id=payout_id)
    assert {t.match for t in payout.transactions.all()} == {BalanceTransaction.Match.MATCHED}
    services.payout_review(payout=payout)
    on(time_machine, date(2027, 1, 2))
    batch = services.journal_export(date_to=date(2026, 12, 31))
    assert_balanced(batch)
    return batch


def open_owed() -> Decimal:
    return sum(
        (i.amount_due for i in Invoice.objects.filter(status=Invoice.Status.OPEN)), Decimal(0)
    )


def test_a_lost_dispute_on_a_late_payment_writes_the_invoice_off_again(
    stub, membership, time_machine
):
    invoice, card = paid_after_write_off(stub, membership, time_machine)
    first_stripe_invoice = invoice.stripe_invoice_id

    on(time_machine, date(2026, 12, 5))
    dispute = stub.dispute(card.stripe_payment_intent_id, status="lost")
    deliver(Client(), dispute_event("charge.dispute.closed", dispute["id"]))

    invoice.refresh_from_db()
    membership.refresh_from_db()
    assert (invoice.status, invoice.amount_due, invoice.amount_paid) == (
        Invoice.Status.UNCOLLECTIBLE,
        Decimal("600.00"),
        Decimal("0.00"),
    )
    assert "written off again" in Dispute.objects.get().outcome
    assert invoice.written_off_amount == Decimal("600.00")  # the write-off's own figure
    assert (membership.status, membership.paid_through) == (Membership.Status.APPROVED, None)
    # A payment is still taken: the payer is told what is owed, with a new Stripe pay link.
    assert invoice.stripe_invoice_id not in (None, first_stripe_invoice)
    (notice,) = taken_back_mails()
    assert "Still due: $600.00" in notice.body
    assert f"To pay it: {invoice.pay_url}" in notice.body
    statement = statement_of_account(membership.organization)
    assert statement.balance == statement.due == Decimal("0.00")
    assert statement.written_off == Decimal("600.00")

    december = pay_out_and_export(
        stub,
        [stub.charge_transaction(card.stripe_payment_intent_id)]
        + stub.dispute_transactions(dispute["id"]),
        arrival=date(2026, 12, 10),
        time_machine=time_machine,
    )

    totals = balances(december)
    # Written off ($600 bad debt), recovered by the card, bad debt again when it was taken back.
    assert totals.get(AR, Decimal(0)) == open_owed() == Decimal(0)
    assert totals[BAD_DEBT] == Decimal("600.00")
    assert totals[DISPUTE_FEES] == Decimal("15.00")
    # $600 in (fee $17.70), $600 and the $15 fee out again.
    assert (totals[BANK], totals[FEES]) == (Decimal("-32.70"), Decimal("17.70"))


def test_a_won_dispute_on_a_late_payment_pays_the_invoice_again(stub, membership, time_machine):
    invoice, card = paid_after_write_off(stub, membership, time_machine)
    intent_id = card.stripe_payment_intent_id

    on(time_machine, date(2026, 12, 5))
    opened = stub.dispute(intent_id, status="needs_response")
    deliver(Client(), dispute_event("charge.dispute.funds_withdrawn", opened["id"]))
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_due) == (Invoice.Status.UNCOLLECTIBLE, Decimal("600"))
    reopened_on_stripe = invoice.stripe_invoice_id

    on(time_machine, date(2026, 12, 8))
    stub.dispute(intent_id, status="won", won=True)
    deliver(Client(), dispute_event("charge.dispute.funds_reinstated", opened["id"]))

    invoice.refresh_from_db()
    membership.refresh_from_db()
    assert (invoice.status, invoice.amount_due, invoice.amount_paid) == (
        Invoice.Status.PAID,
        Decimal("0.00"),
        Decimal("600.00"),
    )
    assert membership.status == Membership.Status.ACTIVE
    # The Stripe invoice made when it was taken back asks for nothing any more.
    assert stub.invoices[reopened_on_stripe]["status"] == "paid"

    december = pay_out_and_export(
        stub,
        [stub.charge_transaction(intent_id)] + stub.dispute_transactions(opened["id"]),
        arrival=date(2026, 12, 10),
        time_machine=time_machine,
    )

    totals = balances(december)
    # Written off, then recovered by the card, which the won dispute gave back: no bad debt left,
    # nothing receivable, the fee returned with the money.
    assert AR not in totals and BAD_DEBT not in totals and DISPUTE_FEES not in totals
    assert (totals[BANK], totals[FEES]) == (Decimal("582.30"), Decimal("17.70"))
