"""Journal entries for the accounting system.

On the accrual basis (JOURNAL_BASIS, the default) an issued invoice posts the receivable and
its revenue (billing.services.journal_accrual) and a payment clears the receivable; on the cash
basis revenue is booked when the money reaches the bank. Either way a payout's entry debits the
bank (what arrived) and the processing fees, and credits the receivable (accrual) or the revenue
account of every invoice line the payments paid, allocated in proportion to the lines (cash);
refunds and lost disputes debit it back. What is not ours, or differs from our amount, goes to
the Stripe clearing account for finance to move by hand. A bank deposit is the same without
fees.

A line whose period (dues, an upgrade, a pledge, an event) runs past the entry's month books
the later months to deferred revenue, and a schedule recognises each month's part in the export
that reaches that month's end. An offline refund debits the revenue back and takes the refunded
months off the schedule; a payout that fails after its export is moved back out of the bank.

An export takes what is not exported yet, whatever its date: an entry is dated on its own day,
or on the first open day when its month is locked or already exported. Each payout, deposit,
refund, reversal and month of recognition is exported once.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from billing import selectors
from billing.models import (
    BankDeposit,
    Invoice,
    JournalBatch,
    JournalLine,
    JournalPeriodLock,
    Payment,
    Payout,
    Refund,
    RevenueRecognition,
)
from billing.money import ZERO, format_usd
from billing.services import journal_accrual as accrual
from billing.services.journal_entries import (
    EntryBuilder,
    deposit_entry,
    journal_lines,
    month_end,
    payout_entry,
    recognition_entry,
    refund_entry,
    reversal_entry,
)
from billing.services.payouts import payout_problems
from core.exceptions import InvalidData, ServiceError
from core.services import user_or_none

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
        accrual = _Accruals()
        if not chosen and (accrual_from := selectors.journal_accrual_from()) is not None:
            assert date_to is not None
            accrual.read(accrual_from, date_to, dated)
        entries: list[EntryBuilder] = accrual.entries + (
            [payout_entry(p, dated(p.arrival_date)) for p in locked_payouts]
            + [deposit_entry(d, dated(d.deposited_on)) for d in locked_deposits]
            + [refund_entry(r, dated(timezone.localdate(r.created))) for r in refunds]
            + [reversal_entry(p, dated(p.arrival_date)) for p in reversals]
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
                    basis=settings.JOURNAL_BASIS,
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
            recognition_entry(month, rows, dated(month_end(month)))
            for month, rows in sorted(by_month.items())
        ]
        batch.date_from = min((e.posted_on for e in entries), default=date_to)
        lines: list[JournalLine] = []
        for seq, entry in enumerate(entries, start=1):
            lines += journal_lines(batch, f"{batch.number}-{seq}", entry)
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
        accrual.mark(batch)
        RevenueRecognition.objects.filter(
            pk__in=[row.pk for rows in by_month.values() for row in rows]
        ).update(recognized_in=batch)
    return batch


class _Accruals:
    """On the accrual basis, what an export posts besides the money: the invoices issued, voided
    and written off, and account-credit payments, each once. An invoice voided before its issue
    was posted posts nothing."""

    def __init__(self) -> None:
        self.entries: list[EntryBuilder] = []
        self.issued: list[Invoice] = []
        self.silent: list[Invoice] = []
        self.voided: list[Invoice] = []
        self.written_off: list[Invoice] = []
        self.credits: list[Payment] = []

    def read(self, accrual_from: date, date_to: date, dated: Callable[[date], date]) -> None:
        for invoice in accrual.to_accrue(accrual_from, date_to):
            if invoice.status == Invoice.Status.VOID:
                self.silent.append(invoice)
                continue
            assert invoice.issue_date is not None
            self.issued.append(invoice)
            self.entries.append(accrual.invoice_entry(invoice, dated(invoice.issue_date)))
        silent = {invoice.pk for invoice in self.silent}
        for invoice in accrual.to_reverse(accrual_from, date_to):
            if invoice.pk in silent:
                continue
            if invoice.written_off_at is not None and invoice.write_off_posted_in_id is None:
                day = accrual.write_off_day(invoice)
                if day <= date_to:
                    self.written_off.append(invoice)
                    self.entries.append(accrual.write_off_entry(invoice, dated(day)))
            if invoice.status == Invoice.Status.VOID and invoice.void_posted_in_id is None:
                assert invoice.status_changed_at is not None
                day = timezone.localdate(invoice.status_changed_at)
                if day <= date_to:
                    self.voided.append(invoice)
                    self.entries.append(accrual.void_entry(invoice, dated(day)))
        for payment in accrual.credit_payments(accrual_from, date_to):
            assert payment.received_on is not None
            self.credits.append(payment)
            self.entries.append(accrual.credit_payment_entry(payment, dated(payment.received_on)))

    def mark(self, batch: JournalBatch) -> None:
        def pks(invoices: list[Invoice]) -> list[int]:
            return [invoice.pk for invoice in invoices]

        Invoice.objects.filter(pk__in=pks(self.issued + self.silent)).update(accrued_in=batch)
        Invoice.objects.filter(pk__in=pks(self.voided + self.silent)).update(void_posted_in=batch)
        Invoice.objects.filter(
            pk__in=pks(self.written_off + [i for i in self.silent if i.written_off_at])
        ).update(write_off_posted_in=batch)
        Payment.objects.filter(pk__in=[p.pk for p in self.credits]).update(journal_batch=batch)


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
