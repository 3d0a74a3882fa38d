"""Journal entries for the accounting system.

Revenue is booked when the money reaches the bank: a payout's entry debits the bank (what
arrived) and the processing fees, and credits the revenue account of every invoice line the
payments paid, allocated in proportion to the lines; refunds and lost disputes debit it back.
What is not ours, or differs from our amount, goes to the Stripe clearing account for finance
to move by hand. A bank deposit is the same without fees.

A dues line whose service period runs past the month of the deposit books the later months to
deferred revenue, and a schedule recognises each month's part in the export that reaches that
month's end. Each payout, deposit and month of recognition is exported once.
"""

import calendar
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max

from billing.models import (
    BalanceTransaction,
    BankDeposit,
    Invoice,
    InvoiceLine,
    JournalBatch,
    JournalLine,
    Payment,
    Payout,
    RevenueRecognition,
)
from billing.money import ZERO, format_usd, money
from billing.services.payouts import payout_problems
from core.exceptions import ServiceError
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


def _payout_entry(payout: Payout) -> EntryBuilder:
    entry = EntryBuilder(posted_on=payout.arrival_date, source=f"payout {payout.stripe_payout_id}")
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


def _deposit_entry(deposit: BankDeposit) -> EntryBuilder:
    label = deposit.reference or f"#{deposit.pk}"
    entry = EntryBuilder(posted_on=deposit.deposited_on, source=f"deposit {label}")
    entry.post(_account("bank"), deposit.total, f"Bank deposit {label}")
    payments = (
        Payment.objects.filter(deposit_item__deposit=deposit)
        .select_related("invoice__organization")
        .prefetch_related("invoice__lines")
    )
    for payment in payments:
        what = payment.get_method_display() + (
            f" {payment.check_number}" if payment.check_number else ""
        )
        entry.revenue(payment.invoice, payment.amount, what)
    return entry


def _recognition_entry(month: date, rows: list[RevenueRecognition]) -> EntryBuilder:
    entry = EntryBuilder(posted_on=month_end(month), source=f"recognition {month:%Y-%m}")
    for row in rows:
        invoice = row.line.invoice
        description = f"Dues recognised for {month:%B %Y}: invoice {invoice.number}"
        name = invoice.organization.name
        entry.post(_account("deferred_revenue"), row.amount, description, name)
        entry.post(row.gl_account, -row.amount, description, name)
    return entry


def _lines(batch: JournalBatch, number: str, entry: EntryBuilder) -> list[JournalLine]:
    # One line per account and customer, in the order they first appear.
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
        )
        for (account, name, description), amount in merged.items()
        if amount
    ]


def journal_export(
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    payouts: Iterable[Payout] | None = None,
    deposits: Iterable[BankDeposit] | None = None,
    by: Any = None,
) -> JournalBatch:
    """Export, once, the journal entries of the deposited payouts and the bank deposits of a
    date range (or of the ones given), and the revenue recognised in the months it reaches.
    Refuses a payout or deposit already exported, a payout that is not deposited, and open
    exceptions; nothing is marked unless everything is."""
    chosen = payouts is not None or deposits is not None
    if not chosen and date_to is None:
        raise ServiceError("Give a date range, or the payouts and deposits to export.")
    if date_from and date_to and date_to < date_from:
        raise ServiceError("The end of the range is before its start.", field="date_to")
    with transaction.atomic():
        if chosen:
            payout_qs = Payout.objects.filter(pk__in=[p.pk for p in payouts or []])
            deposit_qs = BankDeposit.objects.filter(pk__in=[d.pk for d in deposits or []])
        else:
            payout_qs = Payout.objects.filter(
                status=Payout.Status.PAID, journal_batch__isnull=True, arrival_date__lte=date_to
            )
            deposit_qs = BankDeposit.objects.filter(
                journal_batch__isnull=True, deposited_on__lte=date_to
            )
            if date_from:
                payout_qs = payout_qs.filter(arrival_date__gte=date_from)
                deposit_qs = deposit_qs.filter(deposited_on__gte=date_from)
        # Locked, so two exports of the same payout cannot both go through.
        locked_payouts = list(payout_qs.select_for_update().order_by("arrival_date", "pk"))
        locked_deposits = list(deposit_qs.select_for_update().order_by("deposited_on", "pk"))
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
            else:
                problems += [
                    f"payout {payout.stripe_payout_id}: {p}" for p in payout_problems(payout)
                ]
        for deposit in locked_deposits:
            if deposit.journal_batch_id is not None:
                problems.append(
                    f"deposit {deposit.reference or deposit.pk} is exported already (batch "
                    f"{getattr(deposit.journal_batch, 'number', '')})"
                )
        if problems:
            raise ServiceError("Nothing exported: " + "; ".join(problems) + ".")
        if chosen:
            dates = [p.arrival_date for p in locked_payouts] + [
                d.deposited_on for d in locked_deposits
            ]
            date_to = max(dates, default=None)
            if date_to is None:
                raise ServiceError("Choose at least one payout or deposit.")
        assert date_to is not None
        number = (JournalBatch.objects.aggregate(n=Max("number"))["n"] or 0) + 1
        try:
            with transaction.atomic():
                batch = JournalBatch.objects.create(
                    number=number,
                    date_from=None if chosen else date_from,
                    date_to=date_to,
                    created_by=user_or_none(by),
                )
        except IntegrityError:
            raise ServiceError("Another export is running: try again.") from None
        entries: list[EntryBuilder] = [_payout_entry(p) for p in locked_payouts] + [
            _deposit_entry(d) for d in locked_deposits
        ]
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
            RevenueRecognition.objects.select_for_update()
            .filter(recognized_in__isnull=True, month__lte=date_to.replace(day=1))
            .select_related("line__invoice__organization")
            .order_by("month", "pk")
        )
        by_month: dict[date, list[RevenueRecognition]] = defaultdict(list)
        for row in due:
            if month_end(row.month) <= date_to:
                by_month[row.month].append(row)
        entries += [_recognition_entry(month, rows) for month, rows in sorted(by_month.items())]
        lines: list[JournalLine] = []
        for seq, entry in enumerate(entries, start=1):
            lines += _lines(batch, f"{batch.number}-{seq}", entry)
        if not lines:
            raise ServiceError("Nothing to export in that range.")
        JournalLine.objects.bulk_create(lines)
        batch.total_debits = sum((line.debit for line in lines), ZERO)
        batch.total_credits = sum((line.credit for line in lines), ZERO)
        if batch.total_debits != batch.total_credits:
            raise ServiceError(
                f"Debits {format_usd(batch.total_debits)} and credits "
                f"{format_usd(batch.total_credits)} differ: nothing exported."
            )
        batch.save(update_fields=["total_debits", "total_credits"])
        Payout.objects.filter(pk__in=[p.pk for p in locked_payouts]).update(journal_batch=batch)
        BankDeposit.objects.filter(pk__in=[d.pk for d in locked_deposits]).update(
            journal_batch=batch
        )
        RevenueRecognition.objects.filter(
            pk__in=[row.pk for rows in by_month.values() for row in rows]
        ).update(recognized_in=batch)
    return batch
