"""Journal entries for the accounting system.

Revenue is booked when the money reaches the bank: a payout's entry debits the bank (what
arrived) and the processing fees, and credits the revenue account of every invoice line the
payments paid, allocated in proportion to the lines; refunds and lost disputes debit it back.
What is not ours, or differs from our amount, goes to the Stripe clearing account for finance
to move by hand. A bank deposit is the same without fees.

A dues line whose service period runs past the month of the deposit books the later months to
deferred revenue, and a schedule recognises each month's part in the export that reaches that
month's end. An offline refund debits the revenue back and takes the refunded months off the
schedule; a payout that fails after its export is moved back out of the bank.

An export takes what is not exported yet, whatever its date: an entry is dated on its own day,
or on the first open day when its month is locked or already exported. Each payout, deposit,
refund, reversal and month of recognition is exported once.
"""

import calendar
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from billing import selectors
from billing.models import (
    BalanceTransaction,
    BankDeposit,
    Invoice,
    InvoiceLine,
    JournalBatch,
    JournalLine,
    JournalPeriodLock,
    Payment,
    Payout,
    Refund,
    RevenueRecognition,
)
from billing.money import ZERO, format_usd, money
from billing.services.payouts import RETURNED_PAYOUT_TYPES, payout_problems
from core.exceptions import InvalidData, ServiceError
from core.services import user_or_none


def _account(key: str) -> str:
    return settings.BILLING_GL_ACCOUNTS[key]


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def split_by_month(amount: Decimal, start: date, end: date) -> list[tuple[date, Decimal]]:
    """`amount` spread over the months of start..end by the days of each, to the cent, the
    last month taking the rounding so the parts add up exactly."""
    total_days = (end - start).days + 1
    parts: list[tuple[date, Decimal]] = []
    month = start.replace(day=1)
    given = ZERO
    while month <= end:
        last = month_end(month)
        days = (min(last, end) - max(month, start)).days + 1
        part = money(amount * days / total_days)
        parts.append((month, part))
        given += part
        month = last + timedelta(days=1)
    if parts:
        parts[-1] = (parts[-1][0], parts[-1][1] + amount - given)
    return parts


def allocate(amount: Decimal, lines: list[InvoiceLine]) -> list[tuple[InvoiceLine, Decimal]]:
    """`amount` (signed) shared among the invoice's lines in proportion to their amounts, to
    the cent; the largest line takes the rounding."""
    total = sum((line.amount for line in lines), ZERO)
    if not lines or total == ZERO:
        return []
    shares = [(line, money(amount * line.amount / total)) for line in lines]
    rest = amount - sum((share for _, share in shares), ZERO)
    if rest:
        biggest = max(range(len(shares)), key=lambda i: abs(shares[i][0].amount))
        line, share = shares[biggest]
        shares[biggest] = (line, share + rest)
    return shares


@dataclass
class Posting:
    """One signed amount: positive is a debit, negative a credit."""

    account: str
    amount: Decimal
    description: str
    name: str = ""


@dataclass
class Deferral:
    line: InvoiceLine
    month: date
    amount: Decimal  # revenue to recognise that month (negative for a refund of it)


