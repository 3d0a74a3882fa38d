"""The journal misses nothing: what is not exported yet goes into the next batch, dated in an
open period (a late deposit, an offline refund, a payout that failed after its export); finance
locks months; an export never ends in the future."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from billing import services
from billing.models import JournalBatch, JournalLine, JournalPeriodLock, Payout, RevenueRecognition
from core.exceptions import ServiceError
from crm.models import Membership
from tests.billing.stripe_payloads import committed
from tests.billing.test_journal import (
    BANK,
    CLEARING,
    DEFERRED,
    FEES,
    assert_balanced,
    balances,
)
from tests.billing.test_payouts import paid_by_card, sync
from tests.factories import MembershipFactory, OrganizationFactory, PlanFactory, UserFactory

# These entries are the cash basis's (test_journal_accrual.py has the accrual's).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("cash_basis")]

DUES = "4020"


def on(time_machine, day: date) -> None:
    time_machine.move_to(datetime(day.year, day.month, day.day, 17, tzinfo=UTC))


def check_paid(name: str, received_on: date, amount: str = "1200.00"):
    """A calendar-year 2026 membership of `amount`, paid by check on `received_on`."""
    membership = MembershipFactory(
        organization=OrganizationFactory(name=name),
        plan=PlanFactory(flat_amount=amount, gl_revenue_account=DUES),
        status=Membership.Status.APPROVED,
        start_date=date(2026, 1, 1),
    )
    with committed():
        invoice = services.invoice_issue(
            invoice=services.invoice_create_for_membership(membership=membership)
        )
        return services.payment_record_offline(
            invoice=invoice,
            amount=Decimal(amount),
            method="check",
            check_number="1042",
            received_on=received_on,
        )


def deposited(payment, on_day: date):
    return services.deposit_create(payments=[payment], deposited_on=on_day, reference="DS")


def lines_of(batch: JournalBatch, source: str) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for line in batch.lines.filter(source=source):
        totals[line.account] = totals.get(line.account, Decimal(0)) + line.debit - line.credit
    return totals


def test_a_late_deposit_lands_in_the_next_batch_dated_in_the_open_month(time_machine):
    on(time_machine, date(2026, 11, 2))
    first = deposited(check_paid("Park Street Hardware", date(2026, 10, 5)), date(2026, 10, 6))
    october = services.journal_export(date_to=date(2026, 10, 31))
    # Finance finds a deposit slip of 20 October after October is exported.
    late = deposited(check_paid("Asylum Hill Books", date(2026, 10, 19)), date(2026, 10, 20))
    on(time_machine, date(2026, 12, 1))

    november = services.journal_export(date_to=date(2026, 11, 30))

    first.refresh_from_db()
    late.refresh_from_db()
    assert (first.journal_batch, late.journal_batch) == (october, november)
    assert_balanced(november)
    entry = november.lines.filter(source=f"deposit {late.reference}")
    # Dated on the first open day, so January to November are earned and December deferred.
    assert {line.entry_date for line in entry} == {date(2026, 11, 1)}
    assert lines_of(november, "deposit DS")[BANK] == Decimal("1200.00")
    assert november.date_from == date(2026, 11, 1)
    schedule = RevenueRecognition.objects.filter(deferred_in=november)
    assert [(r.month, r.amount) for r in schedule] == [(date(2026, 12, 1), Decimal("101.91"))]
    # November's recognition of the first deposit is dated at the month's end, as before.
    assert lines_of(november, "recognition 2026-11") == {
        DEFERRED: Decimal("98.63"),
        DUES: Decimal("-98.63"),
    }
    assert not JournalLine.objects.filter(entry_date__lte=date(2026, 10, 31), batch=november)


def test_a_payout_that_fails_after_its_export_is_reversed_in_the_next_batch(
    fake_stripe, october_payout, time_machine
):
    on(time_machine, date(2026, 11, 5))
    october = services.journal_export(date_to=date(2026, 10, 31))
    fake_stripe.set_payout_status(
        october_payout.stripe_payout_id, "failed", failure_message="Account closed"
    )
    with committed():
        outcomes = services.payout_refresh(payout_id=october_payout.stripe_payout_id)
    assert "the next journal export reverses its bank entry" in " ".join(outcomes)
    # Stripe pays the money out again in a later payout, as a payout_failure line.
    fake_stripe.pay_out(
        [fake_stripe.payout_failure_transaction(october_payout.stripe_payout_id)],
        arrival_date=date(2026, 11, 20),
    )
    sync(since=date(2026, 11, 1), until=date(2026, 11, 30))
    again = Payout.objects.get(arrival_date=date(2026, 11, 20))
    assert services.payout_review(payout=again).reviewed_at is not None
    on(time_machine, date(2026, 12, 1))

    november = services.journal_export(date_to=date(2026, 11, 30))

    assert_balanced(november)
    october_payout.refresh_from_db()
    assert (october_payout.journal_batch, october_payout.reversed_in) == (october, november)
    reversal = november.lines.filter(source=f"payout {october_payout.stripe_payout_id} reversed")
    assert {line.entry_date for line in reversal} == {date(2026, 11, 1)}
    assert lines_of(november, f"payout {october_payout.stripe_payout_id} reversed") == {
        BANK: Decimal("-291.00"),
        CLEARING: Decimal("291.00"),
    }
    assert lines_of(november, f"payout {again.stripe_payout_id}") == {
        BANK: Decimal("291.00"),
        CLEARING: Decimal("-291.00"),
    }
    # Over both batches the bank holds what reached it once, and clearing is empty.
    total = balances(october)
    for account, amount in balances(november).items():
        total[account] = total.get(account, Decimal(0)) + amount
    assert total[BANK] == Decimal("291.00") and total.get(CLEARING, 0) == 0
    assert total[FEES] == Decimal("9.00")
    # Reversed once.
    on(time_machine, date(2027, 1, 2))
    december = services.journal_export(date_to=date(2026, 12, 31))
    assert not december.lines.filter(source__endswith="reversed").exists()


def test_a_refunded_check_is_posted_and_ends_its_recognition(time_machine):
    on(time_machine, date(2026, 4, 1))
    payment = check_paid("Park Street Hardware", date(2026, 3, 2))
    deposited(payment, date(2026, 3, 3))
    march = services.journal_export(date_to=date(2026, 3, 31))
    on(time_machine, date(2026, 5, 10))
    refund = services.refund_create(payment=payment, reason="Closed the shop", amount=None)
    on(time_machine, date(2026, 6, 1))

    may = services.journal_export(date_to=date(2026, 5, 31))

    assert_balanced(may)
    refund.refresh_from_db()
    assert refund.journal_batch == may
    posted = lines_of(may, f"refund {refund.pk}")
    assert posted[BANK] == Decimal("-1200.00")
    # January to May are debited back from revenue, June to December from deferred revenue.
    assert posted[DUES] == Decimal("496.44")
    assert posted[DEFERRED] == Decimal("703.56")
    assert {line.entry_date for line in may.lines.filter(source=f"refund {refund.pk}")} == {
        date(2026, 5, 10)
    }
    # Nothing of the refunded dues is left to recognise: June to December net to zero.
    for month in range(6, 13):
        rows = RevenueRecognition.objects.filter(month=date(2026, month, 1))
        assert sum(r.amount for r in rows) == 0, month
    on(time_machine, date(2027, 1, 5))
    with pytest.raises(ServiceError, match="Nothing to export"):
        services.journal_export(date_to=date(2026, 12, 31))
    # Over the two batches the refunded check left nothing in revenue or deferred revenue.
    total: dict[str, Decimal] = {}
    for batch in (march, may):
        for account, amount in balances(batch).items():
            total[account] = total.get(account, Decimal(0)) + amount
    assert {account: amount for account, amount in total.items() if amount} == {}


def test_a_locked_month_takes_no_entry_the_next_open_day_does(time_machine):
    on(time_machine, date(2026, 11, 3))
    finance = UserFactory()
    payment = check_paid("Park Street Hardware", date(2026, 10, 28))
    deposit = deposited(payment, date(2026, 10, 29))

    lock = services.journal_period_lock(
        month=date(2026, 10, 15), reason="October closed with the auditors", by=finance
    )

    assert (lock.month, lock.locked_by, str(lock)) == (
        date(2026, 10, 1),
        finance,
        "Books locked through October 2026",
    )
    with pytest.raises(ServiceError, match="closed through October 31, 2026"):
        services.journal_export(date_to=date(2026, 10, 31))
    with pytest.raises(ServiceError, match="closed through October 31, 2026 already"):
        services.journal_period_lock(month=date(2026, 9, 1), reason="late")
    with pytest.raises(ServiceError, match="has not ended"):
        services.journal_period_lock(month=date(2026, 11, 1), reason="too soon")
    with pytest.raises(ServiceError, match="Say why"):
        services.journal_period_lock(month=date(2026, 10, 1), reason=" ")
    assert JournalPeriodLock.objects.count() == 1
    batch = services.journal_export(date_to=date(2026, 11, 2))
    assert {line.entry_date for line in batch.lines.all()} == {date(2026, 11, 1)}
    deposit.refresh_from_db()
    assert deposit.journal_batch == batch
    # The chosen-payouts form follows the same rule.
    assert_balanced(batch)


def test_an_export_never_ends_in_the_future(time_machine, october_payout):
    on(time_machine, date(2026, 10, 20))

    with pytest.raises(ServiceError, match="cannot end in the future: export through October 20"):
        services.journal_export(date_to=date(2026, 10, 31))
    # A year of deferred dues is not recognised at once either.
    batch = services.journal_export(date_to=date(2026, 10, 20))

    assert not batch.lines.filter(source__startswith="recognition").exists()
    assert RevenueRecognition.objects.filter(recognized_in__isnull=False).count() == 0
    with pytest.raises(ServiceError, match="cannot end in the future"):
        services.journal_export(date_to=date(2027, 12, 31))


def test_the_selection_export_dates_a_late_payout_in_the_open_month(fake_stripe, time_machine):
    on(time_machine, date(2026, 11, 2))
    deposited(check_paid("Park Street Hardware", date(2026, 10, 5)), date(2026, 10, 6))
    services.journal_export(date_to=date(2026, 10, 31))
    ours = paid_by_card(fake_stripe, "Front Street Bakery")
    fake_stripe.pay_out(
        [fake_stripe.charge_transaction(ours.stripe_payment_intent_id)],
        arrival_date=date(2026, 10, 30),
    )
    sync()
    payout = Payout.objects.get()

    batch = services.journal_export(payouts=[payout])

    assert {line.entry_date for line in batch.lines.all()} == {date(2026, 11, 1)}
    assert batch.date_to == date(2026, 11, 1)


def test_a_payout_in_another_currency_is_refused(fake_stripe, october_payout, time_machine):
    on(time_machine, date(2026, 11, 2))
    Payout.objects.filter(pk=october_payout.pk).update(currency="eur")

    with pytest.raises(ServiceError, match="is in EUR: the journal books dollars only"):
        services.journal_export(date_to=date(2026, 10, 31))

    assert not JournalBatch.objects.exists()
