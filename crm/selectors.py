"""Reads that the admin, the API and the pages share, each written once with its joins."""

from django.db.models import CharField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Concat

from crm.models import Affiliation, Membership, MembershipPlan, Organization


def _latest_membership() -> QuerySet[Membership]:
    """The membership that describes an organization now: its open one, else its latest."""
    return Membership.objects.filter(organization=OuterRef("pk")).order_by(
        # Open memberships sort first (False < True), then the newest.
        _is_closed_expression(),
        "-start_date",
        "-pk",
    )


def _is_closed_expression():
    from django.db.models import BooleanField, Case, When

    return Case(
        When(status__in=Membership.OPEN_STATUSES, then=Value(False)),
        default=Value(True),
        output_field=BooleanField(),
    )


def organization_list() -> QuerySet[Organization]:
    """Organizations with their current membership and primary representative, in one query."""
    latest = _latest_membership()
    primary = Affiliation.objects.filter(organization=OuterRef("pk"), is_primary=True)
    return Organization.objects.annotate(
        membership_id=Subquery(latest.values("pk")[:1]),
        membership_status=Subquery(latest.values("status")[:1]),
        membership_plan=Subquery(latest.values("plan__name")[:1]),
        membership_plan_code=Subquery(latest.values("plan__code")[:1]),
        membership_paid_through=Subquery(latest.values("paid_through")[:1]),
        primary_contact_id=Subquery(primary.values("contact_id")[:1]),
        primary_contact_name=Subquery(
            primary.annotate(
                full=Concat(
                    "contact__first_name",
                    Value(" "),
                    "contact__last_name",
                    output_field=CharField(),
                )
            ).values("full")[:1]
        ),
        primary_contact_email=Subquery(primary.values("contact__email")[:1]),
    )


def membership_list() -> QuerySet[Membership]:
    return Membership.objects.select_related("organization", "plan")


def membership_open_for(organization: Organization) -> Membership | None:
    return (
        Membership.objects.filter(organization=organization, status__in=Membership.OPEN_STATUSES)
        .select_related("plan")
        .first()
    )


def organization_is_member(organization_id: int) -> bool:
    """Active or in grace: member prices and member-only tickets."""
    return Membership.objects.filter(
        organization_id=organization_id, status__in=Membership.CURRENT_STATUSES
    ).exists()


def plan_list_public() -> QuerySet[MembershipPlan]:
    return MembershipPlan.objects.filter(offered_publicly=True, is_active=True).prefetch_related(
        "brackets"
    )
