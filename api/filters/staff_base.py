import django_filters


class StaffFilterSet(django_filters.FilterSet):
    """Filters every staff list has: when a record was created, and what changed since a moment
    (for integrations that sync incrementally)."""

    created_after = django_filters.IsoDateTimeFilter(
        field_name="created", lookup_expr="gte", label="Created at or after (ISO 8601)."
    )
    created_before = django_filters.IsoDateTimeFilter(
        field_name="created", lookup_expr="lt", label="Created before (ISO 8601)."
    )
    modified_since = django_filters.IsoDateTimeFilter(
        field_name="modified", lookup_expr="gte", label="Changed at or after (ISO 8601)."
    )
