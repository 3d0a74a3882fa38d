"""Reads for the account owners: engagement scores from the facts the system has, members at
risk before their renewal, and a staff member's overview of their accounts."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from billing.models import Invoice
from billing.selectors import invoice_list
from crm.engagement import (
    EVENTS_MONTHS,
    PAYMENT_YEARS,
    SIGN_IN_MONTHS,
    EngagementFacts,
    EngagementScore,
    engagement_score,
)
from crm.models import Affiliation, Membership, Organization, Prospect, Task
from crm.selectors import organization_list
from crm.selectors.benefits import OrganizationBenefits, organization_benefits, used_share

# --- Engagement, members at risk and the account owner's overview ---------------------------

# events.Registration.Status.CHECKED_IN, named here by value: crm does not import events.
_CHECKED_IN = "checked_in"


def _per_organization(rows: QuerySet, value: Any) -> Subquery:
    """`value` (an aggregate) over `rows` of the organization in hand (rows.organization_id
    is the outer query's pk)."""
    return Subquery(
        rows.filter(organization_id=OuterRef("pk"))
        .order_by()
        .values("organization_id")
        .annotate(value=value)
        .values("value")
    )


def organization_engagement(
    *,
    organization_ids: list[int],
    today: date,
    benefits: dict[int, OrganizationBenefits] | None = None,
) -> dict[int, EngagementScore]:
    """The engagement score of each organization (crm/engagement.py), from its facts read in
    six queries at most however many organizations there are: one for its events, payments,
    membership and sign-ins, one for its open invoices and four for its benefits
    (crm.selectors.benefits; none when `benefits`, already read for today, are given)."""
    ids = list(organization_ids)
    if not ids:
        return {}
    now = timezone.now()
    # Distinct events its people (anyone linked to it) checked in to in the last 12 months.
    attended = Affiliation.objects.filter(
        contact__registrations__status=_CHECKED_IN,
        contact__registrations__event__starts_at__gte=now
        - timedelta(days=365 * EVENTS_MONTHS // 12),
        contact__registrations__event__starts_at__lte=now,
    )
    paid = Invoice.objects.filter(
        status=Invoice.Status.PAID,
        due_date__isnull=False,
        paid_at__gte=now - timedelta(days=365 * PAYMENT_YEARS),
    )
    signed_in = Affiliation.objects.filter(
        contact__portal_sign_ins__signed_in_at__gte=now - timedelta(days=365 * SIGN_IN_MONTHS // 12)
    )
    counted = (
        Organization.objects.filter(pk__in=ids)
        .values("pk")
        .annotate(
            events_attended=_per_organization(
                attended, Count("contact__registrations__event", distinct=True)
            ),
            invoices_paid=_per_organization(paid, Count("pk")),
            invoices_paid_on_time=_per_organization(
                paid, Count("pk", filter=Q(paid_at__date__lte=F("due_date")))
            ),
            member_since=_per_organization(
                Membership.objects.filter(member_since__isnull=False), Min("member_since")
            ),
            portal_sign_ins=_per_organization(
                signed_in, Count("contact__portal_sign_ins", distinct=True)
            ),
        )
    )
    facts: dict[int, dict[str, Any]] = {pk: {} for pk in ids}
    for row in counted:
        facts[row["pk"]].update(
            (name, value) for name, value in row.items() if name != "pk" and value is not None
        )
    for invoice in invoice_list().filter(organization_id__in=ids, status=Invoice.Status.OPEN):
        due = invoice.amount_due
        owed = facts[invoice.organization_id]
        owed["open_balance"] = owed.get("open_balance", Decimal("0")) + due
        if invoice.due_date is not None and invoice.due_date < today:
            owed["overdue_balance"] = owed.get("overdue_balance", Decimal("0")) + due
    if benefits is None:
        benefits = organization_benefits(organization_ids=ids, today=today)
    for pk in ids:
        used, granted = used_share(benefits[pk])
        facts[pk].update(benefits_used=used, benefits_granted=granted)
    return {pk: engagement_score(EngagementFacts(**facts[pk]), today=today) for pk in ids}


@dataclass
class AtRisk:
    membership: Membership
    engagement: EngagementScore


def members_at_risk(
    *,
    today: date,
    days: int | None = None,
    threshold: int | None = None,
    owner: Any = None,
) -> list[AtRisk]:
    """Members renewing within `days` (ENGAGEMENT_RISK_DAYS) whose engagement score is below
    `threshold` (ENGAGEMENT_RISK_THRESHOLD), soonest renewal first; `owner`: only the accounts
    of that staff member. Five queries whatever their number."""
    days = settings.ENGAGEMENT_RISK_DAYS if days is None else days
    threshold = settings.ENGAGEMENT_RISK_THRESHOLD if threshold is None else threshold
    renewing = Membership.objects.select_related("organization", "plan").filter(
        status__in=Membership.CURRENT_STATUSES,
        paid_through__gte=today,
        paid_through__lte=today + timedelta(days=days),
    )
    if owner is not None:
        renewing = renewing.filter(organization__account_owner=owner)
    memberships = list(renewing.order_by("paid_through", "organization__name", "pk"))
    scores = organization_engagement(
        organization_ids=[m.organization_id for m in memberships], today=today
    )
    return [
        AtRisk(membership=m, engagement=scores[m.organization_id])
        for m in memberships
        if scores[m.organization_id].score < threshold
    ]


def account_overview(*, user: Any, today: date) -> dict[str, Any]:
    """What the "My accounts" page and the weekly mail show a staff member: the organizations
    they own, their open tasks (overdue first), the prospects they own by stage, and their
    members at risk."""
    organizations = list(organization_list().filter(account_owner=user).order_by("name", "pk"))
    tasks = list(
        Task.objects.filter(assignee=user, done_at__isnull=True)
        .select_related("organization")
        .order_by("due_date", "pk")
    )
    prospects = list(
        Prospect.objects.filter(organization__account_owner=user)
        .select_related("organization")
        .order_by("-stage_changed_at", "pk")
    )
    by_stage = [
        (Prospect.Stage(stage).label, [p for p in prospects if p.stage == stage])
        for stage in Prospect.Stage.values
    ]
    return {
        "organizations": organizations,
        "tasks": tasks,
        "tasks_overdue": [t for t in tasks if t.due_date < today],
        "tasks_due_this_week": [t for t in tasks if today <= t.due_date < today + timedelta(7)],
        "prospects_by_stage": by_stage,
        "at_risk": members_at_risk(today=today, owner=user),
    }
