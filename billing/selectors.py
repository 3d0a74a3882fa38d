"""Reads of the ledger shared by the admin, the API and the pages."""

import calendar
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import (
    Count,
    DecimalField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from billing.models import (
    BalanceTransaction,
    Dispute,
    Invoice,
    InvoiceLine,
    JournalBatch,
    JournalPeriodLock,
    Payment,
    Payout,
    Refund,
    SavedPaymentMethod,
)
from billing.money import ZERO
from core.db import built_once
from crm.models import Membership, PledgeInstallment

_MONEY = DecimalField(max_digits=12, decimal_places=2)


@built_once
def invoice_list() -> QuerySet[Invoice]:
    """Invoices with their organization and the sums their balance is derived from, in one
    query whatever the page size."""
    paid = (
        Payment.objects.filter(invoice=OuterRef("pk"), status=Payment.Status.SUCCEEDED)
        .values("invoice")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    refunded = (
        Refund.objects.filter(payment__invoice=OuterRef("pk"), status__in=Refund.COUNTED_STATUSES)
        .values("payment__invoice")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    # What lost disputes took back no longer pays the invoice (Invoice.amount_paid).
    charged_back = (
        Dispute.objects.filter(payment__invoice=OuterRef("pk"), taken_back=True)
        .values("payment__invoice")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    return Invoice.objects.select_related("organization", "contact").annotate(
        paid_sum=Coalesce(Subquery(paid, output_field=_MONEY), Value(ZERO), output_field=_MONEY)
        - Coalesce(Subquery(charged_back, output_field=_MONEY), Value(ZERO), output_field=_MONEY),
        refunded_sum=Coalesce(
            Subquery(refunded, output_field=_MONEY), Value(ZERO), output_field=_MONEY
        ),
    )


def _refunded_of_payment() -> Coalesce:
    refunded = (
        Refund.objects.filter(payment=OuterRef("pk"), status__in=Refund.COUNTED_STATUSES)
        .values("payment")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    return Coalesce(Subquery(refunded, output_field=_MONEY), Value(ZERO), output_field=_MONEY)


def _charged_back_of_payment() -> Coalesce:
    """What lost (or withdrawn) disputes took back of the payment."""
    charged_back = (
        Dispute.objects.filter(payment=OuterRef("pk"), taken_back=True)
        .values("payment")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    return Coalesce(Subquery(charged_back, output_field=_MONEY), Value(ZERO), output_field=_MONEY)


def payment_list() -> QuerySet[Payment]:
    """Payments with their invoice, organization and what has been refunded (`refunded_sum`)
    and taken back by disputes (`charged_back_sum`) of each, in one query whatever the page
    size."""
    return Payment.objects.select_related("invoice__organization", "recorded_by").annotate(
        refunded_sum=_refunded_of_payment(), charged_back_sum=_charged_back_of_payment()
    )


@built_once
def invoice_list_with_lines_and_payments() -> QuerySet[Invoice]:
    """invoice_list() with each invoice's lines and payments (and what was refunded of each
    payment): three queries whatever the page size."""
    payments = Payment.objects.annotate(
        refunded_sum=_refunded_of_payment(), charged_back_sum=_charged_back_of_payment()
    ).order_by("created", "pk")
    return invoice_list().prefetch_related("lines", Prefetch("payments", queryset=payments))


def refund_list() -> QuerySet[Refund]:
    return Refund.objects.select_related("payment__invoice__organization", "created_by")


def invoice_is_fully_refunded(invoice: Invoice) -> bool:
    return invoice.amount_paid > 0 and invoice.net_paid <= 0


def installment_is_settled(installment: PledgeInstallment) -> bool:
    """Paid on an invoice that is paid and has not been refunded in full, or paid outside this
    system before a back-dated pledge was entered."""
    if installment.settled_outside:
        return True
    lines = InvoiceLine.objects.filter(
        pledge_installment=installment, invoice__status=Invoice.Status.PAID
    ).select_related("invoice")
    return any(not invoice_is_fully_refunded(line.invoice) for line in lines)


def invoice_for_membership(membership: Membership) -> Invoice | None:
    """The membership's latest invoice that still means something (not void, not a draft)."""
    return (
        Invoice.objects.filter(lines__membership=membership)
        .exclude(status__in=[Invoice.Status.VOID, Invoice.Status.DRAFT])
        .order_by("-issue_date", "-pk")
        .distinct()
        .first()
    )


def invoice_public_data(invoice: Invoice | None) -> dict[str, Any] | None:
    """The invoice as the public API shows it to its payer (reached through the membership's,
    pledge's or registration's reference: the invoice needs no reference of its own there)."""
    if invoice is None:
        return None
    return {
        "number": invoice.number,
        "status": invoice.status,
        "total": str(invoice.total),
        "amount_due": str(invoice.amount_due),
        "due_date": invoice.due_date.isoformat() if invoice.due_date else None,
        "pay_url": invoice.pay_url,
        "payment_instructions": invoice.payment_instructions or None,
        "pay_link_pending": invoice.pay_link_pending,
        "next_step": invoice_next_step(invoice),
    }


PAY_LINK_PENDING = (
    "Our online payment page could not be reached just now. Nothing is lost: we retry in the "
    "background and email you the link to pay online as soon as it is ready (usually within "
    "minutes). You may also pay as the payment instructions say."
)


def invoice_next_step(invoice: Invoice | None) -> str | None:
    """One sentence telling the payer what happens next when it is not simply "pay here"."""
    if invoice is not None and invoice.pay_link_pending:
        return PAY_LINK_PENDING
    return None


def payout_reconciliation(payout: Any) -> dict[str, Any]:
    """A payout explained: its totals (gross, refunds, disputes and adjustments, fees, net)
    and every transaction with its invoice and organization, exceptions first."""
    from billing.models import BalanceTransaction

    transactions = list(
        BalanceTransaction.objects.filter(payout=payout)
        .select_related("payment__invoice__organization", "refund", "dispute", "resolved_by")
        .order_by("stripe_created", "pk")
    )
    transactions.sort(key=lambda t: (not t.is_open_exception, not t.is_exception))
    totals = {"gross": ZERO, "refunds": ZERO, "disputes": ZERO, "other": ZERO, "fees": ZERO}
    for txn in transactions:
        if txn.type in ("charge", "payment"):
            totals["gross"] += txn.amount
        elif txn.type in ("refund", "payment_refund"):
            totals["refunds"] += txn.amount
        elif txn.reporting_category == "dispute" or txn.dispute_id:
            totals["disputes"] += txn.amount
        else:
            totals["other"] += txn.amount
        totals["fees"] += txn.fee
    net = sum((t.net for t in transactions), ZERO)
    return {
        "lines": transactions,
        **totals,
        "net": net,
        "difference": payout.amount - net,
        "open_exceptions": sum(1 for t in transactions if t.is_open_exception),
    }


def deposit_reconciliation(deposit: Any) -> dict[str, Any]:
    payments = list(
        Payment.objects.filter(deposit_item__deposit=deposit)
        .select_related("invoice__organization")
        .order_by("received_on", "pk")
    )
    gross = sum((p.amount for p in payments), ZERO)
    return {
        "payments": payments,
        "gross": gross,
        "refunds": ZERO,
        "fees": ZERO,
        "net": gross,
        "difference": deposit.total - gross,
    }


def payout_list() -> QuerySet[Payout]:
    """Payouts with a summary of their balance transactions (`transactions_count`,
    `transactions_gross`, `transactions_refunds`, `transactions_fees`, `transactions_net`,
    `open_exceptions`) and their journal batch, in one query whatever the page size. The sums
    follow payout_reconciliation()'s rules."""

    def total(field: str, condition: Q | None = None) -> Coalesce:
        return Coalesce(
            Sum(f"transactions__{field}", filter=condition),
            Value(ZERO),
            output_field=_MONEY,
        )

    return Payout.objects.select_related("journal_batch", "reviewed_by").annotate(
        transactions_count=Count("transactions"),
        transactions_gross=total("amount", Q(transactions__type__in=("charge", "payment"))),
        transactions_refunds=total(
            "amount", Q(transactions__type__in=("refund", "payment_refund"))
        ),
        transactions_fees=total("fee"),
        transactions_net=total("net"),
        open_exceptions=Count(
            "transactions",
            filter=Q(
                transactions__match__in=BalanceTransaction.EXCEPTIONS,
                transactions__resolved_at__isnull=True,
            ),
        ),
    )


def journal_closed_through() -> date | None:
    """The last day of the last month no journal entry may be dated in any more: the later of
    the last locked month and the last month an export reached the end of; None while every
    month is open."""
    locked = JournalPeriodLock.objects.aggregate(m=Max("month"))["m"]
    exported = JournalBatch.objects.aggregate(d=Max("date_to"))["d"]
    closed = []
    if locked is not None:
        closed.append(locked.replace(day=calendar.monthrange(locked.year, locked.month)[1]))
    if exported is not None:
        last_day = calendar.monthrange(exported.year, exported.month)[1]
        closed.append(
            exported if exported.day == last_day else exported.replace(day=1) - timedelta(days=1)
        )
    return max(closed, default=None)


def journal_accrual_from() -> date | None:
    """The first issue day of the invoices on the accrual basis (None on the cash basis): the
    day after the last batch exported on the cash basis, so invoices whose payments the cash
    books took as revenue stay there when the books move to accrual; date.min if none was."""
    if settings.JOURNAL_BASIS != "accrual":
        return None
    last = JournalBatch.objects.filter(basis="cash").aggregate(d=Max("date_to"))["d"]
    return last + timedelta(days=1) if last is not None else date.min


def journal_open_from() -> date | None:
    """The first day an entry may be dated on (None: any day)."""
    closed = journal_closed_through()
    return None if closed is None else closed + timedelta(days=1)


def saved_payment_method_of(organization_id: int) -> SavedPaymentMethod | None:
    """The payment method the organization saved with Stripe for automatic renewal, if any."""
    return SavedPaymentMethod.objects.filter(organization_id=organization_id).first()
