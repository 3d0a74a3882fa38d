"""The statement of account of an organization: one read shared by the portal and the admin
(and the PDF both print), so a member and finance see the same figures.

It lists every issued invoice with what was paid, refunded and is still due, and the ledger of
what happened, in date order, with a running balance: an invoice charges its total; a payment
received, a void and a write-off credit; a refund of money paid over an invoice (credit
balance) charges it back, and a refund of what an invoice asked for gives the money back and
takes it off the invoice (no change to the balance); a dispute or an ACH return that took money
back charges it again. A payment from the credit balance moves money from the credit to the
invoice (no change). The running balance ends at what is due on the open invoices less the
credit balance (negative: the chamber owes the organization)."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from django.db.models import Prefetch, Sum
from django.utils import timezone

from billing.models import CreditEntry, Dispute, Invoice, Payment, Refund
from billing.money import ZERO, format_usd
from billing.selectors import invoice_list
from crm.models import DuesDeductibility, Organization


@dataclass
class StatementLine:
    on: date
    item: str
    invoice_number: str
    charge: Decimal = ZERO
    credit: Decimal = ZERO
    balance: Decimal = ZERO
    # Sorted by day, then by when it was recorded, then by kind (an invoice before its payment).
    at: datetime | None = None
    order: int = 0

    def sort_key(self) -> tuple:
        return (self.on, self.at or datetime.min.replace(tzinfo=UTC), self.order)


@dataclass
class Statement:
    """Every issued invoice, the ledger of what happened to them, and the totals."""

    organization: Organization
    as_of: date
    invoices: list[Invoice]
    lines: list[StatementLine]
    credit: Decimal
    dues_statement_years: list[int] = field(default_factory=list)

    @property
    def billed(self) -> Decimal:
        return sum((i.total for i in self.invoices if i.status != Invoice.Status.VOID), ZERO)

    @property
    def paid(self) -> Decimal:
        return sum((i.amount_paid for i in self.invoices), ZERO)

    @property
    def refunded(self) -> Decimal:
        return sum((i.amount_refunded for i in self.invoices), ZERO)

    @property
    def due(self) -> Decimal:
        """What the open invoices still ask for (written-off ones are not counted)."""
        return sum((i.amount_due for i in self.invoices if i.status == Invoice.Status.OPEN), ZERO)

    @property
    def written_off(self) -> Decimal:
        return sum(
            (i.amount_due for i in self.invoices if i.status == Invoice.Status.UNCOLLECTIBLE),
            ZERO,
        )

    @property
    def balance(self) -> Decimal:
        """The running balance's end: due on open invoices less the credit balance."""
        return self.lines[-1].balance if self.lines else ZERO

    @property
    def disputes(self) -> list[Dispute]:
        return [
            dispute
            for invoice in self.invoices
            for payment in invoice.payments.all()
            for dispute in payment.disputes.all()
        ]


def _day(moment: datetime | None, fallback: date | None = None) -> date:
    if moment is None:
        return fallback or timezone.localdate()
    return timezone.localdate(moment)


def _invoice_lines(invoice: Invoice) -> list[StatementLine]:
    number = invoice.number or ""
    issued = invoice.issue_date or _day(invoice.created)
    lines = [
        StatementLine(
            issued,
            f"Invoice ({invoice.get_kind_display()})",
            number,
            charge=invoice.total,
            at=invoice.created,
        )
    ]
    changed = _day(invoice.status_changed_at, issued)
    if invoice.status == Invoice.Status.VOID:
        lines.append(
            StatementLine(
                changed,
                "Invoice voided",
                number,
                credit=invoice.total,
                at=invoice.status_changed_at,
                order=5,
            )
        )
    elif invoice.status == Invoice.Status.UNCOLLECTIBLE:
        left = max(invoice.total - invoice.amount_paid, ZERO)
        lines.append(
            StatementLine(
                changed, "Written off", number, credit=left, at=invoice.status_changed_at, order=5
            )
        )
    return lines


