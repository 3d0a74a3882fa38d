"""Reads of benefits as entitlements: an organization's term, what its plan and its investor
levels grant it this term, what it used and what is left; the usage report by level. The
organization's page, the portal, the staff API, the engagement score and the report share them.

An organization's term is its membership year (the year its current membership's paid-through
date ends; a member paid ahead is in the year that contains today), else the year of its
confirmed pledge (from the pledge's start), else the calendar year. Grants come from the plan
of its current membership (active or in grace) and the levels of its pledges in force
(confirmed, started, not past their term)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Q, Sum

from crm.models import (
    Benefit,
    BenefitGrant,
    BenefitUsage,
    InvestorLevel,
    Membership,
    Organization,
    Pledge,
)


def add_years(day: date, years: int) -> date:
    """`day` moved by whole years (February 29 becomes February 28 in other years)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def term_containing(anchor: date, today: date) -> tuple[date, date]:
    """The year starting on `anchor`'s day and month that contains `today`: (first, last day)."""
    start = add_years(anchor, today.year - anchor.year)
    if start > today:
        start = add_years(anchor, today.year - anchor.year - 1)
    return start, add_years(start, 1) - timedelta(days=1)


@dataclass
class Entitlement:
    benefit: Benefit
    granted: int
    used: int = 0
    sources: list[str] = field(default_factory=list)  # "Gold plan", "Chairman's Circle level"

    @property
    def left(self) -> int:
        return max(self.granted - self.used, 0)


@dataclass
class OrganizationBenefits:
    organization_id: int
    term_start: date
    term_end: date
    entitlements: list[Entitlement] = field(default_factory=list)
    level_ids: list[int] = field(default_factory=list)

    @property
    def counted(self) -> list[Entitlement]:
        return [e for e in self.entitlements if e.benefit.counted]

    def of(self, benefit_id: int) -> Entitlement | None:
        return next((e for e in self.entitlements if e.benefit.pk == benefit_id), None)


def _current_memberships(ids: list[int]) -> dict[int, Membership]:
    rows = Membership.objects.filter(
        organization_id__in=ids, status__in=Membership.CURRENT_STATUSES
    ).select_related("plan")
    return {m.organization_id: m for m in rows}


def _pledges_in_force(ids: list[int], today: date) -> dict[int, list[Pledge]]:
    found: dict[int, list[Pledge]] = defaultdict(list)
    rows = Pledge.objects.filter(
        organization_id__in=ids, status=Pledge.Status.CONFIRMED, start_date__lte=today
    ).select_related("level")
    for pledge in rows.order_by("start_date", "pk"):
        if add_years(pledge.start_date, pledge.term_years) > today:
            found[pledge.organization_id].append(pledge)
    return found


def _term(membership: Membership | None, pledges: list[Pledge], today: date) -> tuple[date, date]:
    if membership is not None and membership.paid_through is not None:
        return term_containing(membership.paid_through + timedelta(days=1), today)
    if pledges:
        return term_containing(pledges[0].start_date, today)
    return date(today.year, 1, 1), date(today.year, 12, 31)


def organization_benefits(
    *, organization_ids: list[int], today: date
) -> dict[int, OrganizationBenefits]:
    """Each organization's term and, per benefit granted to it, granted, used and left this
    term, in four queries however many organizations there are."""
    ids = list(dict.fromkeys(organization_ids))
    if not ids:
        return {}
    memberships = _current_memberships(ids)
    pledges = _pledges_in_force(ids, today)
    plan_ids = {m.plan_id for m in memberships.values()}
    level_ids = {p.level_id for found in pledges.values() for p in found}
    # Nothing to grant (no current plan nor level in force): no grant nor use to read.
    grants = (
        []
        if not plan_ids and not level_ids
        else list(
            BenefitGrant.objects.filter(Q(plan_id__in=plan_ids) | Q(level_id__in=level_ids))
            .select_related("benefit", "plan", "level")
            .order_by("benefit__sort_order", "benefit__name", "pk")
        )
    )
    result: dict[int, OrganizationBenefits] = {}
    for pk in ids:
        membership, found = memberships.get(pk), pledges.get(pk, [])
        start, end = _term(membership, found, today)
        benefits = OrganizationBenefits(
            organization_id=pk,
            term_start=start,
            term_end=end,
            level_ids=list(dict.fromkeys(p.level_id for p in found)),
        )
        by_benefit: dict[int, Entitlement] = {}
        for grant in grants:
            if membership is not None and grant.plan_id == membership.plan_id:
                source = f"{grant.plan} plan"
            elif grant.level_id in benefits.level_ids:
                source = f"{grant.level} level"
            else:
                continue
            entitlement = by_benefit.setdefault(
                grant.benefit_id, Entitlement(benefit=grant.benefit, granted=0)
            )
            entitlement.granted += grant.quantity
            entitlement.sources.append(source)
        benefits.entitlements = list(by_benefit.values())
        result[pk] = benefits
    if not grants:
        return result
    used = (
        BenefitUsage.objects.filter(
            organization_id__in=ids,
            term_start__in={b.term_start for b in result.values()},
            returned_at__isnull=True,
        )
        .values("organization_id", "benefit_id", "term_start")
        .annotate(n=Sum("quantity"))
    )
    for row in used:
        benefits = result[row["organization_id"]]
        counted = benefits.of(row["benefit_id"])
        if counted is not None and row["term_start"] == benefits.term_start:
            counted.used = row["n"]
    return result


def organization_benefits_of(organization: Organization, *, today: date) -> OrganizationBenefits:
    return organization_benefits(organization_ids=[organization.pk], today=today)[organization.pk]


@dataclass
class LevelUsage:
    level: InvestorLevel
    organizations: int
    granted: int
    used: int
    least: list[tuple[Organization, OrganizationBenefits]]  # lowest share used first

    @property
    def share(self) -> int | None:
        return 100 * self.used // self.granted if self.granted else None


def used_share(benefits: OrganizationBenefits) -> tuple[int, int]:
    """Counted benefits used and granted this term."""
    counted = benefits.counted
    return sum(min(e.used, e.granted) for e in counted), sum(e.granted for e in counted)


def benefit_usage_by_level(*, today: date, least: int = 5) -> list[LevelUsage]:
    """For each investor level: the organizations with a pledge in force at it, the counted
    benefits granted them this term and used, and the `least` who used the smallest share
    (the renewal risks), fewest first. A fixed number of queries."""
    levels = list(InvestorLevel.objects.all())
    in_force = Pledge.objects.filter(
        status=Pledge.Status.CONFIRMED, start_date__lte=today
    ).values_list("organization_id", flat=True)
    organizations = {o.pk: o for o in Organization.objects.filter(pk__in=in_force)}
    benefits = organization_benefits(organization_ids=list(organizations), today=today)
    rows = []
    for level in levels:
        members = [b for b in benefits.values() if level.pk in b.level_ids]
        shares = [(b, *used_share(b)) for b in members]
        ranked = sorted(
            shares,
            key=lambda s: (s[1] / s[2] if s[2] else 1, organizations[s[0].organization_id].name),
        )
        rows.append(
            LevelUsage(
                level=level,
                organizations=len(members),
                granted=sum(s[2] for s in shares),
                used=sum(s[1] for s in shares),
                least=[(organizations[b.organization_id], b) for b, _, _ in ranked[:least]],
            )
        )
    return rows


def benefit_usage_list() -> Any:
    """Uses of benefits with what their lists show, in one query."""
    return BenefitUsage.objects.select_related("organization", "benefit", "recorded_by")
