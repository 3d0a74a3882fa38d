"""Renewals and the membership lifecycle, run once a day by `manage.py run_daily`.

`renewals_run(today=..., dry_run=...)` does, in order: pending downgrades that start today,
renewal invoices (charged automatically for auto-renewing members with a saved card), reminders
on each plan's schedule, grace and lapse, pledge installments coming due, pledges fully paid.

Every step decides from recorded facts, never from "did the job run today": a renewal invoice
per membership period (invoice_create_for_membership returns the standing one), a reminder row
per invoice and kind (unique), a status that has already moved. So a second run on the same day,
or two runs at once, change nothing more. Candidates are chosen with one query per step (and one
per chunk of 500 rows); the writes go through the same services staff use, one row at a time,
each in its own transaction so one bad row is reported and the others go on.
"""

import calendar
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, Min, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from billing.gateways import GatewayError, get_gateway
from billing.models import Invoice, InvoiceLine, InvoiceReminder
from billing.money import ZERO, format_usd, money
from billing.services.common import bill_to, save_with_reason
from billing.services.invoices import (
    STANDING,
    _recalculate_total,
    invoice_charge_automatically,
    invoice_create_for_installment,
    invoice_create_for_membership,
    invoice_issue,
    invoice_void,
)
from core.exceptions import InvalidData, ServiceError
from core.mail import send_templated
from core.services import user_or_none
from crm import pricing
from crm.models import (
    Membership,
    MembershipPlan,
    MembershipPlanChange,
    Pledge,
    PledgeInstallment,
)
from crm.services import (
    membership_enter_grace,
    membership_lapse,
    membership_reinstate,
    membership_switch_plan,
    pledge_complete,
)

logger = logging.getLogger("billing.renewals")

MStatus = Membership.Status
CHUNK = 500


# --- the report --------------------------------------------------------------------------------


@dataclass
class RunReport:
    today: date
    dry_run: bool = False
    actions: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def add(self, step: str, sentence: str) -> None:
        self.actions.append((step, sentence))

    def count(self, step: str) -> int:
        return sum(1 for s, _ in self.actions if s == step)

    @property
    def changed(self) -> int:
        return len(self.actions)

    def lines(self) -> list[str]:
        head = "Would do" if self.dry_run else "Done"
        lines = [f"{head} as of {self.today.isoformat()}:"]
        for step in STEPS:
            lines.append(f"  {step}: {self.count(step)}")
        lines += [f"  - {sentence}" for _, sentence in self.actions]
        lines += [f"  ! {error}" for error in self.errors]
        return lines


PLAN_CHANGES = "plan changes applied"
RENEWAL_INVOICES = "renewal invoices"
REMINDERS = "reminders sent"
GRACE = "into grace"
LAPSED = "lapsed"
INSTALLMENTS = "pledge installments invoiced"
PLEDGES_COMPLETED = "pledges completed"
STEPS = (
    PLAN_CHANGES,
    RENEWAL_INVOICES,
    REMINDERS,
    GRACE,
    LAPSED,
    INSTALLMENTS,
    PLEDGES_COMPLETED,
)


def _chunks(pks: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(pks), CHUNK):
        yield pks[start : start + CHUNK]


def _each(report: RunReport, what: str, rows: Any, work: Callable[[Any], None]) -> None:
    """Run `work` on each row in its own transaction; a failure is reported, the rest go on."""
    for row in rows:
        try:
            with transaction.atomic():
                work(row)
        except ServiceError as exc:
            report.errors.append(f"{what} {row}: {exc.message}")
        except Exception as exc:
            logger.exception("daily run: %s %s failed", what, row)
            report.errors.append(f"{what} {row}: {exc.__class__.__name__}: {exc}")


def _notify_membership(
    membership: Membership, *, template: str, subject: str, reason: str, **extra: Any
) -> None:
    contact = bill_to(membership.organization)
    send_templated(
        to=[contact.email] if contact else [],
        template=template,
        subject=subject,
        context={
            "membership": membership,
            "organization": membership.organization,
            "contact": contact,
            "plan": membership.plan,
            **extra,
        },
        reason=reason,
        organization=membership.organization,
        contact=contact,
    )


