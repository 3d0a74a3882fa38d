"""The journal export: entries that balance to the cent, deferred dues recognised month by
month, each payout and deposit exported once, and the CSV forms."""

import csv
import io
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from billing import services
from billing.exports import journal_csv
from billing.models import JournalLine, Payout, RevenueRecognition
from billing.services.journal_entries import allocate, split_by_month
from core.exceptions import ServiceError
from crm.models import Membership
from tests.billing.stripe_payloads import committed
from tests.billing.test_payouts import paid_by_card, sync
from tests.factories import MembershipFactory, OrganizationFactory, PlanFactory

# These entries are the cash basis's (test_journal_accrual.py has the accrual's).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("cash_basis")]


@pytest.fixture(autouse=True)
def _in_2027(time_machine):
    """The exports below end in 2026: today is after them (an export never ends later)."""
    time_machine.move_to(datetime(2027, 1, 15, 12, tzinfo=UTC))


BANK, CLEARING, FEES, DEFERRED = "1000", "1050", "6150", "2400"


def balances(batch) -> dict[str, Decimal]:
    """Each account's debits less credits."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for line in batch.lines.all():
        totals[line.account] += line.debit - line.credit
    return {account: total for account, total in totals.items() if total}


def assert_balanced(batch) -> None:
    entries: dict[str, Decimal] = defaultdict(Decimal)
    for line in batch.lines.all():
        assert (line.debit == 0) != (line.credit == 0), line
        entries[line.entry_number] += line.debit - line.credit
    assert all(total == 0 for total in entries.values()), entries
    assert batch.total_debits == batch.total_credits > 0


def test_it_splits_a_period_by_the_days_of_each_month_to_the_cent():
    parts = split_by_month(Decimal("300.00"), date(2026, 7, 1), date(2026, 12, 31))

    # 184 days: 31/184 of $300 is $50.54, 30/184 is $48.91; December takes the 2 cents left.
    assert [str(p) for _, p in parts] == ["50.54", "50.54", "48.91", "50.54", "48.91", "50.56"]
    assert sum(p for _, p in parts) == Decimal("300.00")


def test_it_allocates_a_payment_over_lines_with_a_credit(fake_stripe):
    dues, credit = (
        type("L", (), {"amount": Decimal("600.00")})(),
        type("L", (), {"amount": Decimal("-300.00")})(),
    )

    shares = allocate(Decimal("100.00"), [dues, credit])

    assert [s for _, s in shares] == [Decimal("200.00"), Decimal("-100.00")]


def test_it_books_a_payout_with_fees_and_defers_the_months_to_come(october_payout):
    batch = services.journal_export(date_to=date(2026, 10, 31))

    assert_balanced(batch)
    # July to October is earned; November ($48.91) and December ($50.56) are deferred.
    assert balances(batch) == {
        BANK: Decimal("291.00"),
        FEES: Decimal("9.00"),
        "4010": Decimal("-200.53"),
        DEFERRED: Decimal("-99.47"),
    }
    october_payout.refresh_from_db()
    assert october_payout.journal_batch == batch
    schedule = RevenueRecognition.objects.order_by("month")
    assert [(r.month, r.amount) for r in schedule] == [
        (date(2026, 11, 1), Decimal("48.91")),
        (date(2026, 12, 1), Decimal("50.56")),
    ]


def test_it_recognises_each_month_in_the_export_that_reaches_its_end(october_payout):
    services.journal_export(date_to=date(2026, 10, 31))

    november = services.journal_export(date_to=date(2026, 11, 30))

    assert_balanced(november)
    assert balances(november) == {DEFERRED: Decimal("48.91"), "4010": Decimal("-48.91")}
    assert [line.entry_date for line in november.lines.all()] == [date(2026, 11, 30)] * 2
    with pytest.raises(ServiceError, match="closed through November 30, 2026"):
        services.journal_export(date_to=date(2026, 11, 30))


def test_it_refuses_to_export_a_payout_twice(october_payout):
    first = services.journal_export(payouts=[october_payout])

    with pytest.raises(ServiceError, match="exported already"):
        services.journal_export(payouts=[october_payout])

    assert JournalLine.objects.exclude(batch=first).count() == 0


def test_it_refuses_open_exceptions_and_exports_nothing(fake_stripe):
    stranger = fake_stripe.unknown_charge_transaction(Decimal("50.00"), Decimal("1.75"))
    fake_stripe.pay_out([stranger], arrival_date=date(2026, 10, 15))
    sync()
    payout = Payout.objects.get()

    with pytest.raises(ServiceError, match="Not ours"):
        services.journal_export(date_to=date(2026, 10, 31))
    payout.refresh_from_db()
    assert payout.journal_batch is None

    services.balance_transaction_resolve(transaction_=payout.transactions.get(), resolution="x")
    batch = services.journal_export(payouts=[payout])

    assert_balanced(batch)
    assert balances(batch) == {
        BANK: Decimal("48.25"),
        FEES: Decimal("1.75"),
        CLEARING: Decimal("-50.00"),
    }


def test_it_books_refunds_disputes_and_a_difference(fake_stripe):
    refunded = paid_by_card(fake_stripe, "Front Street Bakery")
    short = paid_by_card(fake_stripe, "Asylum Hill Books")
    with committed():
        services.refund_create(payment=refunded, amount=Decimal("300.00"), reason="left")
    fake_stripe.pay_out(
        [
            fake_stripe.charge_transaction(refunded.stripe_payment_intent_id),
            fake_stripe.refund_transaction(
                fake_stripe.refunds[refunded.stripe_payment_intent_id][0]
            ),
            fake_stripe.charge_transaction(
                short.stripe_payment_intent_id, amount=Decimal("290.00")
            ),
        ],
        arrival_date=date(2026, 12, 10),
    )
    sync(since=date(2026, 12, 1), until=date(2026, 12, 31))
    payout = Payout.objects.get()
    services.balance_transaction_resolve(
        transaction_=payout.transactions.get(match="amount_differs"), resolution="ask Stripe"
    )

    batch = services.journal_export(payouts=[payout])

    assert_balanced(batch)
    # December is the last month of the period: nothing left to defer. The refund takes back
    # its $300; the short charge books our $300 and its $10 shortfall in clearing.
    assert balances(batch) == {
        BANK: Decimal("281.00"),
        FEES: Decimal("9.00"),
        "4010": Decimal("-300.00"),
        CLEARING: Decimal("10.00"),
    }


def test_it_exports_a_bank_deposit_of_checks(fake_stripe):
    organization = OrganizationFactory(name="Park Street Hardware")
    membership = MembershipFactory(
        organization=organization,
        plan=PlanFactory(flat_amount="1200.00", gl_revenue_account="4020"),
        status=Membership.Status.APPROVED,
        start_date=date(2026, 1, 1),
    )
    with committed():
        invoice = services.invoice_issue(
            invoice=services.invoice_create_for_membership(membership=membership)
        )
        payment = services.payment_record_offline(
            invoice=invoice,
            amount=Decimal("1200.00"),
            method="check",
            check_number="1042",
            received_on=date(2026, 3, 2),
        )
    deposit = services.deposit_create(
        payments=[payment], deposited_on=date(2026, 3, 3), reference="DS-7"
    )
    with pytest.raises(ServiceError, match="in a deposit already"):
        services.deposit_create(payments=[payment], deposited_on=date(2026, 3, 4))

    batch = services.journal_export(date_to=date(2026, 3, 31))

    assert_balanced(batch)
    # Paid in March for the calendar year: January to March earned, April on deferred.
    entry = balances(batch)
    assert entry[BANK] == Decimal("1200.00")
    assert entry["4020"] + entry[DEFERRED] == Decimal("-1200.00")
    # January $101.92, February $92.05, March $101.92 (of 365 days).
    assert entry["4020"] == Decimal("-295.89")
    deposit.refresh_from_db()
    assert deposit.journal_batch == batch
    assert deposit.total == Decimal("1200.00")
    assert RevenueRecognition.objects.filter(month__lte=date(2026, 3, 31)).count() == 0
    assert RevenueRecognition.objects.count() == 9


def test_it_refuses_a_stripe_payment_in_a_bank_deposit(fake_stripe):
    ours = paid_by_card(fake_stripe, "Front Street Bakery")

    with pytest.raises(ServiceError, match="paid out by Stripe"):
        services.deposit_create(payments=[ours], deposited_on=date(2026, 11, 1))


def test_it_writes_the_quickbooks_and_generic_csv(october_payout, settings):
    settings.BILLING_GL_ACCOUNT_NAMES = {"1000": "Checking", "4010": "Dues:Small Business"}
    batch = services.journal_export(payouts=[october_payout])

    qbo = list(csv.DictReader(io.StringIO(journal_csv(batch, "qbo"))))
    generic = list(csv.DictReader(io.StringIO(journal_csv(batch, "generic"))))

    assert list(qbo[0]) == [
        "JournalNo",
        "JournalDate",
        "AccountName",
        "Debits",
        "Credits",
        "Description",
        "Name",
    ]
    assert qbo[0] | {} == {
        "JournalNo": f"{batch.number}-1",
        "JournalDate": "10/15/2026",
        "AccountName": "Checking",
        "Debits": "291.00",
        "Credits": "",
        "Description": f"Stripe payout {october_payout.stripe_payout_id}",
        "Name": "",
    }
    revenue = next(row for row in qbo if row["AccountName"] == "Dues:Small Business")
    assert (revenue["Debits"], revenue["Credits"], revenue["Name"]) == (
        "",
        "200.53",
        "Front Street Bakery",
    )
    debits = sum(Decimal(r["Debits"] or 0) for r in qbo)
    assert debits == sum(Decimal(r["Credits"] or 0) for r in qbo) == Decimal("300.00")
    assert {r["account"] for r in generic} == {BANK, FEES, "4010", DEFERRED}
    assert sum(Decimal(r["debit"]) - Decimal(r["credit"]) for r in generic) == 0