class EntryBuilder:
    def __init__(self, *, posted_on: date, source: str) -> None:
        self.posted_on = posted_on
        self.source = source
        self.postings: list[Posting] = []
        self.deferrals: list[Deferral] = []

    def post(self, account: str, amount: Decimal, description: str, name: str = "") -> None:
        if amount:
            self.postings.append(Posting(account, amount, description, name))

    def revenue(self, invoice: Invoice, amount: Decimal, what: str) -> None:
        """Credit `amount` (signed: a refund is negative) of `invoice` to its lines' revenue
        accounts, deferring what pays for months after this one."""
        name = invoice.organization.name
        description = f"{what}: invoice {invoice.number}"
        lines = list(invoice.lines.all())
        shares = allocate(amount, lines)
        if not shares:
            self.post(_account("stripe_clearing"), -amount, description + " (no lines)", name)
            return
        # Lines of one account and period (dues and their proration credit) are split as one,
        # so the months come out as they would on the net amount.
        merged: dict[tuple[str, str, date | None, date | None], tuple[InvoiceLine, Decimal]] = {}
        for line, share in shares:
            key = (line.gl_account, line.kind, line.period_start, line.period_end)
            first, total = merged.get(key, (line, ZERO))
            merged[key] = (first, total + share)
        for line, share in merged.values():
            now = share
            if (
                line.kind == InvoiceLine.Kind.MEMBERSHIP
                and line.period_start is not None
                and line.period_end is not None
                and line.period_end > month_end(self.posted_on)
            ):
                later = [
                    (month, part)
                    for month, part in split_by_month(share, line.period_start, line.period_end)
                    if month > self.posted_on
                ]
                deferred = sum((part for _, part in later), ZERO)
                now = share - deferred
                self.post(
                    _account("deferred_revenue"), -deferred, description + " (deferred)", name
                )
                self.deferrals += [Deferral(line, month, part) for month, part in later if part]
            self.post(line.gl_account, -now, description, name)


def _payout_entry(payout: Payout, posted_on: date) -> EntryBuilder:
    entry = EntryBuilder(posted_on=posted_on, source=f"payout {payout.stripe_payout_id}")
    entry.post(_account("bank"), payout.amount, f"Stripe payout {payout.stripe_payout_id}")
    transactions = payout.transactions.select_related(
        "payment__invoice__organization", "dispute"
    ).prefetch_related("payment__invoice__lines")
    fees = ZERO
    for txn in transactions:
        if txn.dispute is not None:
            # A dispute's fee (or the fee returned with a won one) is an expense of its own.
            entry.post(
                _account("dispute_fees"),
                txn.fee,
                f"Dispute fee {txn.dispute.stripe_dispute_id}",
                txn.payment.invoice.organization.name if txn.payment is not None else "",
            )
        else:
            fees += txn.fee
        if txn.match == BalanceTransaction.Match.NOT_APPLICABLE and txn.type in (
            RETURNED_PAYOUT_TYPES
        ):
            entry.post(
                _account("stripe_clearing"),
                -txn.amount,
                f"Returned by payout {txn.source_id}: {txn.type} {txn.stripe_id}",
            )
            continue
        if txn.match == BalanceTransaction.Match.NOT_APPLICABLE:
            entry.post(
                _account("processing_fees"), -txn.amount, f"Stripe {txn.type} {txn.stripe_id}"
            )
            continue
        if txn.payment is None or txn.expected_amount is None:
            entry.post(
                _account("stripe_clearing"),
                -txn.amount,
                f"Not matched: {txn.type} {txn.stripe_id}"
                + (f" ({txn.resolution})" if txn.resolution else ""),
            )
            continue
        entry.revenue(txn.payment.invoice, txn.expected_amount, f"Stripe {txn.type}")
        difference = txn.amount - txn.expected_amount
        entry.post(
            _account("stripe_clearing"),
            -difference,
            f"Differs from ours: {txn.type} {txn.stripe_id}",
            txn.payment.invoice.organization.name,
        )
    entry.post(_account("processing_fees"), fees, f"Stripe fees, payout {payout.stripe_payout_id}")
    return entry


def _deposit_entry(deposit: BankDeposit, posted_on: date) -> EntryBuilder:
    label = deposit.reference or f"#{deposit.pk}"
    entry = EntryBuilder(posted_on=posted_on, source=f"deposit {label}")
    entry.post(_account("bank"), deposit.total, f"Bank deposit {label}")
    payments = (
        Payment.objects.filter(deposit_item__deposit=deposit)
        .select_related("invoice__organization")
        .prefetch_related("invoice__lines")
    )
    for payment in payments:
        entry.revenue(payment.invoice, payment.amount, _payment_label(payment))
    return entry


def _payment_label(payment: Payment) -> str:
    return payment.get_method_display() + (
        f" {payment.check_number}" if payment.check_number else ""
    )


