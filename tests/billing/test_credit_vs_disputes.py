"""Credit balance vs a lost dispute (issue 16): credit that a payment brought in was never
received when the payer's bank takes that payment back. It comes off the credit balance first;
credit already applied to another invoice is taken from there (that invoice owes again, with a
new way to pay); a won dispute gives the credit back. The statement stays consistent: its
running balance ends at what is due less the credit.

Through the real `stripe` library against the local Stripe test double."""

from decimal import Decimal

import pytest
from django.utils import timezone

from billing import reports, services
from billing.models import CreditEntry, Invoice, Payment
from billing.statements import statement_of_account
from core.exceptions import ServiceError
from crm.models import Membership
from tests.billing import test_one_balance as one_balance
from tests.billing.stripe_payloads import committed
from tests.billing.test_one_balance import issued_for_next_period, overpaid

pytestmark = pytest.mark.django_db
# The Stripe test double and a $1,250 membership, as the one-balance tests have them.
stub = one_balance.stub
membership = one_balance.membership
D = Decimal


def lose(stub, card: Payment, *, status: str = "lost", won: bool = False) -> list[str]:
    dispute = stub.dispute(card.stripe_payment_intent_id, status=status, won=won)
    with committed():
        return services.dispute_record_from_stripe(dispute={"id": dispute["id"]})


def kinds() -> list[tuple[str, Decimal]]:
    return list(CreditEntry.objects.order_by("pk").values_list("kind", "amount"))


def assert_statement_consistent(membership: Membership, balance: str) -> None:
    statement = statement_of_account(membership.organization)
    assert statement.balance == statement.due - statement.credit == D(balance)


def test_a_lost_dispute_takes_the_credit_it_brought_in_before_anything_else(stub, membership):
    invoice, card = overpaid(stub, membership)
    stripe_invoice = invoice.stripe_invoice_id

    outcomes = lose(stub, card)

    assert "$1,250.00 of credit balance taken back first." in outcomes
    assert services.credit_balance(membership.organization) == D("0.00")
    assert kinds() == [("added", D("1250.00")), ("taken_back", D("-1250.00"))]
    taken = CreditEntry.objects.get(kind=CreditEntry.Kind.TAKEN_BACK)
    assert (taken.payment, taken.invoice) == (card, invoice)
    # The check still pays the invoice: nothing reopens, no new Stripe invoice.
    invoice.refresh_from_db()
    membership.refresh_from_db()
    assert (invoice.status, invoice.amount_due, invoice.stripe_invoice_id) == (
        Invoice.Status.PAID,
        D("0.00"),
        stripe_invoice,
    )
    assert membership.status == Membership.Status.ACTIVE
    assert_statement_consistent(membership, "0.00")
    # Nothing left to refund: the credit is gone and the card's money with it.
    with pytest.raises(ServiceError, match="no credit balance"):
        services.credit_refund(organization=membership.organization, reason="Give it back.")


def test_credit_applied_to_the_next_invoice_is_taken_from_there(stub, membership):
    _, card = overpaid(stub, membership)
    renewal = issued_for_next_period(membership)
    with committed():
        applied = services.credit_apply(invoice=renewal)
    first_stripe_invoice = renewal.stripe_invoice_id

    outcomes = lose(stub, card)

    assert f"$1,250.00 of credit applied to invoice {renewal.number} undone." in outcomes
    applied.refresh_from_db()
    assert (applied.status, applied.returned_at is not None) == (Payment.Status.FAILED, True)
    renewal.refresh_from_db()
    assert (renewal.status, renewal.amount_due) == (Invoice.Status.OPEN, D("1250.00"))
    # The renewal's Stripe copy was closed by the credit: a new one asks for what is owed.
    assert renewal.stripe_invoice_id != first_stripe_invoice
    assert stub.invoices[renewal.stripe_invoice_id]["amount_remaining"] == 125000
    assert services.credit_balance(membership.organization) == D("0.00")
    assert kinds() == [
        ("added", D("1250.00")),
        ("applied", D("-1250.00")),
        ("restored", D("1250.00")),
        ("taken_back", D("-1250.00")),
    ]
    assert_statement_consistent(membership, "1250.00")


def test_a_won_dispute_gives_the_credit_back(stub, membership):
    _, card = overpaid(stub, membership)
    lose(stub, card, status="needs_response")  # the funds are withdrawn while it is open
    assert services.credit_balance(membership.organization) == D("0.00")

    outcomes = lose(stub, card, status="won", won=True)

    assert any("$1,250.00 over the invoice's total added" in o for o in outcomes)
    assert services.credit_balance(membership.organization) == D("1250.00")
    assert_statement_consistent(membership, "-1250.00")


def collected() -> Decimal:
    """The dues collected this year, as the dues report and the front page both say."""
    today = timezone.localdate()
    by_month = reports.dues_collected_by_month(since=today.replace(month=1, day=1), until=today)
    assert reports.dashboard(today=today)["dues_collected"] == sum(by_month.values())
    return sum(by_month.values(), D("0.00"))


def test_dues_collected_are_net_of_lost_disputes_and_count_applied_credit_once(stub, membership):
    _, card = overpaid(stub, membership)  # $1,250 by check and $1,250 by card
    renewal = issued_for_next_period(membership)
    with committed():
        services.credit_apply(invoice=renewal)  # money already counted when it came in
    assert collected() == D("2500.00")

    lose(stub, card, status="needs_response")  # funds withdrawn while it is open

    assert collected() == D("1250.00")

    lose(stub, card, status="won", won=True)

    assert collected() == D("2500.00")
