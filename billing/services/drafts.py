"""Draft invoices of given lines, for the other apps' money that is not a plain renewal or
installment (a plan upgrade's prorated difference, a reinstatement fee): the caller says what
each line is; billing saves the invoice, numbers nothing and sends nothing until it is issued
(`invoice_issue`)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from billing.models import Invoice, InvoiceLine
from billing.services.common import bill_to, lock_invoice, save_with_reason
from billing.services.invoices import _recalculate_total
from core.exceptions import ServiceError
from core.services import atomic, user_or_none


@dataclass(frozen=True)
class DraftLineSpec:
    description: str
    amount: Decimal
    gl_account: str
    period_start: date | None = None
    period_end: date | None = None


def invoice_create_draft(
    *,
    organization: Any,
    lines: list[DraftLineSpec],
    explanation: str,
    reason: str,
    by: Any = None,
    membership: Any = None,
    kind: str = Invoice.Kind.DUES,
    line_kind: str = InvoiceLine.Kind.OTHER,
) -> Invoice:
    """A draft invoice of `lines` to the organization's billing contact. Lines that name a
    membership but are not "membership" lines (the default kind) move no paid-through date when
    paid, and take none back when refunded."""
    invoice = Invoice(
        organization=organization,
        contact=bill_to(organization),
        kind=kind,
        explanation=explanation,
        created_by=user_or_none(by),
    )
    save_with_reason(invoice, reason=reason, by=by)
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            position=position,
            kind=line_kind,
            description=line.description[:500],
            amount=line.amount,
            gl_account=line.gl_account,
            period_start=line.period_start,
            period_end=line.period_end,
            membership=membership,
        )
        for position, line in enumerate(lines)
    )
    _recalculate_total(invoice)
    return invoice


def invoice_add_line(
    *,
    invoice: Invoice,
    line: DraftLineSpec,
    explanation: str,
    membership: Any = None,
    line_kind: str = InvoiceLine.Kind.OTHER,
) -> Invoice:
    """Add a line to a draft invoice (its total follows), with a sentence for its explanation."""
    with atomic():
        return _add_line(invoice, line, explanation, membership, line_kind)


def _add_line(
    invoice: Invoice, line: DraftLineSpec, explanation: str, membership: Any, line_kind: str
) -> Invoice:
    locked = lock_invoice(invoice)
    if locked.status != Invoice.Status.DRAFT:
        raise ServiceError(
            f"Invoice {locked.number or locked.pk} is {locked.get_status_display().lower()}: "
            f"only a draft takes another line."
        )
    InvoiceLine.objects.create(
        invoice=locked,
        position=locked.lines.count(),
        kind=line_kind,
        description=line.description[:500],
        amount=line.amount,
        gl_account=line.gl_account,
        period_start=line.period_start,
        period_end=line.period_end,
        membership=membership,
    )
    locked.explanation = f"{locked.explanation} {explanation}".strip()
    locked.save(update_fields=["explanation", "modified"])
    _recalculate_total(locked)
    return locked