# --- renewal invoices --------------------------------------------------------------------------


def _pending_change(membership: Membership) -> MembershipPlanChange | None:
    changes = getattr(membership, "pending_changes", None)
    if changes is None:
        changes = list(
            membership.plan_changes.filter(
                status=MembershipPlanChange.Status.PENDING
            ).select_related("to_plan")
        )
    return changes[0] if changes else None


def _can_charge_automatically(membership: Membership) -> bool:
    """Auto-renewal needs Stripe, a Stripe customer, and a default payment method saved there."""
    customer_id = membership.organization.stripe_customer_id
    gateway = get_gateway()
    if not (membership.auto_renew and gateway.is_remote and customer_id):
        return False
    try:
        return bool(gateway.default_payment_method(customer_id))
    except GatewayError as exc:
        logger.warning("no saved payment method read for %s: %s", customer_id, exc.message)
        return False


def membership_renewal_invoice(
    *, membership: Membership, by: Any = None, today: date | None = None
) -> tuple[Invoice, str]:
    """Issue the invoice for the membership's next period (priced by the plan's current rule,
    or the pending downgrade's plan, and the organization's current employees), due the day
    the period starts. An auto-renewing member with a saved card is charged at once; everyone
    else is mailed a payable invoice. Asking again returns the same invoice and sends nothing."""
    today = today or timezone.localdate()
    membership = Membership.objects.select_related("plan", "organization").get(pk=membership.pk)
    if membership.status not in Membership.CURRENT_STATUSES or membership.paid_through is None:
        raise ServiceError(
            f"Only a member in good standing with a paid-through date is renewed; this one is "
            f"{membership.get_status_display().lower()}."
        )
    change = _pending_change(membership)
    start = membership.paid_through + timedelta(days=1)
    plan = change.to_plan if change and change.effective_date == start else membership.plan
    invoice = invoice_create_for_membership(
        membership=membership,
        period_start=start,
        plan=plan,
        due_date=start,
        employees=membership.organization.employees or 0,
        by=by,
    )
    if invoice.status != Invoice.Status.DRAFT:
        return invoice, f"{membership.organization}: renewal invoice {invoice.number} already sent."
    auto = _can_charge_automatically(membership)
    invoice = invoice_issue(
        invoice=invoice,
        by=by,
        send_email=not auto,
        charge_automatically=auto,
        template="renewal_invoice",
        subject=f"Your {plan} membership renewal: invoice {{number}}",
    )
    what = f"renewal invoice {invoice.number} for {format_usd(invoice.total)}"
    if auto and not invoice.stripe_error:
        transaction.on_commit(lambda: charge_invoice_later(invoice.pk))
        return invoice, f"{membership.organization}: {what}, being charged to the saved card."
    return invoice, f"{membership.organization}: {what} sent."


def charge_invoice_later(invoice_pk: int) -> None:
    from billing.tasks import charge_invoice

    charge_invoice.enqueue(invoice_pk)


def _renewal_candidates(today: date) -> list[int]:
    lead = MembershipPlan.objects.aggregate(m=Max("renewal_lead_days"))["m"] or 0
    next_period_billed = InvoiceLine.objects.filter(
        membership=OuterRef("pk"),
        kind=InvoiceLine.Kind.MEMBERSHIP,
        period_start__gt=OuterRef("paid_through"),
        invoice__status__in=STANDING,
    )
    return list(
        Membership.objects.filter(
            status__in=Membership.CURRENT_STATUSES,
            paid_through__isnull=False,
            paid_through__lte=today + timedelta(days=lead),
        )
        .exclude(Exists(next_period_billed))
        .order_by("paid_through", "pk")
        .values_list("pk", flat=True)
    )


