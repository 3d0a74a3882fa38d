"""Staff API serializers for account work: prospects and their stages, tasks, interactions and
engagement scores with their factors."""

from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from rest_framework import serializers

from api.serializers.staff_base import StaffModelSerializer, username
from crm.models import Interaction, Prospect, Task

MAX_AMOUNT = Decimal("9999999999.99")


def _active_staff() -> Any:
    return get_user_model().objects.filter(is_active=True, is_staff=True)


class ProspectSerializer(StaffModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    account_owner = serializers.IntegerField(
        source="organization.account_owner_id",
        read_only=True,
        allow_null=True,
        help_text="The organization's account owner (a user id), or null.",
    )
    amount_proposed = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=MAX_AMOUNT,
        required=False,
        allow_null=True,
        help_text="The annual amount proposed, in dollars (a string). A proposal needs one.",
    )
    stage_note = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text="Why it moved (kept)."
    )
    # Plain text in the schema: an enum would take the name "SourceEnum" from memberships'.
    source = serializers.CharField(  # type: ignore[assignment]  # a field, not Field.source
        read_only=True, help_text="staff (entered by staff) or website (an inquiry)."
    )

    class Meta:
        model = Prospect
        fields = [
            "id",
            "organization",
            "organization_name",
            "account_owner",
            "stage",
            "amount_proposed",
            "stage_note",
            "stage_changed_at",
            "source",
            "created",
            "modified",
        ]
        read_only_fields = ["stage_changed_at", "source", "created", "modified"]
        # Created through prospect_move_stage; the one-per-organization rule is its lock's.
        validators: list[Any] = []

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["organization"].validators = []  # the service refuses a second prospect
        return fields


class MoveStageSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Prospect.Stage.choices)
    amount_proposed = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=MAX_AMOUNT,
        required=False,
        allow_null=True,
        default=None,
        help_text="The amount proposed; required to move to proposal unless already set.",
    )
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, default="", help_text="Why (kept)."
    )


class TaskSerializer(StaffModelSerializer):
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=_active_staff(), help_text="The staff member's user id."
    )
    done = serializers.BooleanField(
        source="is_done",
        required=False,
        help_text="Done (who and when in done_by and done_at). A PATCH with true marks it "
        "done, with false reopens it; a task is created open.",
    )
    done_by = username("done_by")
    created_by = username("created_by")
    reason = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="Why it changed (a PATCH): kept in the task's history with what changed.",
    )
    fixed_fields = {"organization": "A task stays about the organization it was made for."}

    class Meta:
        model = Task
        fields = [
            "id",
            "title",
            "notes",
            "organization",
            "assignee",
            "due_date",
            "done",
            "done_at",
            "done_by",
            "created_by",
            "created",
            "modified",
            "reason",
        ]
        read_only_fields = ["done_at", "created", "modified"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if self.instance is None and attrs.get("is_done"):
            raise serializers.ValidationError({"done": ["A task is created open."]})
        return attrs


class InteractionSerializer(StaffModelSerializer):
    recorded_by = username("recorded_by")

    class Meta:
        model = Interaction
        fields = [
            "id",
            "organization",
            "contact",
            "kind",
            "occurred_on",
            "summary",
            "recorded_by",
            "created",
        ]
        read_only_fields = ["created"]


class AccountOwnerSerializer(serializers.Serializer):
    account_owner = serializers.PrimaryKeyRelatedField(
        queryset=_active_staff(),
        allow_null=True,
        help_text="The staff member's user id, or null for none.",
    )


class FactorSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    weight = serializers.IntegerField(help_text="The most points this factor can give.")
    value = serializers.CharField(help_text="What was measured, in words.")
    points = serializers.IntegerField()
    explanation = serializers.CharField(help_text="How the value became the points.")


class EngagementScoreSerializer(serializers.Serializer):
    organization = serializers.IntegerField(help_text="The organization's id.")
    organization_name = serializers.CharField()
    score = serializers.IntegerField(help_text="The sum of the factors' points.")
    maximum = serializers.IntegerField(help_text="The sum of the factors' weights (100).")
    factors = FactorSerializer(many=True)


class AtRiskSerializer(EngagementScoreSerializer):
    membership = serializers.IntegerField(help_text="The membership's id.")
    plan = serializers.CharField(help_text="The plan's code.")
    renews_on = serializers.DateField(help_text="The day after which the dues run out.")


def score_data(organization: Any, engagement: Any) -> dict[str, Any]:
    return {
        "organization": organization.pk,
        "organization_name": organization.name,
        "score": engagement.score,
        "maximum": engagement.maximum,
        "factors": [factor.__dict__ for factor in engagement.factors],
    }
