"""The journal's entries, built in memory before an export writes them (billing.services.journal):
a payout's, a bank deposit's, an offline refund's, a failed payout's reversal and a month's
recognition, each a list of postings that balance; revenue allocated over an invoice's lines,
the months after the entry's own deferred."""

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings

from billing import selectors
from billing.models import (
    BalanceTransaction,
    BankDeposit,
    CreditEntry,
    Invoice,
    InvoiceLine,
    JournalBatch,
    JournalLine,
    Payment,
    Payout,
    Refund,
    RevenueRecognition,
)
from billing.money import ZERO, money
from billing.services.payouts import CHARGE_TYPES, RETURNED_PAYOUT_TYPES
from core.exceptions import ServiceError


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
        self.accrual_from = selectors.journal_accrual_from()

    def accrues(self, invoice: Invoice) -> bool:
        """Whether the invoice is on the accrual basis: its issue posted the receivable."""
        return self.accrual_from is not None and (
            invoice.issue_date is not None and invoice.issue_date >= self.accrual_from
        )

    def post(self, account: str, amount: Decimal, description: str, name: str = "") -> None:
        if amount:
            self.postings.append(Posting(account, amount, description, name))

    def revenue(self, invoice: Invoice, amount: Decimal, what: str) -> None:
        """Credit `amount` (signed: a refund is negative) of `invoice` to its lines' revenue
        accounts, deferring what pays for months after this one: a line's own period (dues,
        an upgrade, a pledge installment, an event's days), else the period of the membership
        line it goes with (a reinstatement fee)."""
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
            start, end = line_period(line, lines)
            key = (line.gl_account, line.kind, start, end)
            first, total = merged.get(key, (line, ZERO))
            merged[key] = (first, total + share)
        for (_, _, start, end), (line, share) in merged.items():
            now = share
            if start is not None and end is not None and end > month_end(self.posted_on):
                later = [
                    (month, part)
                    for month, part in split_by_month(share, start, end)
                    if month > self.posted_on
                ]
                deferred = sum((part for _, part in later), ZERO)
                now = share - deferred
                self.post(
                    _account("deferred_revenue"), -deferred, description + " (deferred)", name
                )
                self.deferrals += [Deferral(line, month, part) for month, part in later if part]
            self.post(line.gl_account, -now, description, name)

    def settle(
        self,
        payment: Payment,
        amount: Decimal,
        what: str,
        *,
        at: datetime | None = None,
        reinstated: bool = False,
    ) -> None:
        """Money in (or, negative, taken back: an ACH return, a dispute) for `payment`. On the
        cash basis it is revenue. On the accrual basis it clears the receivable the invoice
        posted when issued (or owes it again), what it brought in over the total goes to the
        customer's credit (and a dispute or a return takes that credit back first; a won
        dispute, `reinstated`, adds it again), and money that moves after a write-off (`at`,
        when it moved: by default when the payment was recorded) is bad debt recovered, or,
        taken back, bad debt again: the invoice is written off, so nothing of it is
        receivable."""
        invoice = payment.invoice
        if not self.accrues(invoice):
            self.revenue(invoice, amount, what)
            return
        name = invoice.organization.name
        description = f"{what}: invoice {invoice.number}"
        credit = _credit_part(payment, amount, reinstated=reinstated)
        self.post(_account("customer_credits"), -credit, description + " (credit)", name)
        amount -= credit
        written_off = invoice.written_off_at
        recovered = written_off is not None and (at or payment.created) > written_off
        account = _account("bad_debt") if recovered else _account("receivable")
        self.post(account, -amount, description + (" (recovered)" if recovered else ""), name)

    def refund(self, refund: Refund, amount: Decimal, what: str) -> None:
        """A refund (`amount` negative): what gave back a credit balance comes off the
        customer's credit on the accrual basis, the rest reduces the revenue."""
        invoice = refund.payment.invoice
        if self.accrues(invoice):
            credit = max(sum((c.amount for c in _credits(refund, "refunded")), ZERO), amount)
            description = f"{what}: invoice {invoice.number} (credit refunded)"
            self.post(_account("customer_credits"), -credit, description, invoice.organization.name)
            amount -= credit
        self.revenue(invoice, amount, what)


def _credits(owner: Payment | Refund, kind: str) -> list[CreditEntry]:
    return [entry for entry in owner.credit_entries.all() if entry.kind == kind]


