"""A member's move to another plan mid-cycle: an upgrade at once, invoiced the prorated
difference for the rest of the term (by month or by day, whatever the plan's rule for joining)
with the arithmetic shown; a downgrade at the renewal."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from billing.money import ZERO, format_usd, money
from billing.services import DraftLineSpec, invoice_create_draft, invoice_issue
from core.exceptions import InvalidData, ServiceError
from core.services import user_or_none
from crm import pricing
from crm.models import Membership, MembershipPlan, MembershipPlanChange
from crm.services.memberships import _membership_switch_plan
from crm.services.renewals.report import _notify_membership


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
    `paid_through`: the difference in annual dues for the part of the year left, whatever the
    new plan's rule for joining. By month (counting the month it starts in) when the new plan
    prorates joins by month, by day otherwise (a plan that bills a whole year to a business
    joining mid-year still bills an upgrade for the days left, never the whole difference)."""
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
    else:
        covered = (paid_through - effective).days + 1
        total, unit = (paid_through - year_start).days + 1, "day"
    covered = max(0, min(covered, total))
    amount = money(difference * covered / total)
    period = f"{effective.isoformat()} to {paid_through.isoformat()}"
    lines: tuple[pricing.QuoteLine, ...] = (first,)
    if amount != difference:
        lines += (
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
    return UpgradeQuote(old, new, amount, lines, explanation)


def _downgrade_explanation(
    *, from_plan: MembershipPlan, plan: MembershipPlan, old: Decimal, new: Decimal, renewal: date
) -> str:
    return (
        f"Annual dues on the {plan} plan would be {format_usd(new)} against "
        f"{format_usd(old)} on the {from_plan} plan: the move takes effect at the "
        f"renewal on {renewal.isoformat()}, and the renewal invoice is priced on "
        f"the {plan} plan."
    )


@dataclass(frozen=True)
class PlanChangePreview:
    """What membership_change_plan would do: an upgrade billed now (`amount_now`, the upgrade
    quote's lines and explanation) or a move at the renewal (`effective`), and `size_warning`
    when the organization's employee count is outside the size the plan is meant for."""

    plan: MembershipPlan
    is_upgrade: bool
    effective: date
    amount_now: Decimal
    lines: tuple[pricing.QuoteLine, ...]
    explanation: str
    size_warning: str = ""


def _check_upgrade_start(effective: date, *, today: date, paid_through: date) -> None:
    if not (today <= effective <= paid_through):
        raise InvalidData(
            f"An upgrade starts between today and the end of the paid year "
            f"({paid_through.isoformat()}).",
            field="effective",
        )


def _check_downgrade_start(effective: date | None, *, renewal: date) -> None:
    if effective is not None and effective != renewal:
        raise InvalidData(
            f"A move to a plan that costs the same or less takes effect at the renewal, "
            f"on {renewal.isoformat()}.",
            field="effective",
        )


def plan_change_preview(
    *,
    membership: Membership,
    plan: MembershipPlan,
    effective: date | None = None,
    today: date | None = None,
) -> PlanChangePreview:
    """The quote of a move to `plan` (an upgrade from `effective`, default today), decided and
    priced as membership_change_plan does, refused as it would be (ServiceError: a member not in
    good standing, a start date outside the paid year, the plan it is already on)."""
    today = today or timezone.localdate()
    if membership.status not in Membership.CURRENT_STATUSES or membership.paid_through is None:
        raise ServiceError(
            f"Only a member in good standing changes plan; this membership is "
            f"{membership.get_status_display().lower()}."
        )
    renewal = membership.paid_through + timedelta(days=1)
    if plan.pk == membership.plan_id:
        pending = membership.plan_changes.filter(status=MembershipPlanChange.Status.PENDING).first()
        if pending is None:
            raise InvalidData(f"The membership is already on the {plan} plan.", field="plan")
        stays = (
            f"The membership stays on the {plan} plan: the move to the {pending.to_plan} plan "
            f"waiting for the renewal on {renewal.isoformat()} is cancelled."
        )
        return PlanChangePreview(plan, False, renewal, ZERO, (), stays)
    employees = membership.organization.employees
    warning = plan.size_warning(employees)
    old_rule, new_rule = membership.plan.pricing_rule(), plan.pricing_rule()
    try:
        old = pricing.annual_dues(old_rule, employees or 0)
        new = pricing.annual_dues(new_rule, employees or 0)
    except ValueError as exc:
        raise ServiceError(str(exc)) from exc
    if new <= old:
        _check_downgrade_start(effective, renewal=renewal)
        explanation = _downgrade_explanation(
            from_plan=membership.plan, plan=plan, old=old, new=new, renewal=renewal
        )
        return PlanChangePreview(plan, False, renewal, ZERO, (), explanation, warning)
    effective = effective or today
    _check_upgrade_start(effective, today=today, paid_through=membership.paid_through)
    quote = upgrade_quote(
        old_rule=old_rule,
        new_rule=new_rule,
        employees=employees or 0,
        effective=effective,
        paid_through=membership.paid_through,
    )
    return PlanChangePreview(
        plan, True, effective, quote.amount, quote.lines, quote.explanation, warning
    )


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
            _check_downgrade_start(effective, renewal=renewal)
            change = MembershipPlanChange.objects.create(
                membership=locked,
                from_plan=locked.plan,
                to_plan=plan,
                kind=MembershipPlanChange.Kind.DOWNGRADE,
                status=MembershipPlanChange.Status.PENDING,
                effective_date=renewal,
                explanation=_downgrade_explanation(
                    from_plan=locked.plan, plan=plan, old=old, new=new, renewal=renewal
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
        _check_upgrade_start(effective, today=today, paid_through=locked.paid_through)
        quote = upgrade_quote(
            old_rule=old_rule,
            new_rule=new_rule,
            employees=employees,
            effective=effective,
            paid_through=locked.paid_through,
        )
        invoice = invoice_create_draft(
            organization=locked.organization,
            membership=locked,
            lines=[
                DraftLineSpec(
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
            plan=plan,
        )
        from_plan = locked.plan
        _membership_switch_plan(
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
