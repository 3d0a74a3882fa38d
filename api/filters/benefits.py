from django_filters import rest_framework as filters

from api.filters.staff_base import IdFilter, StaffFilterSet
from crm.models import Benefit, BenefitUsage


class BenefitFilter(StaffFilterSet):
    kind = filters.MultipleChoiceFilter(choices=Benefit.Kind.choices, distinct=False)

    class Meta:
        model = Benefit
        fields = ["counted"]


class BenefitUsageFilter(StaffFilterSet):
    organization = IdFilter(field_name="organization")
    benefit = IdFilter(field_name="benefit")
    used_after = filters.DateFilter(field_name="used_on", lookup_expr="gte")
    used_before = filters.DateFilter(field_name="used_on", lookup_expr="lte")
    given_back = filters.BooleanFilter(
        field_name="returned_at", lookup_expr="isnull", exclude=True, label="Given back (or not)."
    )

    class Meta:
        model = BenefitUsage
        fields = ["source"]
