from django_filters import rest_framework as filters

from api.filters.staff_base import IdFilter, StaffFilterSet
from crm.models import Interaction, Prospect, Task


class ProspectFilter(StaffFilterSet):
    stage = filters.MultipleChoiceFilter(
        choices=Prospect.Stage.choices, distinct=False, label="Stage (repeat for several)."
    )
    account_owner = IdFilter(
        field_name="organization__account_owner", label="The account owner's user id."
    )
    organization = IdFilter(field_name="organization")

    class Meta:
        model = Prospect
        fields = ["source"]


class TaskFilter(StaffFilterSet):
    assignee = IdFilter(field_name="assignee", label="The assignee's user id.")
    organization = IdFilter(field_name="organization")
    done = filters.BooleanFilter(
        field_name="done_at", lookup_expr="isnull", exclude=True, label="Done (or open)."
    )
    due_before = filters.DateFilter(field_name="due_date", lookup_expr="lte", label="Due by.")
    due_after = filters.DateFilter(field_name="due_date", lookup_expr="gte", label="Due from.")

    class Meta:
        model = Task
        fields: list[str] = []


class InteractionFilter(StaffFilterSet):
    organization = IdFilter(field_name="organization")
    contact = IdFilter(field_name="contact")
    kind = filters.MultipleChoiceFilter(choices=Interaction.Kind.choices, distinct=False)
    occurred_after = filters.DateFilter(field_name="occurred_on", lookup_expr="gte")
    occurred_before = filters.DateFilter(field_name="occurred_on", lookup_expr="lte")

    class Meta:
        model = Interaction
        fields: list[str] = []
