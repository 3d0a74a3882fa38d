"""The draft invoices for what is billed: a membership's dues for one period, a pledge's
installment (asking twice for the same period or installment returns the invoice that stands),
and the invoices of given lines that other apps' money needs (a plan upgrade's prorated
difference, a reinstatement fee: the caller says what each line is).
billing.services.invoices issues them."""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction

from billing.documents import keep_deductibility
from billing.models import Invoice, InvoiceLine
from billing.money import ZERO, format_usd
from billing.services.common import bill_to, lock_invoice, save_with_reason
from billing.services.invoices import invoice_create_open
from core.exceptions import ServiceError
from core.services import atomic, keep_prefetched, user_or_none
from crm import pricing
from crm.models import Contact, Membership, MembershipPlan, Pledge, PledgeInstallment

Status = Invoice.Status
# Invoices that stand: a second invoice for the same period or installment is not made.
STANDING = (Status.DRAFT, Status.OPEN, Status.PAID, Status.UNCOLLECTIBLE)


def _recalculate_total(invoice: Invoice) -> None:
    invoice.total = sum((line.amount for line in invoice.lines.all()), ZERO)
    if invoice.total < 0:
        raise ServiceError("An invoice cannot total less than zero.")
    invoice.save(update_fields=["total", "modified"])


def _add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _total_of(lines: list[InvoiceLine]) -> Any:
    """The total of a new invoice's lines, known before it is saved (one write, not two)."""
    total = sum((line.amount for line in lines), ZERO)
    if total < 0:
        raise ServiceError("An invoice cannot total less than zero.")
    return total


def invoice_create_for_membership(
    *,
    membership: Membership,
    period_start: date | None = None,
    by: Any = None,
    employees: int | None = None,
    plan: MembershipPlan | None = None,
    due_date: date | None = None,
    fresh: bool = False,
    contact: Contact | None = None,
    issue: bool = False,
    mail: bool = False,
) -> Invoice:
    """The draft dues invoice for one membership period, priced by crm.pricing.quote: its lines
    are the quote's (annual dues, then any proration credit) and its explanation the quote's
    sentence. The period starts at `period_start`, else the day after the paid-through date,
    else the membership's start. `plan` prices it on another plan than the membership's (a
    downgrade that takes effect with this period). Asking twice for the same period returns the
    same invoice. `fresh`: the caller created `membership` (with its plan and organization
    loaded) in its still open transaction, so it is current, unseen by others and has no
    invoice yet: it is not read again. `contact`: the payer when the caller knows it (else the
    organization's billing contact, bill_to()). `issue`: made numbered and open at once
    (invoice_create_open()), for a caller that issues it after its transaction commits, and
    `mail` when that issue mails it (invoice_create_open's `mail`)."""
    with atomic():
        if not fresh:
            locked = Membership.objects.select_for_update().select_related("plan", "organization")
            membership = locked.get(pk=membership.pk)
        if membership.status in (Membership.Status.CANCELLED, Membership.Status.REJECTED):
            raise ServiceError(
                f"A membership that is {membership.get_status_display().lower()} is not billed."
            )
        if period_start is None:
            period_start = (
                membership.paid_through + timedelta(days=1)
                if membership.paid_through
                else membership.start_date
            )
        plan = plan or membership.plan
        organization = membership.organization
        if employees is None:
            employees = organization.employees or 0
        try:
            quote = pricing.quote(
                plan.pricing_rule(on=period_start), employees=employees, start=period_start
            )
        except ValueError as exc:
            raise ServiceError(str(exc)) from exc
        existing = (
            None
            if fresh
            else Invoice.objects.filter(
                status__in=STANDING,
                lines__membership=membership,
                lines__period_start=quote.period_start,
            )
            .distinct()
            .first()
        )
        if existing is not None:
            return existing
        lines = [
            InvoiceLine(
                position=position,
                kind=InvoiceLine.Kind.MEMBERSHIP,
                description=line.description,
                amount=line.amount,
                gl_account=plan.gl_revenue_account,
                period_start=quote.period_start,
                period_end=quote.period_end,
                membership=membership,
                plan=plan,
            )
            for position, line in enumerate(quote.lines)
        ]
        invoice = Invoice(
            organization=organization,
            contact=contact or bill_to(organization),
            kind=Invoice.Kind.DUES,
            explanation=quote.explanation,
            due_date=due_date,
            total=_total_of(lines),
            created_by=user_or_none(by),
        )
        if issue:
            invoice_create_open(
                invoice=invoice, lines=lines, reason="dues invoice created", by=by, mail=mail
            )
        else:
            save_with_reason(invoice, reason="dues invoice created", by=by)
            for line in lines:
                line.invoice = invoice
            InvoiceLine.objects.bulk_create(lines)
        keep_deductibility(invoice, plan)  # a plan read with this year's dues notice
        if fresh:  # nothing changes them before the invoice is mailed
            keep_prefetched(invoice, "lines", lines)
    return invoice