def _refund_entry(refund: Refund, posted_on: date) -> EntryBuilder:
    """An offline refund (a check mailed back): the money leaves the bank (or goes back to the
    account credit it came from) and the revenue, with its months still deferred, is debited
    back; the deferred months' schedule gets their negative, so their recognition stops."""
    payment = refund.payment
    invoice = payment.invoice
    what = f"Refund of {_payment_label(payment)}"
    entry = EntryBuilder(posted_on=posted_on, source=f"refund {refund.pk}")
    account = _account("bank") if payment.method in Payment.OFFLINE_METHODS else payment.gl_account
    entry.post(
        account,
        -refund.amount,
        f"{what}: invoice {invoice.number} ({refund.reason[:200]})",
        invoice.organization.name,
    )
    entry.revenue(invoice, -refund.amount, what)
    return entry


def _reversal_entry(payout: Payout, posted_on: date) -> EntryBuilder:
    """A payout that failed after its export never reached the bank: the money is back in
    Stripe's balance (it comes out again in a later payout, as a payout_failure line booked to
    the same clearing account), so the bank's debit moves to Stripe clearing. The revenue it
    booked stands: Stripe collected it."""
    source = f"payout {payout.stripe_payout_id} reversed"
    entry = EntryBuilder(posted_on=posted_on, source=source)
    batch = getattr(payout.journal_batch, "number", "")
    why = f"Stripe payout {payout.stripe_payout_id} {payout.get_status_display().lower()}"
    why += f" after export in batch {batch}" + (
        f": {payout.failure_message[:200]}" if payout.failure_message else ""
    )
    entry.post(_account("bank"), -payout.amount, why)
    entry.post(_account("stripe_clearing"), payout.amount, why)
    return entry


def _recognition_entry(
    month: date, rows: list[RevenueRecognition], posted_on: date
) -> EntryBuilder:
    entry = EntryBuilder(posted_on=posted_on, source=f"recognition {month:%Y-%m}")
    for row in rows:
        invoice = row.line.invoice
        description = f"Dues recognised for {month:%B %Y}: invoice {invoice.number}"
        name = invoice.organization.name
        entry.post(_account("deferred_revenue"), row.amount, description, name)
        entry.post(row.gl_account, -row.amount, description, name)
    return entry


def _lines(batch: JournalBatch, number: str, entry: EntryBuilder) -> list[JournalLine]:
    # One line per account, customer and description, in the order they first appear.
    merged: dict[tuple[str, str, str], Decimal] = defaultdict(lambda: ZERO)
    for posting in entry.postings:
        merged[(posting.account, posting.name, posting.description)] += posting.amount
    if sum(merged.values(), ZERO) != ZERO:
        raise ServiceError(f"The entry for {entry.source} does not balance: nothing exported.")
    return [
        JournalLine(
            batch=batch,
            entry_number=number,
            entry_date=entry.posted_on,
            account=account,
            debit=amount if amount > 0 else ZERO,
            credit=-amount if amount < 0 else ZERO,
            description=description[:500],
            name=name[:255],
            source=entry.source[:100],
        )
        for (account, name, description), amount in merged.items()
        if amount
    ]


# Any constant will do: it names the lock an export or a period lock holds to its commit.
_JOURNAL_LOCK = 4_240_011


