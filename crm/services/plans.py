"""Membership plans (with their dues brackets) and investor levels: the price lists."""

from decimal import Decimal
from typing import Any

from django.db import transaction

from core.exceptions import InvalidData
from core.services import validated_save
from crm import pricing
from crm.models import InvestorLevel, MembershipPlan, PlanBracket


@transaction.atomic
def membership_plan_save(
    *,
    plan: MembershipPlan,
    brackets: list[tuple[int, Decimal]] | None = None,
    by: Any = None,
) -> MembershipPlan:
    """Create or update a plan. `brackets` (upper employee count, annual dues) replaces the plan's
    brackets when given; the resulting rule must never price a bigger business below a smaller
    one, so a bad list changes nothing."""
    if brackets is None:
        current = list(plan.brackets.all()) if plan.pk else []
        rows = [(b.max_employees, b.amount) for b in current]
    else:
        rows = sorted(brackets)
        if len({max_employees for max_employees, _ in rows}) != len(rows):
            raise InvalidData("Two brackets have the same upper employee count.", field="brackets")
    rule = pricing.PricingRule(
        kind=plan.pricing_kind,
        flat_amount=plan.flat_amount,
        brackets=tuple(pricing.Bracket(max_employees=m, amount=a) for m, a in rows),
        per_employee_above=plan.per_employee_above,
        cap=plan.cap,
    )
    try:
        pricing.validate_rule(rule)
    except ValueError as exc:
        raise InvalidData(str(exc), field="brackets") from exc
    validated_save(plan, by=by)
    if brackets is not None:
        plan.brackets.all().delete()
        for max_employees, amount in rows:
            validated_save(
                PlanBracket(plan=plan, max_employees=max_employees, amount=amount), by=by
            )
    return plan


def investor_level_save(*, level: InvestorLevel, by: Any = None) -> InvestorLevel:
    validated_save(level, by=by)
    return level