def _credit_part(payment: Payment, amount: Decimal, *, reinstated: bool) -> Decimal:
    """Of money moving for `payment` (signed), the part that is the customer's credit rather
    than the invoice's: the payment's excess over what was owed when it came in (its first
    "added" row), what a dispute or a return took back of that credit ("taken back" rows,
    negative), and what a won dispute added again (its later "added" rows)."""
    if amount > 0:
        added = [entry.amount for entry in _credits(payment, "added")]
        part = sum(added[1:], ZERO) if reinstated else (added[0] if added else ZERO)
        return min(part, amount)
    taken = -sum((entry.amount for entry in _credits(payment, "taken_back")), ZERO)
    return -min(taken, -amount)


def line_period(line: InvoiceLine, lines: list[InvoiceLine]) -> tuple[date | None, date | None]:
    """The days a line's revenue is earned over: its own period, else that of the line for the
    same membership on the invoice (a reinstatement fee goes with the term it reinstates)."""
    if line.period_start is not None and line.period_end is not None:
        return line.period_start, line.period_end
    for other in lines:
        if (
            line.membership_id is not None
            and other.membership_id == line.membership_id
            and other.period_start is not None
            and other.period_end is not None
        ):
            return other.period_start, other.period_end
    return None, None


def payout_entry(payout: Payout, posted_on: date) -> EntryBuilder:
    entry = EntryBuilder(posted_on=posted_on, source=f"payout {payout.stripe_payout_id}")
    entry.post(_account("bank"), payout.amount, f"Stripe payout {payout.stripe_payout_id}")
    transactions = payout.transactions.select_related(
        "payment__invoice__organization", "dispute", "refund__payment__invoice__organization"
    ).prefetch_related(
        "payment__invoice__lines",
        "payment__credit_entries",
        "refund__credit_entries",
        "refund__payment__invoice__lines",
    )
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
        if txn.refund is not None:
            entry.refund(txn.refund, txn.expected_amount, f"Stripe {txn.type}")
        else:
            # A dispute or a return moved the money when Stripe did; a charge, when we took it.
            at = None if txn.type in CHARGE_TYPES else txn.stripe_created
            entry.settle(
                txn.payment,
                txn.expected_amount,
                f"Stripe {txn.type}",
                at=at,
                reinstated=txn.dispute is not None and txn.expected_amount > 0,
            )
        difference = txn.amount - txn.expected_amount
        entry.post(
            _account("stripe_clearing"),
            -difference,
            f"Differs from ours: {txn.type} {txn.stripe_id}",
            txn.payment.invoice.organization.name,
        )
    entry.post(_account("processing_fees"), fees, f"Stripe fees, payout {payout.stripe_payout_id}")
    return entry


def deposit_entry(deposit: BankDeposit, posted_on: date) -> EntryBuilder:
    label = deposit.reference or f"#{deposit.pk}"
    entry = EntryBuilder(posted_on=posted_on, source=f"deposit {label}")
    entry.post(_account("bank"), deposit.total, f"Bank deposit {label}")
    payments = (
        Payment.objects.filter(deposit_item__deposit=deposit)
        .select_related("invoice__organization")
        .prefetch_related("invoice__lines", "credit_entries")
    )
    for payment in payments:
        entry.settle(payment, payment.amount, payment_label(payment))
    return entry


def payment_label(payment: Payment) -> str:
    return payment.get_method_display() + (
        f" {payment.check_number}" if payment.check_number else ""
    )


def refund_entry(refund: Refund, posted_on: date) -> EntryBuilder:
    """An offline refund (a check mailed back): the money leaves the bank (or goes back to the
    account credit it came from) and the revenue, with its months still deferred, is debited
    back; the deferred months' schedule gets their negative, so their recognition stops."""
    payment = refund.payment
    invoice = payment.invoice
    what = f"Refund of {payment_label(payment)}"
    entry = EntryBuilder(posted_on=posted_on, source=f"refund {refund.pk}")
    account = _account("bank") if payment.method in Payment.OFFLINE_METHODS else payment.gl_account
    entry.post(
        account,
        -refund.amount,
        f"{what}: invoice {invoice.number} ({refund.reason[:200]})",
        invoice.organization.name,
    )
    entry.refund(refund, -refund.amount, what)
    return entry


def reversal_entry(payout: Payout, posted_on: date) -> EntryBuilder:
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


def recognition_entry(month: date, rows: list[RevenueRecognition], posted_on: date) -> EntryBuilder:
    entry = EntryBuilder(posted_on=posted_on, source=f"recognition {month:%Y-%m}")
    for row in rows:
        invoice = row.line.invoice
        description = f"Revenue recognised for {month:%B %Y}: invoice {invoice.number}"
        name = invoice.organization.name
        entry.post(_account("deferred_revenue"), row.amount, description, name)
        entry.post(row.gl_account, -row.amount, description, name)
    return entry


def journal_lines(batch: JournalBatch, number: str, entry: EntryBuilder) -> list[JournalLine]:
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