def _one_at_a_time() -> None:
    """Exports and period locks run one after the other (on PostgreSQL, a lock held until the
    commit), so each reads the closed months and what is exported as the one before left them.
    SQLite serves one writer at a time anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_JOURNAL_LOCK])


def _long(day: date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def _refused(locked_payouts: list[Payout], locked_deposits: list[BankDeposit]) -> list[str]:
    problems = []
    for payout in locked_payouts:
        if payout.journal_batch_id is not None:
            problems.append(
                f"payout {payout.stripe_payout_id} is exported already (batch "
                f"{getattr(payout.journal_batch, 'number', '')})"
            )
        elif payout.status != Payout.Status.PAID:
            problems.append(
                f"payout {payout.stripe_payout_id} is "
                f"{payout.get_status_display().lower()}, not deposited"
            )
        elif payout.currency.lower() != "usd":
            problems.append(
                f"payout {payout.stripe_payout_id} is in {payout.currency.upper()}: the journal "
                f"books dollars only, post it by hand"
            )
        else:
            problems += [f"payout {payout.stripe_payout_id}: {p}" for p in payout_problems(payout)]
    for deposit in locked_deposits:
        if deposit.journal_batch_id is not None:
            problems.append(
                f"deposit {deposit.reference or deposit.pk} is exported already (batch "
                f"{getattr(deposit.journal_batch, 'number', '')})"
            )
    return problems


def journal_export(
    *,
    date_to: date | None = None,
    payouts: Iterable[Payout] | None = None,
    deposits: Iterable[BankDeposit] | None = None,
    by: Any = None,
) -> JournalBatch:
    """Export, once, everything not yet exported up to `date_to` (or only the payouts and
    deposits given): deposited payouts, bank deposits, offline refunds, the reversal of a payout
    that failed after its export, and the deferred revenue of the months that ended.

    An entry is dated on its own day, or on the first open day when that day's month is locked
    or already exported (a late deposit lands in the next batch, never in a closed month). An
    export never ends in the future, nor before the first open day. Refuses a payout or deposit
    already exported, a payout that is not deposited, and open exceptions; nothing is marked
    unless everything is."""
    chosen = payouts is not None or deposits is not None
    if not chosen and date_to is None:
        raise InvalidData("Give the day to export through.", field="date_to")
    today = timezone.localdate()
    if date_to is not None and date_to > today:
        raise InvalidData(
            f"An export cannot end in the future: export through {_long(today)} at the latest.",
            field="date_to",
        )
    with transaction.atomic():
        _one_at_a_time()
        open_from = selectors.journal_open_from()

        def dated(day: date) -> date:
            return day if open_from is None or day >= open_from else open_from

        if not chosen and open_from is not None and date_to is not None and date_to < open_from:
            raise InvalidData(
                f"The books are closed through {_long(open_from - timedelta(days=1))} (locked "
                f"or exported): export through {_long(open_from)} or later.",
                field="date_to",
            )
        reversals: list[Payout] = []
        refunds: list[Refund] = []
        if chosen:
            payout_qs = Payout.objects.filter(pk__in=[p.pk for p in payouts or []])
            deposit_qs = BankDeposit.objects.filter(pk__in=[d.pk for d in deposits or []])
        else:
            assert date_to is not None
            payout_qs = Payout.objects.filter(
                status=Payout.Status.PAID, journal_batch__isnull=True, arrival_date__lte=date_to
            )
            deposit_qs = BankDeposit.objects.filter(
                journal_batch__isnull=True, deposited_on__lte=date_to
            )
            # Locked, so two exports can never post the same one twice.
            reversals = list(
                Payout.objects.select_for_update()
                .filter(
                    status__in=[Payout.Status.FAILED, Payout.Status.CANCELED],
                    journal_batch__isnull=False,
                    reversed_in__isnull=True,
                )
                .select_related("journal_batch")
                .order_by("arrival_date", "pk")
            )
            refunds = [
                refund
                for refund in Refund.objects.select_for_update(of=("self",))
                .filter(
                    journal_batch__isnull=True,
                    status=Refund.Status.SUCCEEDED,
                    stripe_refund_id__isnull=True,
                    payment__stripe_payment_intent_id__isnull=True,
                )
                .select_related("payment__invoice__organization")
                .order_by("created", "pk")
                if timezone.localdate(refund.created) <= date_to
            ]
        locked_payouts = list(payout_qs.select_for_update().order_by("arrival_date", "pk"))
        locked_deposits = list(deposit_qs.select_for_update().order_by("deposited_on", "pk"))
        problems = _refused(locked_payouts, locked_deposits)
        if problems:
            raise ServiceError("Nothing exported: " + "; ".join(problems) + ".")
        entries: list[EntryBuilder] = (
            [_payout_entry(p, dated(p.arrival_date)) for p in locked_payouts]
            + [_deposit_entry(d, dated(d.deposited_on)) for d in locked_deposits]
            + [_refund_entry(r, dated(timezone.localdate(r.created))) for r in refunds]
            + [_reversal_entry(p, dated(p.arrival_date)) for p in reversals]
        )
        if chosen:
            date_to = max((entry.posted_on for entry in entries), default=None)
            if date_to is None:
                raise ServiceError("Choose at least one payout or deposit.")
            if date_to > today:
                raise ServiceError(
                    f"These would be dated {_long(date_to)}, after today (the first open day, "
                    f"or their own): export them on that day or later."
                )
        assert date_to is not None
        number = (JournalBatch.objects.aggregate(n=Max("number"))["n"] or 0) + 1
        try:
            with transaction.atomic():
                batch = JournalBatch.objects.create(
                    number=number,
                    date_from=None,
                    date_to=date_to,
                    created_by=user_or_none(by),
                )
        except IntegrityError:
            raise ServiceError("Another export is running: try again.") from None
        for entry in entries:
            RevenueRecognition.objects.bulk_create(
                RevenueRecognition(
                    line=d.line,
                    gl_account=d.line.gl_account,
                    month=d.month,
                    amount=d.amount,
                    deferred_in=batch,
                    source=entry.source,
                )
                for d in entry.deferrals
            )
        due = (
            RevenueRecognition.objects.select_for_update(of=("self",))
            .filter(recognized_in__isnull=True, month__lte=date_to.replace(day=1))
            .select_related("line__invoice__organization")
            .order_by("month", "pk")
        )
        by_month: dict[date, list[RevenueRecognition]] = defaultdict(list)
        for row in due:
            if month_end(row.month) <= date_to:
                by_month[row.month].append(row)
        entries += [
            _recognition_entry(month, rows, dated(month_end(month)))
            for month, rows in sorted(by_month.items())
        ]
        batch.date_from = min((e.posted_on for e in entries), default=date_to)
        lines: list[JournalLine] = []
        for seq, entry in enumerate(entries, start=1):
            lines += _lines(batch, f"{batch.number}-{seq}", entry)
        if not lines:
            raise ServiceError(
                f"Nothing to export through {_long(date_to)}: everything is exported already."
            )
        JournalLine.objects.bulk_create(lines)
        batch.total_debits = sum((line.debit for line in lines), ZERO)
        batch.total_credits = sum((line.credit for line in lines), ZERO)
        if batch.total_debits != batch.total_credits:
            raise ServiceError(
                f"Debits {format_usd(batch.total_debits)} and credits "
                f"{format_usd(batch.total_credits)} differ: nothing exported."
            )
        batch.save(update_fields=["date_from", "total_debits", "total_credits"])
        Payout.objects.filter(pk__in=[p.pk for p in locked_payouts]).update(journal_batch=batch)
        Payout.objects.filter(pk__in=[p.pk for p in reversals]).update(reversed_in=batch)
        BankDeposit.objects.filter(pk__in=[d.pk for d in locked_deposits]).update(
            journal_batch=batch
        )
        Refund.objects.filter(pk__in=[r.pk for r in refunds]).update(journal_batch=batch)
        RevenueRecognition.objects.filter(
            pk__in=[row.pk for rows in by_month.values() for row in rows]
        ).update(recognized_in=batch)
    return batch


def journal_period_lock(*, month: date, reason: str, by: Any = None) -> JournalPeriodLock:
    """Close the books through the end of `month` (any day of it): from now on nothing is dated
    in it or before it; what arrives late is dated on the first day after it. Only a month that
    has ended, and once."""
    if not reason.strip():
        raise InvalidData("Say why the month is locked.", field="reason")
    first = month.replace(day=1)
    if month_end(first) >= timezone.localdate():
        raise InvalidData(
            f"{first:%B %Y} has not ended: only a past month can be locked.", field="month"
        )
    with transaction.atomic():
        _one_at_a_time()
        closed = selectors.journal_closed_through()
        if closed is not None and month_end(first) <= closed:
            raise ServiceError(
                f"The books are closed through {_long(closed)} already: {first:%B %Y} is locked "
                f"or exported."
            )
        return JournalPeriodLock.objects.create(
            month=first, reason=reason.strip(), locked_by=user_or_none(by)
        )