def _with_pending_changes(queryset: QuerySet[Membership]) -> QuerySet[Membership]:
    return queryset.select_related("plan", "organization").prefetch_related(
        Prefetch(
            "plan_changes",
            queryset=MembershipPlanChange.objects.filter(
                status=MembershipPlanChange.Status.PENDING
            ).select_related("to_plan"),
            to_attr="pending_changes",
        )
    )


def _step_renewal_invoices(report: RunReport) -> None:
    today = report.today
    for chunk in _chunks(_renewal_candidates(today)):
        due = [
            m
            for m in _with_pending_changes(Membership.objects.filter(pk__in=chunk)).order_by(
                "paid_through", "pk"
            )
            if m.paid_through is not None
            and m.paid_through - timedelta(days=m.plan.renewal_lead_days) <= today
        ]
        if report.dry_run:
            for m in due:
                report.add(
                    RENEWAL_INVOICES,
                    f"{m.organization}: renewal invoice for the period from "
                    f"{m.paid_through + timedelta(days=1) if m.paid_through else '-'}"
                    + (" (auto-renew)" if m.auto_renew else ""),
                )
            continue

        def renew(membership: Membership) -> None:
            _invoice, sentence = membership_renewal_invoice(membership=membership, today=today)
            report.add(RENEWAL_INVOICES, sentence)

        _each(report, "renewal of", due, renew)


