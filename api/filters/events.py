from django.db.models import QuerySet
from django_filters import rest_framework as filters

from api.filters.staff_base import StaffFilterSet
from events.models import Event, Registration, TicketType


class EventFilter(StaffFilterSet):
    status = filters.MultipleChoiceFilter(
        choices=Event.Status.choices, distinct=False, label="Repeat for several."
    )
    starts_after = filters.DateFilter(
        field_name="starts_at__date", lookup_expr="gte", label="Starts on or after (a date)."
    )
    starts_before = filters.DateFilter(
        field_name="starts_at__date", lookup_expr="lte", label="Starts on or before (a date)."
    )

    class Meta:
        model = Event
        fields = ["waitlist_enabled"]


class TicketTypeFilter(StaffFilterSet):
    class Meta:
        model = TicketType
        fields = ["event", "members_only"]


class RegistrationFilter(StaffFilterSet):
    status = filters.MultipleChoiceFilter(
        choices=Registration.Status.choices, distinct=False, label="Repeat for several."
    )
    checked_in = filters.BooleanFilter(
        method="filter_checked_in", label="Checked in at the door (or not)."
    )
    payment = filters.ChoiceFilter(choices=Registration.Payment.choices)

    class Meta:
        model = Registration
        fields = ["event", "ticket_type", "organization", "contact", "member_pricing"]

    def filter_checked_in(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        checked_in = Registration.Status.CHECKED_IN
        return queryset.filter(status=checked_in) if value else queryset.exclude(status=checked_in)
