from django.db.models import QuerySet
from django_filters import rest_framework as filters

from api.filters.staff_base import StaffFilterSet
from billing.models import Payout


class PayoutFilter(StaffFilterSet):
    status = filters.MultipleChoiceFilter(
        choices=Payout.Status.choices, distinct=False, label="Repeat for several."
    )
    arrival_after = filters.DateFilter(
        field_name="arrival_date", lookup_expr="gte", label="Arrived on or after."
    )
    arrival_before = filters.DateFilter(
        field_name="arrival_date", lookup_expr="lte", label="Arrived on or before."
    )
    reconciled = filters.BooleanFilter(
        field_name="reconciled_at",
        lookup_expr="isnull",
        exclude=True,
        label="Its balance transactions were read and matched (or not yet).",
    )
    reviewed = filters.BooleanFilter(
        field_name="reviewed_at",
        lookup_expr="isnull",
        exclude=True,
        label="Signed off by finance (or not yet).",
    )
    exported = filters.BooleanFilter(
        method="filter_exported", label="In a journal batch (or not yet)."
    )

    class Meta:
        model = Payout
        fields: list[str] = []

    def filter_exported(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.filter(journal_batch__isnull=not value)