def _payment_lines(invoice: Invoice, payment: Payment) -> list[StatementLine]:
    number = invoice.number or ""
    received = payment.received_on or _day(payment.created)
    method = payment.get_method_display()
    if payment.method == Payment.Method.CREDIT:
        item = f"{format_usd(payment.amount)} paid from the credit balance"
        return [StatementLine(received, item, number, at=payment.created, order=1)]
    if payment.status == Payment.Status.PENDING:
        item = f"{method} payment of {format_usd(payment.amount)} processing"
        return [StatementLine(received, item, number, at=payment.created, order=1)]
    if payment.status == Payment.Status.FAILED and payment.returned_at is None:
        return []  # an attempt that never brought money in
    detail = f" (check {payment.check_number})" if payment.check_number else ""
    lines = [
        StatementLine(
            received,
            f"{method} payment{detail}",
            number,
            credit=payment.amount,
            at=payment.created,
            order=1,
        )
    ]
    if payment.returned_at is not None:
        item = f"{method} payment returned by the bank"
        lines.append(
            StatementLine(
                _day(payment.returned_at),
                item,
                number,
                charge=payment.amount,
                at=payment.returned_at,
                order=4,
            )
        )
    for refund in payment.refunds.all():
        lines += _refund_lines(number, refund)
    for dispute in payment.disputes.all():
        taken = dispute.amount if dispute.taken_back else ZERO
        item = f"Dispute by the bank ({dispute.status or 'opened'})" + (
            ": payment taken back" if dispute.taken_back else ""
        )
        lines.append(
            StatementLine(
                _day(dispute.created), item, number, charge=taken, at=dispute.created, order=3
            )
        )
    return lines


def _refund_lines(number: str, refund: Refund) -> list[StatementLine]:
    """A refund gives money back: of the credit balance (the balance goes up), or of what the
    invoice asked for (the invoice asks that much less: no change)."""
    on = _day(refund.created)
    from_credit = -sum((entry.amount for entry in refund.credit_entries.all()), ZERO)
    item = f"Refund: {refund.reason}"
    lines = [StatementLine(on, item, number, charge=refund.amount, at=refund.created, order=2)]
    if refund.amount > from_credit:
        lines.append(
            StatementLine(
                on,
                "Invoice reduced by the refund",
                number,
                credit=refund.amount - from_credit,
                at=refund.created,
                order=2,
            )
        )
    return lines


def statement_of_account(organization: Organization, *, today: date | None = None) -> Statement:
    """The organization's statement as of `today` (by default today): six queries whatever the
    number of invoices. With the years whose annual dues statement (billing.documents) can be
    printed: those that have their non-deductible share set, up to this one."""
    today = today or timezone.localdate()
    refunds = Refund.objects.filter(status__in=Refund.COUNTED_STATUSES).prefetch_related(
        "credit_entries"
    )
    payments = Payment.objects.order_by("created", "pk").prefetch_related(
        Prefetch("refunds", queryset=refunds.order_by("created", "pk")),
        Prefetch("disputes", queryset=Dispute.objects.order_by("created", "pk")),
    )
    invoices = list(
        invoice_list()
        .filter(organization=organization)
        .exclude(status=Invoice.Status.DRAFT)
        .prefetch_related(Prefetch("payments", queryset=payments))
        .order_by("issue_date", "pk")
    )
    lines: list[StatementLine] = []
    for invoice in invoices:
        lines += _invoice_lines(invoice)
        for payment in invoice.payments.all():
            lines += _payment_lines(invoice, payment)
    lines.sort(key=StatementLine.sort_key)
    running = ZERO
    for line in lines:
        running += line.charge - line.credit
        line.balance = running
    credit = CreditEntry.objects.filter(organization=organization).aggregate(s=Sum("amount"))
    years = list(
        DuesDeductibility.objects.filter(year__lte=today.year)
        .order_by("-year")
        .values_list("year", flat=True)[:5]
    )
    return Statement(
        organization=organization,
        as_of=today,
        invoices=invoices,
        lines=lines,
        credit=credit["s"] or ZERO,
        dues_statement_years=years,
    )