def invoice_create_for_installment(*, installment: PledgeInstallment, by: Any = None) -> Invoice:
    """The draft invoice for one pledge installment, due on the installment's due date. Asking
    twice returns the same invoice."""
    with transaction.atomic():
        installment = (
            PledgeInstallment.objects.select_for_update()
            .select_related("pledge__organization", "pledge__level")
            .get(pk=installment.pk)
        )
        pledge = installment.pledge
        if installment.settled_outside:
            raise ServiceError(
                f"Installment {installment.number} of this pledge was paid outside this system: "
                f"it is not invoiced."
            )
        if pledge.status not in (Pledge.Status.SUBMITTED, Pledge.Status.CONFIRMED):
            raise ServiceError(
                f"A pledge that is {pledge.get_status_display().lower()} is not billed."
            )
        existing = (
            Invoice.objects.filter(status__in=STANDING, lines__pledge_installment=installment)
            .distinct()
            .first()
        )
        if existing is not None:
            return existing
        count = pledge.installments.count()
        months = 12 // pledge.installments_per_year
        invoice = Invoice(
            organization=pledge.organization,
            contact=pledge.contact if pledge.contact and pledge.contact.email else None,
            kind=Invoice.Kind.PLEDGE,
            due_date=installment.due_date,
            explanation=(
                f"Installment {installment.number} of {count} of a {pledge.term_years}-year "
                f"investment of {format_usd(pledge.annual_amount)} a year at the "
                f"{pledge.level} level."
            ),
            created_by=user_or_none(by),
        )
        if invoice.contact is None:
            invoice.contact = bill_to(pledge.organization)
        line = InvoiceLine(
            kind=InvoiceLine.Kind.PLEDGE_INSTALLMENT,
            description=(f"{pledge.level} investment, installment {installment.number} of {count}"),
            amount=installment.amount,
            gl_account=pledge.level.gl_account,
            period_start=installment.due_date,
            period_end=_add_months(installment.due_date, months) - timedelta(days=1),
            pledge_installment=installment,
        )
        invoice.total = _total_of([line])
        save_with_reason(invoice, reason="pledge installment invoice created", by=by)
        line.invoice = invoice
        line.save()
    return invoice


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
    plan: Any = None,
) -> Invoice:
    """A draft invoice of `lines` to the organization's billing contact. Lines that name a
    membership but are not "membership" lines (the default kind) move no paid-through date when
    paid, and take none back when refunded. Their plan is `plan` (an upgrade bills the plan it
    moves to), else the membership's."""
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
            plan=plan or (membership.plan if membership is not None else None),
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
        plan=membership.plan if membership is not None else None,
    )
    locked.explanation = f"{locked.explanation} {explanation}".strip()
    locked.save(update_fields=["explanation", "modified"])
    _recalculate_total(locked)
    return locked