# --- reminders ---------------------------------------------------------------------------------


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
        lines = list(invoice.lines.select_related("membership__plan"))
        membership = next((line.membership for line in lines if line.membership), None)
        send_templated(
            to=[contact.email],
            template="renewal_overdue" if overdue else "renewal_reminder",
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


def _step_reminders(report: RunReport) -> None:
    today = report.today
    schedules = {
        plan.pk: plan.reminder_offsets
        for plan in MembershipPlan.objects.only("pk", "reminder_days")
    }
    offsets = [o for days in schedules.values() for o in days]
    if not offsets:
        return
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
    invoices: dict[int, tuple[Invoice, int]] = {}
    for line in lines:
        if line.membership is not None:
            invoices.setdefault(line.invoice_id, (line.invoice, line.membership.plan_id))
    sent = set(
        InvoiceReminder.objects.filter(invoice_id__in=list(invoices)).values_list(
            "invoice_id", "kind"
        )
    )
    due: list[tuple[Invoice, str]] = []
    for invoice_id, (invoice, plan_id) in invoices.items():
        assert invoice.due_date is not None
        # Only the latest reminder that has come round: a run missed for a few days sends one
        # mail, not every reminder it skipped. None on or before the day it was issued.
        reached = [
            o
            for o in schedules.get(plan_id, [])
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


# --- grace and lapse ---------------------------------------------------------------------------


def _step_grace(report: RunReport) -> None:
    today = report.today
    pks = list(
        Membership.objects.filter(status=MStatus.ACTIVE, paid_through__lt=today)
        .order_by("paid_through", "pk")
        .values_list("pk", flat=True)
    )
    for chunk in _chunks(pks):
        rows = list(Membership.objects.filter(pk__in=chunk).select_related("organization", "plan"))
        if report.dry_run:
            for m in rows:
                report.add(GRACE, f"{m.organization}: into grace (paid through {m.paid_through})")
            continue

        def enter(m: Membership) -> None:
            locked = Membership.objects.select_for_update().get(pk=m.pk)
            if (
                locked.status != MStatus.ACTIVE
                or not locked.paid_through
                or locked.paid_through >= today
            ):
                return  # paid meanwhile, or another run got here first
            membership_enter_grace(
                membership=m, reason=f"dues unpaid past {locked.paid_through.isoformat()}"
            )
            _notify_membership(
                m,
                template="membership_grace",
                subject="Your MetroHartford Alliance membership dues are past due",
                reason=f"membership in grace (paid through {locked.paid_through.isoformat()})",
            )
            report.add(GRACE, f"{m.organization}: into grace (paid through {m.paid_through})")

        _each(report, "grace for", rows, enter)


def _step_lapse(report: RunReport) -> None:
    today = report.today
    shortest = MembershipPlan.objects.aggregate(m=Min("grace_days"))["m"] or 0
    pks = list(
        Membership.objects.filter(
            status=MStatus.GRACE, paid_through__lt=today - timedelta(days=shortest)
        )
        .order_by("paid_through", "pk")
        .values_list("pk", flat=True)
    )
    for chunk in _chunks(pks):
        rows = [
            m
            for m in Membership.objects.filter(pk__in=chunk).select_related("organization", "plan")
            if m.paid_through and m.paid_through + timedelta(days=m.plan.grace_days) < today
        ]
        if report.dry_run:
            for m in rows:
                report.add(LAPSED, f"{m.organization}: lapses ({m.plan.grace_days} days of grace)")
            continue

        def lapse(m: Membership) -> None:
            locked = Membership.objects.select_for_update().get(pk=m.pk)
            if locked.status != MStatus.GRACE or not locked.paid_through:
                return
            if locked.paid_through + timedelta(days=m.plan.grace_days) >= today:
                return
            membership_lapse(
                membership=m,
                reason=f"{m.plan.grace_days} days of grace after "
                f"{locked.paid_through.isoformat()} passed, dues unpaid",
            )
            _notify_membership(
                m,
                template="membership_lapsed",
                subject="Your MetroHartford Alliance membership has lapsed",
                reason="membership lapsed",
            )
            report.add(LAPSED, f"{m.organization}: lapsed")

        _each(report, "lapse of", rows, lapse)


# --- downgrades that start today ---------------------------------------------------------------


def _step_plan_changes(report: RunReport) -> None:
    changes = list(
        MembershipPlanChange.objects.filter(
            status=MembershipPlanChange.Status.PENDING, effective_date__lte=report.today
        ).select_related("membership__organization", "from_plan", "to_plan")
    )
    if report.dry_run:
        for change in changes:
            report.add(PLAN_CHANGES, f"{change.membership.organization}: {change}")
        return

    def apply(change: MembershipPlanChange) -> None:
        locked = MembershipPlanChange.objects.select_for_update().get(pk=change.pk)
        if locked.status != MembershipPlanChange.Status.PENDING:
            return
        membership_switch_plan(
            membership=change.membership,
            plan=change.to_plan,
            reason=f"moved to {change.to_plan} at renewal ({change.effective_date.isoformat()})",
        )
        locked.status = MembershipPlanChange.Status.APPLIED
        locked.applied_at = timezone.now()
        locked.save(update_fields=["status", "applied_at"])
        report.add(
            PLAN_CHANGES,
            f"{change.membership.organization}: now on {change.to_plan} (was {change.from_plan})",
        )

    _each(report, "plan change of", changes, apply)


# --- pledges -----------------------------------------------------------------------------------


def _step_installments(report: RunReport) -> None:
    horizon = report.today + timedelta(days=settings.PLEDGE_INVOICE_LEAD_DAYS)
    billed = InvoiceLine.objects.filter(
        pledge_installment=OuterRef("pk"), invoice__status__in=STANDING
    )
    installments = list(
        PledgeInstallment.objects.filter(
            pledge__status=Pledge.Status.CONFIRMED, due_date__lte=horizon
        )
        .exclude(Exists(billed))
        .select_related("pledge__organization", "pledge__level")
        .order_by("due_date", "pk")
    )
    if report.dry_run:
        for item in installments:
            report.add(INSTALLMENTS, f"{item.pledge.organization}: installment {item.number}")
        return

    def bill(item: PledgeInstallment) -> None:
        invoice = invoice_create_for_installment(installment=item)
        if invoice.status == Invoice.Status.DRAFT:
            invoice = invoice_issue(invoice=invoice)
            report.add(
                INSTALLMENTS,
                f"{item.pledge.organization}: installment {item.number} invoiced "
                f"({invoice.number}, {format_usd(invoice.total)}, due {item.due_date})",
            )

    _each(report, "installment", installments, bill)


def _step_pledges_completed(report: RunReport) -> None:
    """A safety net: the payment that settles the last installment completes its pledge at
    once (billing/effects.py); this finds any that a refund reversal or an import left open."""
    settled = InvoiceLine.objects.filter(
        pledge_installment=OuterRef("pk"),
        invoice__status=Invoice.Status.PAID,
        invoice__reversed_at__isnull=True,
    )
    unsettled = PledgeInstallment.objects.filter(pledge=OuterRef("pk")).exclude(Exists(settled))
    pledges = list(
        Pledge.objects.filter(status=Pledge.Status.CONFIRMED)
        .filter(Exists(PledgeInstallment.objects.filter(pledge=OuterRef("pk"))))
        .exclude(Exists(unsettled))
        .select_related("organization")
    )
    if report.dry_run:
        for pledge in pledges:
            report.add(PLEDGES_COMPLETED, f"{pledge.organization}: pledge completed")
        return

    def complete(pledge: Pledge) -> None:
        pledge_complete(pledge=pledge, reason="every installment paid")
        report.add(PLEDGES_COMPLETED, f"{pledge.organization}: pledge completed")

    _each(report, "pledge", pledges, complete)


def renewals_run(*, today: date | None = None, dry_run: bool = False) -> RunReport:
    """The day's renewal and lifecycle work; see the module's docstring."""
    report = RunReport(today=today or timezone.localdate(), dry_run=dry_run)
    _step_plan_changes(report)
    _step_renewal_invoices(report)
    _step_reminders(report)
    _step_grace(report)
    _step_lapse(report)
    _step_installments(report)
    _step_pledges_completed(report)
    return report


# --- plan changes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class UpgradeQuote:
    old_annual: Decimal
    new_annual: Decimal
    amount: Decimal
    lines: tuple[pricing.QuoteLine, ...]
    explanation: str


def _year_ending(paid_through: date) -> date:
    """The first day of the membership year that ends on `paid_through`."""
    start = paid_through + timedelta(days=1)
    try:
        return start.replace(year=start.year - 1)
    except ValueError:  # 29 February
        return date(start.year - 1, 3, 1)


def upgrade_quote(
    *,
    old_rule: pricing.PricingRule,
    new_rule: pricing.PricingRule,
    employees: int,
    effective: date,
    paid_through: date,
) -> UpgradeQuote:
    """What moving up on `effective` costs for the rest of the year paid through
    `paid_through`: the difference in annual dues, prorated by the new plan's rule (by month,
    counting the month it starts in, or by day; a plan that does not prorate bills it all)."""
    old = pricing.annual_dues(old_rule, employees)
    new = pricing.annual_dues(new_rule, employees)
    difference = new - old
    who = "" if new_rule.kind == pricing.FLAT else f" for {employees} employees"
    first = pricing.QuoteLine(
        f"Upgrade from {old_rule.plan_name} to {new_rule.plan_name}: annual dues{who} "
        f"{format_usd(new)} less {format_usd(old)}",
        difference,
    )
    year_start = _year_ending(paid_through)
    if new_rule.proration == pricing.PRORATE_MONTHLY:
        covered = (
            (paid_through.year - effective.year) * 12 + paid_through.month - effective.month + 1
        )
        total, unit = 12, "month"
    elif new_rule.proration == pricing.PRORATE_DAILY:
        covered = (paid_through - effective).days + 1
        total, unit = (paid_through - year_start).days + 1, "day"
    else:
        covered = total = 1
        unit = ""
    covered = max(0, min(covered, total))
    amount = money(difference * covered / total)
    period = f"{effective.isoformat()} to {paid_through.isoformat()}"
    if amount != difference:
        lines: tuple[pricing.QuoteLine, ...] = (
            first,
            pricing.QuoteLine(
                f"Proration: {total - covered} of {total} {unit}s of the membership year "
                f"{year_start.isoformat()} to {paid_through.isoformat()} are past and not billed",
                amount - difference,
            ),
        )
        explanation = (
            f"Annual dues{who} are {format_usd(new)} on the {new_rule.plan_name} plan and "
            f"{format_usd(old)} on the {old_rule.plan_name} plan; the difference of "
            f"{format_usd(difference)} a year is billed for the {covered} of {total} {unit}s "
            f"left in the membership year ({period}): {format_usd(difference)} × {covered}/"
            f"{total} = {format_usd(amount)}."
        )
    else:
        lines = (first,)
        explanation = (
            f"Annual dues{who} are {format_usd(new)} on the {new_rule.plan_name} plan and "
            f"{format_usd(old)} on the {old_rule.plan_name} plan; the {new_rule.plan_name} "
            f"plan does not prorate, so the full difference of {format_usd(difference)} is "
            f"due for {period}."
        )
    return UpgradeQuote(old, new, amount, lines, explanation)


def _invoice_with_lines(
    *,
    membership: Membership,
    lines: list[tuple[str, Decimal, str, date | None, date | None]],
    explanation: str,
    reason: str,
    by: Any,
    kind: str = InvoiceLine.Kind.OTHER,
) -> Invoice:
    """A draft invoice of `lines` (description, amount, GL account, period) for a membership's
    organization. Its lines name the membership but are not "membership" lines: paying them
    moves no paid-through date, and refunding them takes none back."""
    invoice = Invoice(
        organization=membership.organization,
        contact=bill_to(membership.organization),
        kind=Invoice.Kind.DUES,
        explanation=explanation,
        created_by=user_or_none(by),
    )
    save_with_reason(invoice, reason=reason, by=by)
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            position=position,
            kind=kind,
            description=description[:500],
            amount=amount,
            gl_account=gl_account,
            period_start=start,
            period_end=end,
            membership=membership,
        )
        for position, (description, amount, gl_account, start, end) in enumerate(lines)
    )
    _recalculate_total(invoice)
    return invoice


