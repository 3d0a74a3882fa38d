from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters

from api.filters.staff_base import IdFilter, StaffFilterSet
from crm.models import (
    Affiliation,
    Contact,
    County,
    InvestorLevel,
    Membership,
    MembershipPlan,
    Note,
    Organization,
    Pledge,
    PledgeRenewalProposal,
)


def _overdue() -> Q:
    """A current member whose dues have run out: in grace, or active past its paid-through date."""
    return Q(status=Membership.Status.GRACE) | Q(
        status=Membership.Status.ACTIVE, paid_through__lt=timezone.localdate()
    )


def _having_membership(queryset: QuerySet, condition: Q, value: bool) -> QuerySet:
    # Exists() rather than the annotations: an organization without memberships has NULLs there,
    # which a negated SQL condition would silently drop.
    exists = Exists(Membership.objects.filter(condition, organization=OuterRef("pk")))
    return queryset.filter(exists if value else ~exists)


class OrganizationFilter(StaffFilterSet):
    status = filters.MultipleChoiceFilter(
        method="filter_status",
        distinct=False,
        choices=Membership.Status.choices,
        label="Status of the current membership (repeat for several).",
    )
    member = filters.BooleanFilter(
        method="filter_member", label="Has a membership in good standing (active or grace)."
    )
    plan = filters.CharFilter(field_name="membership_plan_code", label="Current plan's code.")
    # distinct=False on every multiple choice here: none crosses a to-many relation, and
    # django-filter's default SELECT DISTINCT sorted every filtered row with all its
    # annotations (4 s for a county at 50,000 organizations).
    county = filters.MultipleChoiceFilter(choices=County.choices, distinct=False)
    industry = filters.CharFilter(lookup_expr="iexact")
    city = filters.CharFilter(lookup_expr="iexact")
    paid_through_after = filters.DateFilter(
        field_name="membership_paid_through", lookup_expr="gte", label="Paid through on or after."
    )
    paid_through_before = filters.DateFilter(
        field_name="membership_paid_through", lookup_expr="lte", label="Paid through on or before."
    )
    overdue = filters.BooleanFilter(
        method="filter_overdue", label="Current member whose dues have run out (or not)."
    )
    contact = IdFilter(method="filter_contact", label="Has this contact (id).")

    class Meta:
        model = Organization
        fields = ["directory_listed"]

    def filter_status(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        if not value:
            return queryset
        # An organization has at most one open membership, and an open one is always its
        # current one: an open status is an indexed Exists() instead of the current-membership
        # subquery run for every organization (4 s against 0.3 s at 50,000 organizations).
        # A closed status (lapsed, cancelled, rejected) still needs the current membership.
        open_wanted = [s for s in value if s in Membership.OPEN_STATUSES]
        closed_wanted = [s for s in value if s not in Membership.OPEN_STATUSES]
        conditions: list[Any] = []
        if open_wanted:
            conditions.append(
                Exists(
                    Membership.objects.filter(organization=OuterRef("pk"), status__in=open_wanted)
                )
            )
        if closed_wanted:
            conditions.append(Q(membership_status__in=closed_wanted))
        condition = conditions[0]
        for other in conditions[1:]:
            condition = condition | other
        return queryset.filter(condition)

    def filter_member(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return _having_membership(queryset, Q(status__in=Membership.CURRENT_STATUSES), value)

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return _having_membership(queryset, _overdue(), value)

    def filter_contact(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return queryset.filter(
            Exists(Affiliation.objects.filter(organization=OuterRef("pk"), contact_id=value))
        )


class ContactFilter(StaffFilterSet):
    organization = IdFilter(method="filter_organization", label="Works here (id).")
    role = filters.ChoiceFilter(
        method="filter_role",
        choices=[("primary", "Primary"), ("billing", "Billing"), ("event", "Event contact")],
        label="Plays this role at some organization (or at `organization`, when given).",
    )
    email = filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = Contact
        fields: list[str] = []

    def _affiliations(self) -> QuerySet:
        affiliations = Affiliation.objects.filter(contact=OuterRef("pk"))
        organization = self.form.cleaned_data.get("organization")
        if organization:
            affiliations = affiliations.filter(organization_id=organization)
        return affiliations

    def filter_organization(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return queryset.filter(Exists(self._affiliations()))

    def filter_role(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        flag = {"primary": "is_primary", "billing": "is_billing", "event": "is_event_contact"}
        return queryset.filter(Exists(self._affiliations().filter(**{flag[value]: True})))


class AffiliationFilter(StaffFilterSet):
    class Meta:
        model = Affiliation
        fields = ["organization", "contact", "is_primary", "is_billing", "is_event_contact"]


class NoteFilter(StaffFilterSet):
    class Meta:
        model = Note
        fields = ["organization", "contact", "author"]


class MembershipPlanFilter(StaffFilterSet):
    class Meta:
        model = MembershipPlan
        fields = ["is_active", "offered_publicly", "pricing_kind", "billing_cycle"]


class InvestorLevelFilter(StaffFilterSet):
    class Meta:
        model = InvestorLevel
        fields = ["offered_publicly"]


class MembershipFilter(StaffFilterSet):
    status = filters.MultipleChoiceFilter(
        choices=Membership.Status.choices, distinct=False, label="Repeat for several."
    )
    plan = filters.CharFilter(field_name="plan__code", label="The plan's code.")
    county = filters.MultipleChoiceFilter(
        field_name="organization__county", choices=County.choices, distinct=False
    )
    industry = filters.CharFilter(field_name="organization__industry", lookup_expr="iexact")
    paid_through_after = filters.DateFilter(field_name="paid_through", lookup_expr="gte")
    paid_through_before = filters.DateFilter(field_name="paid_through", lookup_expr="lte")
    start_after = filters.DateFilter(field_name="start_date", lookup_expr="gte")
    start_before = filters.DateFilter(field_name="start_date", lookup_expr="lte")
    overdue = filters.BooleanFilter(
        method="filter_overdue", label="In grace, or active with dues run out (or not)."
    )

    class Meta:
        model = Membership
        fields = ["organization", "source", "auto_renew"]

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.filter(_overdue()) if value else queryset.exclude(_overdue())


class PledgeFilter(StaffFilterSet):
    status = filters.MultipleChoiceFilter(
        choices=Pledge.Status.choices, distinct=False, label="Repeat for several."
    )
    level = filters.CharFilter(field_name="level__code", label="The level's code.")
    start_after = filters.DateFilter(field_name="start_date", lookup_expr="gte")
    start_before = filters.DateFilter(field_name="start_date", lookup_expr="lte")

    class Meta:
        model = Pledge
        fields = ["organization", "contact", "installments_per_year"]


class PledgeRenewalProposalFilter(StaffFilterSet):
    status = filters.MultipleChoiceFilter(
        choices=PledgeRenewalProposal.Status.choices, distinct=False, label="Repeat for several."
    )
    organization = filters.NumberFilter(field_name="pledge__organization")

    class Meta:
        model = PledgeRenewalProposal
        fields = ["pledge", "level"]
