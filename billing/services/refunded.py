"""What a refund in full leaves behind, and how the chamber bills again.

The rule: an invoice whose payments were all given back is `refunded`. It takes no payment and
no longer stands for what it billed, so what it paid for is undone (a membership goes back to
approved, an installment is unpaid again, a registration is cancelled: billing's reversal
effects) and the period it billed can be billed again. Paying again is a new invoice with the
same lines (invoice_bill_again): never the refunded one reopened, so its number, its payments
and its refunds stay one closed story for the journal.
"""

from typing import Any

from django.db import transaction
from django.utils import timezone

from billing.models import Invoice, InvoiceLine
from billing.services.common import lock_invoice, save_with_reason, set_status
from core.exceptions import ServiceError
from core.services import user_or_none


def invoice_close_refunded(invoice: Invoice, *, outcomes: list[str], by: Any) -> None:
    """With the invoice locked, once its reversal effects ran after a refund in full."""
    set_status(
        invoice,
        to=Invoice.Status.REFUNDED,
        reason="Refunded in full. "
        + (" ".join(outcomes) or "Nothing it paid for needed undoing.")
        + " To bill it again, issue a new invoice (bill again).",
        by=by,
        reversed_at=timezone.now(),
    )


def invoice_bill_again(*, invoice: Invoice, by: Any = None) -> Invoice:
    """A new invoice, issued, for what a refunded invoice billed (same payer, lines, accounts
    and periods). Asking twice returns the same new invoice while it stands. An event ticket
    is not billed again this way: its registration was cancelled, so the person registers
    again."""
    from billing.services.invoice_drafts import STANDING
    from billing.services.invoices import invoice_issue

    with transaction.atomic():
        locked = lock_invoice(invoice)
        if locked.status != Invoice.Status.REFUNDED:
            raise ServiceError(
                f"Only an invoice refunded in full is billed again; invoice {locked.number} is "
                f"{locked.get_status_display().lower()}."
            )
        lines = list(locked.lines.order_by("position", "pk"))
        if any(line.registration_id for line in lines):
            raise ServiceError(
                "An event registration refunded in full was cancelled: register again instead."
            )
        billed_again = (
            Invoice.objects.filter(status__in=STANDING, lines__in=_same_lines(lines))
            .exclude(pk=locked.pk)
            .distinct()
            .first()
        )
        if billed_again is None:
            billed_again = Invoice(
                organization_id=locked.organization_id,
                contact_id=locked.contact_id,
                kind=locked.kind,
                explanation=locked.explanation,
                memo=f"Bills again what invoice {locked.number} billed (refunded in full).",
                total=locked.total,
                created_by=user_or_none(by),
            )
            save_with_reason(
                billed_again, reason=f"billed again after {locked.number} was refunded", by=by
            )
            for line in lines:
                line.pk = None
                line.invoice = billed_again
            InvoiceLine.objects.bulk_create(lines)
    if billed_again.status == Invoice.Status.DRAFT:
        billed_again = invoice_issue(invoice=billed_again, by=by)
    return billed_again


def _same_lines(lines: list[InvoiceLine]) -> Any:
    """Lines of other invoices billing the same membership period or installment."""
    from django.db.models import Q

    match = Q(pk__in=[])
    for line in lines:
        if line.membership_id:
            match |= Q(membership_id=line.membership_id, period_start=line.period_start)
        elif line.pledge_installment_id:
            match |= Q(pledge_installment_id=line.pledge_installment_id)
    return InvoiceLine.objects.filter(match)