def membership_change_plan(
    *,
    membership: Membership,
    plan: MembershipPlan,
    by: Any = None,
    effective: date | None = None,
    today: date | None = None,
) -> MembershipPlanChange:
    """Move a member to another plan mid-cycle. When the new plan costs more for the
    organization's current number of employees it is an upgrade: the member is on it at once
    (or from `effective`, a day in the current year) and is invoiced the prorated difference,
    the invoice's lines and explanation showing the arithmetic. Otherwise it is a downgrade:
    recorded as pending and applied at the renewal, whose invoice is priced on the new plan.
    A second request replaces a pending downgrade."""
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = (
            Membership.objects.select_for_update()
            .select_related("plan", "organization")
            .get(pk=membership.pk)
        )
        if locked.status not in Membership.CURRENT_STATUSES or locked.paid_through is None:
            raise ServiceError(
                f"Only a member in good standing changes plan; this membership is "
                f"{locked.get_status_display().lower()}."
            )
        if not plan.is_active:
            raise InvalidData(f"The {plan} plan is no longer offered.", field="plan")
        pending = locked.plan_changes.filter(status=MembershipPlanChange.Status.PENDING).first()
        if plan.pk == locked.plan_id and pending is None:
            raise InvalidData(f"The membership is already on the {plan} plan.", field="plan")
        if pending is not None:
            pending.status = MembershipPlanChange.Status.CANCELLED
            pending.save(update_fields=["status"])
            if plan.pk == locked.plan_id:
                return pending  # asked to stay: the pending downgrade is simply dropped
        employees = locked.organization.employees or 0
        old_rule, new_rule = locked.plan.pricing_rule(), plan.pricing_rule()
        try:
            old = pricing.annual_dues(old_rule, employees)
            new = pricing.annual_dues(new_rule, employees)
        except ValueError as exc:
            raise ServiceError(str(exc)) from exc
        renewal = locked.paid_through + timedelta(days=1)
        if new <= old:
            if effective is not None and effective != renewal:
                raise InvalidData(
                    f"A move to a plan that costs the same or less takes effect at the renewal, "
                    f"on {renewal.isoformat()}.",
                    field="effective",
                )
            change = MembershipPlanChange.objects.create(
                membership=locked,
                from_plan=locked.plan,
                to_plan=plan,
                kind=MembershipPlanChange.Kind.DOWNGRADE,
                status=MembershipPlanChange.Status.PENDING,
                effective_date=renewal,
                explanation=(
                    f"Annual dues on the {plan} plan would be {format_usd(new)} against "
                    f"{format_usd(old)} on the {locked.plan} plan: the move takes effect at the "
                    f"renewal on {renewal.isoformat()}, and the renewal invoice is priced on "
                    f"the {plan} plan."
                ),
                by=user_or_none(by),
            )
            _notify_membership(
                locked,
                template="plan_downgrade_scheduled",
                subject=f"Your move to the {plan} plan at renewal",
                reason=f"plan change to {plan} scheduled for {renewal.isoformat()}",
                new_plan=plan,
            )
            return change
        effective = effective or today
        if not (today <= effective <= locked.paid_through):
            raise InvalidData(
                f"An upgrade starts between today and the end of the paid year "
                f"({locked.paid_through.isoformat()}).",
                field="effective",
            )
        quote = upgrade_quote(
            old_rule=old_rule,
            new_rule=new_rule,
            employees=employees,
            effective=effective,
            paid_through=locked.paid_through,
        )
        invoice = _invoice_with_lines(
            membership=locked,
            lines=[
                (
                    line.description,
                    line.amount,
                    plan.gl_revenue_account,
                    effective,
                    locked.paid_through,
                )
                for line in quote.lines
            ],
            explanation=quote.explanation,
            reason=f"plan upgrade to {plan}",
            by=by,
        )
        from_plan = locked.plan
        membership_switch_plan(
            membership=locked, plan=plan, by=by, reason=f"upgraded from {from_plan} to {plan}"
        )
        change = MembershipPlanChange.objects.create(
            membership=locked,
            from_plan=from_plan,
            to_plan=plan,
            kind=MembershipPlanChange.Kind.UPGRADE,
            status=MembershipPlanChange.Status.APPLIED,
            effective_date=effective,
            explanation=quote.explanation,
            invoice=invoice,
            applied_at=timezone.now(),
            by=user_or_none(by),
        )
    membership.refresh_from_db()
    if invoice.total > ZERO:
        invoice_issue(
            invoice=invoice,
            by=by,
            template="plan_upgrade_invoice",
            subject=f"Your upgrade to the {plan} plan: invoice {{number}}",
        )
    return change


