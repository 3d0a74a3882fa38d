"""A card payment over what the invoice asked for, on the accrual basis, carried through its Stripe
payout's reconciliation and the journal export: the excess is the organization's credit balance,
the payout reconciles to the cent, and the exported entries balance, the card clearing the
receivable only for what was owed and crediting customer credits with the rest; a refund of the
credit later debits customer credits back to zero.

Driven through the webhook and the real `stripe` library against the local Stripe test double
(its payouts and balance transactions: tests/billing/stripe_stub_payouts.py)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.test import Client

from billing import services
from billing.models import BalanceTransaction, CreditEntry, Invoice, Payment, Payout
from billing.services.payouts import payout_problems
from tests.billing import test_disputes_and_returns as disputes
from tests.billing.stripe_payloads import committed, deliver, event
from tests.billing.test_disputes_and_returns import dispute_event, invoice_paid, issued
from tests.billing.test_journal import BANK, FEES, assert_balanced, balances

pytestmark = pytest.mark.django_db
# The Stripe test double (webhooks signed) and the $600 membership of the dispute tests.
stub = disputes.stub
membership = disputes.membership

AR, CREDITS = "1200", "2450"


def on(time_machine, day: date) -> None:
    time_machine.move_to(datetime(day.year, day.month, day.day, 17, tzinfo=UTC))


def overpaid_by_card(stub, membership) -> tuple[Invoice, Payment, Payment]:
    """A $200 check recorded while Stripe is down (its credit note fails), then the payer pays
    the $600 Stripe still asks for by card: $200 arrives over the total."""
    invoice = issued(membership)
    stub.mode = "error"
    with committed():
        check = services.payment_record_offline(
            invoice=invoice,
            amount=Decimal("200.00"),
            method="check",
            check_number="4410",
            received_on=invoice.issue_date,
        )
    stub.mode = "ok"
    stub.pay(invoice.stripe_invoice_id)
    deliver(Client(), invoice_paid(invoice))
    invoice.refresh_from_db()
    card = invoice.payments.get(method=Payment.Method.CARD)
    return invoice, check, card


def test_an_overpaying_card_reconciles_in_its_payout_and_the_journal_books_the_excess_as_credit(
    stub, membership, time_machine
):
    on(time_machine, date(2026, 12, 2))
    invoice, check, card = overpaid_by_card(stub, membership)

    assert (invoice.status, invoice.amount_paid, card.amount) == (
        Invoice.Status.PAID,
        Decimal("800.00"),
        Decimal("600.00"),
    )
    added = CreditEntry.objects.get()
    assert (added.kind, added.amount, added.payment) == (
        CreditEntry.Kind.ADDED,
        Decimal("200.00"),
        card,
    )
    assert services.credit_balance(membership.organization) == Decimal("200.00")

    on(time_machine, date(2026, 12, 3))
    services.deposit_create(payments=[check], deposited_on=date(2026, 12, 3))
    payout_id = stub.pay_out(
        [stub.charge_transaction(card.stripe_payment_intent_id)], arrival_date=date(2026, 12, 9)
    )
    on(time_machine, date(2026, 12, 9))
    deliver(Client(), event("payout.paid", {"id": payout_id}))

    payout = Payout.objects.get(stripe_payout_id=payout_id)
    (line,) = payout.transactions.all()
    # Stripe charged the card $600 (fee $17.70): our payment's amount, not the invoice's due.
    assert (line.match, line.payment, line.expected_amount, line.amount, line.net) == (
        BalanceTransaction.Match.MATCHED,
        card,
        Decimal("600.00"),
        Decimal("600.00"),
        Decimal("582.30"),
    )
    assert payout.amount == Decimal("582.30")
    assert payout_problems(payout) == []
    card.refresh_from_db()
    assert (card.fee, card.net) == (Decimal("17.70"), Decimal("582.30"))
    services.payout_review(payout=payout)

    on(time_machine, date(2027, 1, 2))
    december = services.journal_export(date_to=date(2026, 12, 31))

    assert_balanced(december)
    totals = balances(december)
    # Owed $600: the check cleared $200 of it, the card the other $400; the card's other $200
    # is owed to the member (customer credits, a liability), the same as its credit balance.
    assert AR not in totals
    assert totals[CREDITS] == Decimal("-200.00")
    assert -totals[CREDITS] == services.credit_balance(membership.organization)
    assert (totals[BANK], totals[FEES]) == (Decimal("782.30"), Decimal("17.70"))
    card_lines = {
        (row.account, row.debit - row.credit)
        for row in december.lines.filter(source=f"payout {payout_id}")
    }
    assert card_lines == {
        (BANK, Decimal("582.30")),
        (FEES, Decimal("17.70")),
        (AR, Decimal("-400.00")),
        (CREDITS, Decimal("-200.00")),
    }

    # The credit is refunded to the card and Stripe's next payout carries the refund.
    with committed():
        (refund,) = services.credit_refund(
            organization=membership.organization, reason="Paid twice: check and card."
        )
    remote = stub.refunds[card.stripe_payment_intent_id][0]
    assert remote["amount"] == 20000
    later = stub.pay_out([stub.refund_transaction(remote)], arrival_date=date(2027, 1, 2))
    deliver(Client(), event("payout.paid", {"id": later}))
    (back,) = Payout.objects.get(stripe_payout_id=later).transactions.all()
    assert (back.match, back.refund) == (BalanceTransaction.Match.MATCHED, refund)

    on(time_machine, date(2027, 1, 3))
    january = services.journal_export(date_to=date(2027, 1, 2))

    assert_balanced(january)
    refund_lines = {
        (row.account, row.debit - row.credit)
        for row in january.lines.filter(source=f"payout {later}")
    }
    # The refund gives back the credit: customer credits are debited, revenue is untouched.
    assert refund_lines == {(BANK, Decimal("-200.00")), (CREDITS, Decimal("200.00"))}
    assert services.credit_balance(membership.organization) == Decimal("0.00")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.reversed_at) == (Invoice.Status.PAID, None)


@pytest.mark.parametrize("won", [False, True])
def test_a_dispute_on_the_overpaying_card_takes_its_credit_back_first_in_the_journal_too(
    stub, membership, time_machine, won
):
    """Lost, the $200 of credit the card brought in comes off customer credits and only the $400
    it paid of the invoice is receivable again; won, both come back as they were."""
    on(time_machine, date(2026, 12, 2))
    invoice, check, card = overpaid_by_card(stub, membership)
    intent_id = card.stripe_payment_intent_id
    services.deposit_create(payments=[check], deposited_on=date(2026, 12, 2))
    on(time_machine, date(2026, 12, 4))
    opened = stub.dispute(intent_id, status="needs_response")
    deliver(Client(), dispute_event("charge.dispute.funds_withdrawn", opened["id"]))
    assert services.credit_balance(membership.organization) == Decimal("0.00")
    if won:
        on(time_machine, date(2026, 12, 6))
        stub.dispute(intent_id, status="won", won=True)
        deliver(Client(), dispute_event("charge.dispute.funds_reinstated", opened["id"]))
    payout_id = stub.pay_out(
        [stub.charge_transaction(intent_id)] + stub.dispute_transactions(opened["id"]),
        arrival_date=date(2026, 12, 9),
    )
    on(time_machine, date(2026, 12, 9))
    deliver(Client(), event("payout.paid", {"id": payout_id}))
    payout = Payout.objects.get(stripe_payout_id=payout_id)
    assert payout_problems(payout) == []

    on(time_machine, date(2027, 1, 2))
    december = services.journal_export(date_to=date(2026, 12, 31))

    assert_balanced(december)
    totals = balances(december)
    invoice.refresh_from_db()
    credit = services.credit_balance(membership.organization)
    owed = invoice.amount_due if invoice.status == Invoice.Status.OPEN else Decimal("0.00")
    assert (invoice.status, owed, credit) == (
        (Invoice.Status.PAID, Decimal("0.00"), Decimal("200.00"))
        if won
        else (Invoice.Status.OPEN, Decimal("400.00"), Decimal("0.00"))
    )
    # The books tie: the receivable is what the invoice owes, customer credits the balance.
    assert totals.get(AR, Decimal(0)) == owed
    assert -totals.get(CREDITS, Decimal(0)) == credit
