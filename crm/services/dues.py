"""Dues schedules: draft new dues for some plans, then apply them from a renewal date.

Comparing a draft with today's dues changes nothing and lives in crm.dues_planning. Applying
does not touch the plans: a membership period starting on or after the schedule's date is priced
by its rule (MembershipPlan.pricing_rule(on=...)), so renewal invoices already sent keep their
amounts and those sent ahead of the date for periods after it use the new dues.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from core.exceptions import InvalidData, TransitionNotAllowed
from core.services import set_change_reason, validated_save, with_history_user
from crm import pricing
from crm.models import (
    DuesSchedule,
    DuesScheduleBracket,
    DuesScheduleRule,
    MembershipPlan,
)


@dataclass(frozen=True)
class DuesRuleInput:
    """A plan's dues in a draft schedule, in the plan's own pricing representation."""

    plan: MembershipPlan
    kind: str = pricing.FLAT
    flat_amount: Decimal = Decimal("0.00")
    brackets: tuple[tuple[int, Decimal], ...] = field(default_factory=tuple)
    per_employee_above: Decimal = Decimal("0.00")
    cap: Decimal | None = None

    def pricing_rule(self) -> pricing.PricingRule:
        return pricing.PricingRule(
            kind=self.kind,
            flat_amount=self.flat_amount,
            brackets=tuple(
                pricing.Bracket(max_employees=m, amount=a) for m, a in sorted(self.brackets)
            ),
            per_employee_above=self.per_employee_above,
            cap=self.cap,
            plan_name=self.plan.name,
        )


def parse_brackets(text: str) -> tuple[tuple[int, Decimal], ...]:
    """ "10: 450, 25: 695.00" (or one "up to: dues" pair a line, "=" also works) ->
    ((10, Decimal("450")), (25, Decimal("695.00"))). Raises ValueError with a sentence."""
    rows: list[tuple[int, Decimal]] = []
    for part in text.replace("\n", ",").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        head, sep, tail = part.replace("=", ":").partition(":")
        if not sep:
            raise ValueError(f"{part!r}: write each bracket as employees: dues (e.g. 10: 450).")
        try:
            max_employees = int(head.strip())
            amount = Decimal(tail.strip().replace("$", "").replace(",", ""))
        except (ValueError, InvalidOperation):
            raise ValueError(
                f"{part!r}: write each bracket as employees: dues (e.g. 10: 450)."
            ) from None
        if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
            raise ValueError(f"{part!r}: dues are an amount in dollars and cents.")
        rows.append((max_employees, amount))
    if len({m for m, _ in rows}) != len(rows):
        raise ValueError("Two brackets have the same upper employee count.")
    return tuple(sorted(rows))


def format_brackets(brackets: Any) -> str:
    return ", ".join(f"{b.max_employees}: {b.amount}" for b in brackets)


def _validated(rules: list[DuesRuleInput]) -> None:
    plans = [rule.plan.pk for rule in rules]
    if len(set(plans)) != len(plans):
        raise InvalidData("A plan may appear once in a dues schedule.", field="rules")
    for rule in rules:
        try:
            pricing.validate_rule(rule.pricing_rule())
        except ValueError as exc:
            raise InvalidData(f"{rule.plan}: {exc}", field="rules") from exc


@transaction.atomic
def dues_schedule_save(
    *, schedule: DuesSchedule, rules: list[DuesRuleInput] | None = None, by: Any = None
) -> DuesSchedule:
    """Create or edit a draft schedule; `rules` replaces its plans' dues when given. Bad rules
    (brackets that price a bigger business below a smaller one, a plan twice) change nothing.
    An applied schedule is not edited: withdraw it and draft another."""
    if schedule.pk is not None:
        current = DuesSchedule.objects.select_for_update().get(pk=schedule.pk)
        if current.status != DuesSchedule.Status.DRAFT:
            raise TransitionNotAllowed(
                f"The schedule is {current.get_status_display().lower()}: only a draft is edited."
            )
    if rules is not None:
        _validated(rules)
    validated_save(schedule, by=by)
    if rules is not None:
        DuesScheduleBracket.objects.filter(rule__schedule=schedule).delete()
        schedule.rules.all().delete()
        for given in rules:
            rule = DuesScheduleRule(
                schedule=schedule,
                plan=given.plan,
                pricing_kind=given.kind,
                flat_amount=given.flat_amount,
                per_employee_above=given.per_employee_above,
                cap=given.cap,
            )
            validated_save(rule, by=by)
            DuesScheduleBracket.objects.bulk_create(
                DuesScheduleBracket(rule=rule, max_employees=m, amount=a) for m, a in given.brackets
            )
    return schedule


def dues_schedule_draft_from_plans(
    *, name: str, plans: list[MembershipPlan] | None = None, by: Any = None
) -> DuesSchedule:
    """A draft whose rules are the plans' dues today (every active plan by default): the
    starting point staff edit into the new schedule."""
    if plans is None:
        plans = list(MembershipPlan.objects.filter(is_active=True).prefetch_related("brackets"))
    today = timezone.localdate()
    rules = []
    for plan in plans:
        rule = plan.pricing_rule(on=today)
        rules.append(
            DuesRuleInput(
                plan=plan,
                kind=rule.kind,
                flat_amount=rule.flat_amount,
                brackets=tuple((b.max_employees, b.amount) for b in rule.brackets),
                per_employee_above=rule.per_employee_above,
                cap=rule.cap,
            )
        )
    return dues_schedule_save(schedule=DuesSchedule(name=name), rules=rules, by=by)


def _rule_inputs(schedule: DuesSchedule) -> list[DuesRuleInput]:
    return [
        DuesRuleInput(
            plan=rule.plan,
            kind=rule.pricing_kind,
            flat_amount=rule.flat_amount,
            brackets=tuple((b.max_employees, b.amount) for b in rule.brackets.all()),
            per_employee_above=rule.per_employee_above,
            cap=rule.cap,
        )
        for rule in schedule.rules.select_related("plan").prefetch_related("brackets")
    ]


@transaction.atomic
def dues_schedule_apply(
    *,
    schedule: DuesSchedule,
    effective_from: date,
    by: Any = None,
    today: date | None = None,
) -> DuesSchedule:
    """Apply a draft from a renewal date: membership periods starting on or after
    `effective_from` (today or later) are priced by it, renewal invoices included, and their
    explanation carries the schedule's explanation for members. Invoices already drafted or
    sent keep their amounts. Applying twice is refused."""
    today = today or timezone.localdate()
    if not isinstance(effective_from, date):
        raise InvalidData("Give the renewal date the new dues start from.", field="effective_from")
    if effective_from < today:
        raise InvalidData(
            f"The renewal date {effective_from.isoformat()} has passed: choose today or later.",
            field="effective_from",
        )
    locked = DuesSchedule.objects.select_for_update().get(pk=schedule.pk)
    if locked.status != DuesSchedule.Status.DRAFT:
        raise TransitionNotAllowed(
            f"The schedule is {locked.get_status_display().lower()}: only a draft is applied."
        )
    rules = _rule_inputs(locked)
    if not rules:
        raise InvalidData("The schedule has no plan's dues: add at least one.", field="rules")
    _validated(rules)
    clash = (
        DuesScheduleRule.objects.filter(
            plan__in=[rule.plan for rule in rules],
            schedule__status=DuesSchedule.Status.SCHEDULED,
            schedule__effective_from=effective_from,
        )
        .select_related("schedule", "plan")
        .first()
    )
    if clash is not None:
        raise InvalidData(
            f"{clash.schedule} already prices the {clash.plan} plan from "
            f"{effective_from.isoformat()}: withdraw it first or choose another date.",
            field="effective_from",
        )
    MembershipPlan.objects.filter(pk__in=[rule.plan.pk for rule in rules]).update(
        dues_scheduled=True
    )
    locked.status = DuesSchedule.Status.SCHEDULED
    locked.effective_from = effective_from
    locked.applied_at = timezone.now()
    locked.applied_by = by if getattr(by, "is_authenticated", False) else None
    with_history_user(locked, by)
    set_change_reason(locked, f"applied from {effective_from.isoformat()}")
    locked.save()
    schedule.refresh_from_db()
    return schedule


@transaction.atomic
def dues_schedule_withdraw(
    *, schedule: DuesSchedule, reason: str, by: Any = None, today: date | None = None
) -> DuesSchedule:
    """Withdraw a draft, or an applied schedule before its date (renewal invoices it already
    priced keep their amounts: void and reissue them if they must change)."""
    today = today or timezone.localdate()
    if not reason.strip():
        raise InvalidData("Say why the schedule is withdrawn.", field="reason")
    locked = DuesSchedule.objects.select_for_update().get(pk=schedule.pk)
    if locked.status == DuesSchedule.Status.WITHDRAWN:
        schedule.refresh_from_db()
        return schedule
    if (
        locked.status == DuesSchedule.Status.SCHEDULED
        and locked.effective_from is not None
        and locked.effective_from <= today
    ):
        raise TransitionNotAllowed(
            f"The schedule prices renewals since {locked.effective_from.isoformat()}: apply a "
            "new schedule instead of withdrawing this one."
        )
    locked.status = DuesSchedule.Status.WITHDRAWN
    with_history_user(locked, by)
    set_change_reason(locked, f"withdrawn: {reason}")
    locked.save()
    still_scheduled = DuesScheduleRule.objects.filter(
        plan=OuterRef("pk"), schedule__status=DuesSchedule.Status.SCHEDULED
    )
    MembershipPlan.objects.filter(dues_rules__schedule=locked).update(
        dues_scheduled=Exists(still_scheduled)
    )
    schedule.refresh_from_db()
    return schedule
