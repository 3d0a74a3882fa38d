"""Reminders of unpaid dues invoices, on each plan's schedule, and of unpaid pledge-installment
invoices, on PLEDGE_REMINDER_DAYS (once per invoice and kind), and the one staff send by hand."""

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.models import Invoice, InvoiceLine, InvoiceReminder
from billing.services.common import bill_to
from core.exceptions import ServiceError
from core.mail import send_templated
from core.services import user_or_none
from crm.models import Membership, MembershipPlan, Pledge
from crm.services.renewals.report import REMINDERS, MStatus, RunReport


def reminder_kind(offset: int) -> str:
    return f"due{offset:+d}"


def invoice_send_reminder(
    *, invoice: Invoice, kind: str, by: Any = None, today: date | None = None
) -> InvoiceReminder | None:
    """Remind the payer of an unpaid invoice, once per kind: None when this reminder was
    already sent (by an earlier run, or a concurrent one)."""
    today = today or timezone.localdate()
    invoice = Invoice.objects.select_related("organization", "contact").get(pk=invoice.pk)
    if invoice.status != Invoice.Status.OPEN:
        raise ServiceError(
            f"Invoice {invoice.number} is {invoice.get_status_display().lower()}: nothing to "
            f"remind."
        )
    contact = invoice.contact or bill_to(invoice.organization)
    if contact is None or not contact.email:
        raise ServiceError(f"{invoice.organization} has no contact with an email address.")
    with transaction.atomic():
        try:
            # The unique (invoice, kind) row is what makes each reminder go out once.
            with transaction.atomic():
                reminder = InvoiceReminder.objects.create(
                    invoice=invoice, kind=kind, recipient=contact.email, sent_by=user_or_none(by)
                )
        except IntegrityError:
            return None
        overdue = invoice.due_date is not None and invoice.due_date < today
        days = abs((invoice.due_date - today).days) if invoice.due_date else 0
        lines = list(
            invoice.lines.select_related("membership__plan", "pledge_installment__pledge__level")
        )
        membership = next((line.membership for line in lines if line.membership), None)
        installment = next(
            (line.pledge_installment for line in lines if line.pledge_installment), None
        )
        if installment is not None:
            template = "pledge_overdue" if overdue else "pledge_reminder"
        else:
            template = "renewal_overdue" if overdue else "renewal_reminder"
        send_templated(
            to=[contact.email],
            template=template,
            subject=(
                f"Overdue: invoice {invoice.number}, {days} days past due"
                if overdue
                else f"Reminder: invoice {invoice.number} is due {invoice.due_date:%B %-d}"
            ),
            context={
                "invoice": invoice,
                "organization": invoice.organization,
                "contact": contact,
                "membership": membership,
                "installment": installment,
                "pledge": installment.pledge if installment else None,
                "lines": lines,
                "days": days,
                "pay_url": invoice.pay_url,
                "payment_instructions": invoice.payment_instructions,
                "grace_days": membership.plan.grace_days if membership else None,
            },
            reason=f"reminder {kind} of invoice {invoice.number}",
            organization=invoice.organization,
            contact=contact,
            invoice=invoice,
        )
    return reminder


def _dues_to_remind(today: date) -> dict[int, tuple[Invoice, list[int]]]:
    """Open dues invoices within reach of their plan's reminder schedule, with that schedule."""
    schedules = {
        plan.pk: plan.reminder_offsets
        for plan in MembershipPlan.objects.only("pk", "reminder_days")
    }
    offsets = [o for days in schedules.values() for o in days]
    if not offsets:
        return {}
    lines = (
        InvoiceLine.objects.filter(
            kind=InvoiceLine.Kind.MEMBERSHIP,
            invoice__status=Invoice.Status.OPEN,
            invoice__kind=Invoice.Kind.DUES,
            invoice__due_date__gte=today - timedelta(days=max(max(offsets), 0)),
            invoice__due_date__lte=today + timedelta(days=max(-min(offsets), 0)),
            membership__status__in=(MStatus.APPROVED, MStatus.ACTIVE, MStatus.GRACE),
        )
        .select_related("invoice__organization", "membership")
        .order_by("invoice__due_date", "invoice_id", "position")
    )
    invoices: dict[int, tuple[Invoice, list[int]]] = {}
    for line in lines:
        if line.membership is not None:
            schedule = schedules.get(line.membership.plan_id, [])
            invoices.setdefault(line.invoice_id, (line.invoice, schedule))
    return invoices


