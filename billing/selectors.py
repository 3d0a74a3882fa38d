"""Reads of the ledger shared by the admin, the API and the pages."""

from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from billing.models import Invoice, InvoiceLine, Payment, Refund
from billing.money import ZERO
from crm.models import Membership, PledgeInstallment

_MONEY = DecimalField(max_digits=12, decimal_places=2)


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
    return Invoice.objects.select_related("organization", "contact").annotate(
        paid_sum=Coalesce(Subquery(paid, output_field=_MONEY), Value(ZERO), output_field=_MONEY),
        refunded_sum=Coalesce(
            Subquery(refunded, output_field=_MONEY), Value(ZERO), output_field=_MONEY
        ),
    )


def invoice_is_fully_refunded(invoice: Invoice) -> bool:
    return invoice.amount_paid > 0 and invoice.net_paid <= 0


def installment_is_settled(installment: PledgeInstallment) -> bool:
    """Paid on an invoice that is paid and has not been refunded in full."""
    lines = InvoiceLine.objects.filter(
        pledge_installment=installment, invoice__status=Invoice.Status.PAID
    ).select_related("invoice")
    return any(not invoice_is_fully_refunded(line.invoice) for line in lines)


def installment_billing(installment: PledgeInstallment) -> dict[str, Decimal]:
    """What has been billed and paid for an installment (void invoices excluded)."""
    invoices = Invoice.objects.filter(lines__pledge_installment=installment).exclude(
        status__in=[Invoice.Status.VOID, Invoice.Status.DRAFT]
    )
    billed = paid = ZERO
    for invoice in invoices.distinct():
        billed += invoice.total
        paid += invoice.net_paid
    return {"billed": billed, "paid": paid, "outstanding": max(installment.amount - paid, ZERO)}


def invoice_for_membership(membership: Membership) -> Invoice | None:
    """The membership's latest invoice that still means something (not void, not a draft)."""
    return (
        Invoice.objects.filter(lines__membership=membership)
        .exclude(status__in=[Invoice.Status.VOID, Invoice.Status.DRAFT])
        .order_by("-issue_date", "-pk")
        .distinct()
        .first()
    )


def invoice_for_installment(installment: PledgeInstallment) -> Invoice | None:
    return (
        Invoice.objects.filter(lines__pledge_installment=installment)
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
    }
