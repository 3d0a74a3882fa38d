"""Staff API serializers for benefits: their definitions with the plans and levels granting
them, the uses recorded, and each organization's granted, used and left this term."""

from typing import Any

from rest_framework import serializers

from api.serializers.staff_base import StaffModelSerializer, username
from crm.models import Benefit, BenefitGrant, BenefitUsage


class BenefitGrantSerializer(serializers.ModelSerializer):
    plan = serializers.CharField(
        source="plan.code", read_only=True, allow_null=True, help_text="The plan's code, or null."
    )
    level = serializers.CharField(
        source="level.code", read_only=True, allow_null=True, help_text="The level's code, or null."
    )

    class Meta:
        model = BenefitGrant
        fields = ["plan", "level", "quantity"]
        read_only_fields = fields


class BenefitSerializer(StaffModelSerializer):
    grants = BenefitGrantSerializer(
        many=True,
        read_only=True,
        help_text="The plans and investor levels granting it, so many a term (set in the admin).",
    )

    class Meta:
        model = Benefit
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "counted",
            "event_tag",
            "description",
            "sort_order",
            "grants",
            "created",
            "modified",
        ]
        read_only_fields = ["created", "modified"]


class BenefitUsageSerializer(StaffModelSerializer):
    benefit_name = serializers.CharField(source="benefit.name", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    recorded_by = username("recorded_by")
    quantity = serializers.IntegerField(min_value=1, max_value=1000, default=1)
    # Plain text in the schema: an enum would take the name "SourceEnum" from memberships'.
    source = serializers.CharField(  # type: ignore[assignment]  # a field, not Field.source
        read_only=True, help_text="registration (complimentary seats) or staff (recorded)."
    )
    given_back = serializers.SerializerMethodField(
        help_text="Given back (its registration was cancelled): no longer counted."
    )

    class Meta:
        model = BenefitUsage
        fields = [
            "id",
            "organization",
            "organization_name",
            "benefit",
            "benefit_name",
            "quantity",
            "used_on",
            "term_start",
            "source",
            "note",
            "recorded_by",
            "given_back",
            "returned_at",
            "created",
        ]
        read_only_fields = ["used_on", "term_start", "source", "returned_at", "created"]

    def get_given_back(self, obj: BenefitUsage) -> bool:
        return obj.returned_at is not None


class EntitlementSerializer(serializers.Serializer):
    benefit = serializers.IntegerField(help_text="The benefit's id.")
    code = serializers.CharField()
    name = serializers.CharField()
    counted = serializers.BooleanField(help_text="False: a yes/no benefit (granted 1).")
    granted = serializers.IntegerField(help_text="This term, by its plan and levels together.")
    used = serializers.IntegerField()
    left = serializers.IntegerField()
    sources = serializers.ListField(
        child=serializers.CharField(), help_text='What grants it ("Gold plan", ...).'
    )


class OrganizationBenefitsSerializer(serializers.Serializer):
    organization = serializers.IntegerField(help_text="The organization's id.")
    organization_name = serializers.CharField()
    term_start = serializers.DateField()
    term_end = serializers.DateField()
    benefits = EntitlementSerializer(many=True)


def organization_benefits_data(organization: Any, current: Any) -> dict[str, Any]:
    return {
        "organization": organization.pk,
        "organization_name": organization.name,
        "term_start": current.term_start,
        "term_end": current.term_end,
        "benefits": [
            {
                "benefit": e.benefit.pk,
                "code": e.benefit.code,
                "name": e.benefit.name,
                "counted": e.benefit.counted,
                "granted": e.granted,
                "used": e.used,
                "left": e.left,
                "sources": e.sources,
            }
            for e in current.entitlements
        ],
    }