def _installments_to_remind(today: date) -> dict[int, tuple[Invoice, list[int]]]:
    """Open invoices of confirmed pledges' installments within reach of PLEDGE_REMINDER_DAYS."""
    offsets = list(settings.PLEDGE_REMINDER_DAYS)
    if not offsets:
        return {}
    lines = (
        InvoiceLine.objects.filter(
            kind=InvoiceLine.Kind.PLEDGE_INSTALLMENT,
            invoice__status=Invoice.Status.OPEN,
            invoice__due_date__gte=today - timedelta(days=max(max(offsets), 0)),
            invoice__due_date__lte=today + timedelta(days=max(-min(offsets), 0)),
            pledge_installment__pledge__status=Pledge.Status.CONFIRMED,
        )
        .select_related("invoice__organization")
        .order_by("invoice__due_date", "invoice_id", "position")
    )
    invoices: dict[int, tuple[Invoice, list[int]]] = {}
    for line in lines:
        invoices.setdefault(line.invoice_id, (line.invoice, offsets))
    return invoices


def _step_reminders(report: RunReport) -> None:
    today = report.today
    invoices = _dues_to_remind(today) | _installments_to_remind(today)
    if not invoices:
        return
    sent = set(
        InvoiceReminder.objects.filter(invoice_id__in=list(invoices)).values_list(
            "invoice_id", "kind"
        )
    )
    due: list[tuple[Invoice, str]] = []
    for invoice_id, (invoice, schedule) in invoices.items():
        assert invoice.due_date is not None
        # Only the latest reminder that has come round: a run missed for a few days sends one
        # mail, not every reminder it skipped. None on or before the day it was issued.
        reached = [
            o
            for o in schedule
            if invoice.due_date + timedelta(days=o) <= today
            and (
                invoice.issue_date is None
                or invoice.due_date + timedelta(days=o) > invoice.issue_date
            )
        ]
        if not reached:
            continue
        kind = reminder_kind(max(reached))
        if (invoice_id, kind) not in sent:
            due.append((invoice, kind))
    due.sort(key=lambda item: (item[0].due_date, item[0].pk))
    for invoice, kind in due:
        if report.dry_run:
            report.add(REMINDERS, f"{invoice.organization}: reminder {kind} of {invoice.number}")
            continue
        try:
            with transaction.atomic():
                if invoice_send_reminder(invoice=invoice, kind=kind, today=today) is not None:
                    report.add(
                        REMINDERS, f"{invoice.organization}: reminder {kind} of {invoice.number}"
                    )
        except ServiceError as exc:
            report.errors.append(f"reminder of {invoice.number}: {exc.message}")


def membership_send_reminder(
    *, membership: Membership, by: Any = None, today: date | None = None
) -> InvoiceReminder:
    """Staff send a reminder now about the membership's open dues invoice (once a day)."""
    today = today or timezone.localdate()
    invoice = (
        Invoice.objects.filter(
            status=Invoice.Status.OPEN,
            kind=Invoice.Kind.DUES,
            lines__membership=membership,
        )
        .order_by("-due_date", "-pk")
        .first()
    )
    if invoice is None:
        raise ServiceError(f"{membership.organization} has no open dues invoice to remind.")
    reminder = invoice_send_reminder(
        invoice=invoice, kind=f"manual-{today.isoformat()}", by=by, today=today
    )
    if reminder is None:
        raise ServiceError(f"A reminder of invoice {invoice.number} was already sent today.")
    return reminder