# --- reinstatement -----------------------------------------------------------------------------


def _fee(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        fee = money(value)
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidData("Enter the fee in dollars and cents.", field="fee") from None
    if fee < ZERO:
        raise InvalidData("The fee cannot be negative.", field="fee")
    return fee or None


def membership_reinstate_and_bill(
    *,
    membership: Membership,
    by: Any = None,
    reason: str = "",
    fee: Any = None,
    today: date | None = None,
) -> tuple[Membership, Invoice | None]:
    """Reinstate a lapsed or dropped member and send what it owes: when its dues no longer
    cover today, an invoice for the current membership period (an unpaid renewal invoice of that
    period is replaced) with the optional reinstatement fee as a line of its own; when they
    still do, an invoice for the fee alone (if any)."""
    today = today or timezone.localdate()
    fee_amount = _fee(fee)
    with transaction.atomic():
        membership = membership_reinstate(membership=membership, by=by, reason=reason, today=today)
        membership = Membership.objects.select_related("plan", "organization").get(pk=membership.pk)
        fee_line = (
            (
                f"Reinstatement fee ({membership.plan})",
                fee_amount,
                membership.plan.gl_revenue_account,
                today,
                today,
            )
            if fee_amount
            else None
        )
        if membership.status == MStatus.ACTIVE:
            if fee_line is None:
                return membership, None
            invoice = _invoice_with_lines(
                membership=membership,
                lines=[fee_line],
                explanation="The reinstatement fee; the dues paid still cover today.",
                reason="reinstatement fee",
                by=by,
            )
        else:
            start = today
            if membership.paid_through is not None:
                start = membership.paid_through + timedelta(days=1)
                if (
                    pricing.next_period(membership.plan.pricing_rule(), membership.paid_through)[1]
                    < today
                ):
                    start = today  # away for more than a year: a new year starts today
            invoice = invoice_create_for_membership(
                membership=membership, period_start=start, by=by
            )
            if invoice.status == Invoice.Status.OPEN and fee_line is not None:
                invoice_void(
                    invoice=invoice,
                    reason="replaced by the reinstatement invoice with its fee",
                    by=by,
                )
                invoice = invoice_create_for_membership(
                    membership=membership, period_start=start, by=by
                )
            if invoice.status == Invoice.Status.DRAFT and fee_amount is not None:
                InvoiceLine.objects.create(
                    invoice=invoice,
                    position=invoice.lines.count(),
                    kind=InvoiceLine.Kind.OTHER,
                    description=f"Reinstatement fee ({membership.plan})",
                    amount=fee_amount,
                    gl_account=membership.plan.gl_revenue_account,
                    membership=membership,
                )
                invoice.explanation = (
                    f"{invoice.explanation} A reinstatement fee of {format_usd(fee_amount)} is "
                    f"added."
                ).strip()
                invoice.save(update_fields=["explanation", "modified"])
                _recalculate_total(invoice)
    if invoice.status == Invoice.Status.DRAFT:
        invoice = invoice_issue(
            invoice=invoice,
            by=by,
            template="reinstatement_invoice",
            subject="Welcome back: invoice {number} to reinstate your membership",
        )
    return membership, invoice


def membership_renewals_overview(*, today: date) -> dict[str, QuerySet[Membership]]:
    """The renewals page's groups: due in the next 60 days and not yet invoiced, invoiced and
    not yet reminded, reminded, in grace, lapsed this month."""
    next_period = InvoiceLine.objects.filter(
        membership=OuterRef("pk"),
        kind=InvoiceLine.Kind.MEMBERSHIP,
        period_start__gt=OuterRef("paid_through"),
        invoice__status=Invoice.Status.OPEN,
    )
    billed_next = InvoiceLine.objects.filter(
        membership=OuterRef("pk"),
        kind=InvoiceLine.Kind.MEMBERSHIP,
        period_start__gt=OuterRef("paid_through"),
        invoice__status__in=STANDING,
    )
    reminded = next_period.filter(invoice__reminders__isnull=False)
    base = Membership.objects.select_related("organization", "plan").order_by("paid_through", "pk")
    current = base.filter(status__in=Membership.CURRENT_STATUSES)
    return {
        "due": current.filter(
            status=MStatus.ACTIVE,
            paid_through__gte=today,
            paid_through__lte=today + timedelta(days=60),
        ).exclude(Exists(billed_next)),
        "invoiced": current.filter(Exists(next_period)).exclude(Exists(reminded)),
        "reminded": current.filter(Exists(reminded)),
        "grace": base.filter(status=MStatus.GRACE),
        "lapsed": base.filter(
            status=MStatus.LAPSED,
            status_changed_at__date__gte=today.replace(day=1),
            status_changed_at__date__lte=today.replace(
                day=calendar.monthrange(today.year, today.month)[1]
            ),
        ),
    }


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


__all__ = [
    "RunReport",
    "charge_invoice_later",
    "invoice_charge_automatically",
    "invoice_send_reminder",
    "membership_change_plan",
    "membership_reinstate_and_bill",
    "membership_renewal_invoice",
    "membership_renewals_overview",
    "membership_send_reminder",
    "renewals_run",
    "upgrade_quote",
]
