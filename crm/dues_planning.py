"""What-if dues planning: every member's dues today and under a draft schedule, before anything
changes. Reads only (a selector over memberships): one query for the plans and their rules, and
one streamed query for the members, whatever their number; the prices come from the pure
functions of crm.pricing (each distinct plan and employee count priced once).
"""

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone

from billing.money import ZERO
from crm import pricing
from crm.models import County, DuesSchedule, DuesScheduleRule, Membership, MembershipPlan

NO_COUNTY = "(no county)"
HUNDRED = Decimal(100)


def _percent_change(current: Decimal, new: Decimal) -> Decimal | None:
    """The rise (or fall) in percent of today's dues; None when today's dues are zero."""
    if current == ZERO:
        return None
    return ((new - current) * HUNDRED / current).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class MemberDues:
    membership_id: int
    organization_id: int
    organization: str
    county: str
    plan: str
    employees: int
    current: Decimal
    new: Decimal

    @property
    def change(self) -> Decimal:
        return self.new - self.current

    @property
    def change_percent(self) -> Decimal | None:
        return _percent_change(self.current, self.new)

    def rises_above(self, percent: Decimal) -> bool:
        if self.change <= ZERO:
            return False
        share = self.change_percent
        return share is None or share > percent


@dataclass
class DuesTotal:
    members: int = 0
    current: Decimal = ZERO
    new: Decimal = ZERO

    @property
    def change(self) -> Decimal:
        return self.new - self.current

    @property
    def change_percent(self) -> Decimal | None:
        return _percent_change(self.current, self.new)

    def add(self, row: MemberDues) -> None:
        self.members += 1
        self.current += row.current
        self.new += row.new


@dataclass
class WhatIf:
    on: date
    rise_above: Decimal
    total: DuesTotal = field(default_factory=DuesTotal)
    by_plan: dict[str, DuesTotal] = field(default_factory=dict)
    by_county: dict[str, DuesTotal] = field(default_factory=dict)
    rising: list[MemberDues] = field(default_factory=list)
    rising_count: int = 0


class _Prices:
    """The current and the schedule's annual dues of each plan, memoised per employee count."""

    def __init__(self, schedule: DuesSchedule | None, on: date) -> None:
        current_on = on
        if schedule is not None and schedule.status == DuesSchedule.Status.SCHEDULED:
            # An applied schedule is compared with what it replaces: the dues the day before.
            current_on = (schedule.effective_from or on) - timedelta(days=1)
        scheduled = DuesScheduleRule.objects.filter(
            schedule__status=DuesSchedule.Status.SCHEDULED,
            schedule__effective_from__lte=current_on,
        ).select_related("schedule")
        plans = MembershipPlan.objects.prefetch_related(
            "brackets",
            Prefetch(
                "dues_rules",
                queryset=scheduled.prefetch_related("brackets"),
                to_attr="scheduled_dues_rules",
            ),
        )
        self.names: dict[int, str] = {}
        self.current: dict[int, pricing.PricingRule] = {}
        for plan in plans:
            self.names[plan.pk] = plan.name
            self.current[plan.pk] = plan.pricing_rule(on=current_on)
        self.new = dict(self.current)
        if schedule is not None:
            for rule in schedule.rules.select_related("plan", "schedule").prefetch_related(
                "brackets"
            ):
                self.new[rule.plan_id] = rule.pricing_rule(rule.plan)
        self._memo: dict[tuple[int, int, bool], Decimal] = {}

    def dues(self, plan_id: int, employees: int, *, new: bool) -> Decimal:
        key = (plan_id, employees, new)
        amount = self._memo.get(key)
        if amount is None:
            rules = self.new if new else self.current
            amount = self._memo[key] = pricing.annual_dues(rules[plan_id], employees)
        return amount


def member_rows(
    *,
    schedule: DuesSchedule | None,
    on: date,
    prices: _Prices | None = None,
    ordered: bool = True,
) -> Iterator[MemberDues]:
    """Every member in good standing (active or in grace) with its dues today and under the
    schedule, by organization name (unless `ordered` is False: sums need no order); streamed,
    so 50,000 members never sit in memory."""
    prices = prices or _Prices(schedule, on)
    counties = dict(County.choices)
    members = (
        Membership.objects.filter(status__in=Membership.CURRENT_STATUSES)
        .order_by(*(("organization__name", "pk") if ordered else ()))
        .values_list(
            "pk",
            "organization_id",
            "organization__name",
            "organization__county",
            "organization__employees",
            "plan_id",
        )
    )
    for pk, org_id, name, county, employees, plan_id in members.iterator(chunk_size=2000):
        employees = employees or 0
        yield MemberDues(
            membership_id=pk,
            organization_id=org_id,
            organization=name,
            county=counties.get(county, county) if county else NO_COUNTY,
            plan=prices.names[plan_id],
            employees=employees,
            current=prices.dues(plan_id, employees, new=False),
            new=prices.dues(plan_id, employees, new=True),
        )


def dues_what_if(
    *,
    schedule: DuesSchedule,
    on: date | None = None,
    rise_above: Decimal = Decimal("10"),
    rising_limit: int = 500,
) -> WhatIf:
    """Today's and the schedule's dues for every member, in total, by plan and by county, and
    the members whose dues rise by more than `rise_above` percent (the first `rising_limit` of
    them, largest rise first; `rising_count` counts all)."""
    on = on or schedule.effective_from or timezone.localdate()
    result = WhatIf(on=on, rise_above=rise_above)
    for row in member_rows(schedule=schedule, on=on, ordered=False):
        result.total.add(row)
        result.by_plan.setdefault(row.plan, DuesTotal()).add(row)
        result.by_county.setdefault(row.county, DuesTotal()).add(row)
        if row.rises_above(rise_above):
            result.rising_count += 1
            result.rising.append(row)
            if len(result.rising) > rising_limit * 2:
                result.rising = _largest(result.rising, rising_limit)
    result.rising = _largest(result.rising, rising_limit)
    result.by_plan = dict(sorted(result.by_plan.items()))
    result.by_county = dict(sorted(result.by_county.items()))
    return result


def _largest(rows: list[MemberDues], limit: int) -> list[MemberDues]:
    return sorted(rows, key=lambda r: (-r.change, r.organization))[:limit]


# --- CSV ----------------------------------------------------------------------------------------

CSV_HEADER = [
    "organization",
    "county",
    "plan",
    "employees",
    "current dues",
    "new dues",
    "change",
    "change %",
]


def csv_safe(value: str) -> str:
    """A cell a spreadsheet must not run as a formula (names come from the website)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


class _Echo:
    def write(self, value: str) -> str:
        return value


def what_if_csv_lines(*, schedule: DuesSchedule, on: date) -> Iterator[str]:
    """The what-if as CSV lines, one member a line, for a streamed download."""
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    for row in member_rows(schedule=schedule, on=on):
        percent = row.change_percent
        yield writer.writerow(
            [
                csv_safe(row.organization),
                csv_safe(row.county),
                csv_safe(row.plan),
                row.employees,
                f"{row.current:.2f}",
                f"{row.new:.2f}",
                f"{row.change:.2f}",
                "" if percent is None else f"{percent}",
            ]
        )
