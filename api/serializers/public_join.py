"""Joining, on the website's API (docs/public-api.md, "Joining"): the plans offered and their
quotes, what POST join/ takes, and the application it answers with (its quote and invoice).
The parts every public form shares (names, addresses, the honeypot) are in public.py."""

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.public import (
    MAX_EMPLOYEES,
    ContactIn,
    InvoiceOut,
    OrganizationIn,
    PortalLinkMixin,
    _contact_input,
    _HoneypotMixin,
    _money,
    _organization_input,
    _text,
    validate_start,
)
from crm import pricing, selectors
from crm.models import Membership, MembershipPlan


class JoinIn(_HoneypotMixin):
    plan = serializers.SlugField(max_length=50)
    # Optional for a plan a person joins as themself: the membership is then theirs, by name.
    organization = OrganizationIn(required=False, default=None)
    contact = ContactIn()
    billing_contact = ContactIn(required=False, allow_null=True, default=None)
    start = serializers.DateField(required=False, validators=[validate_start])
    message = _text(2000)

    def validate_plan(self, value: str) -> MembershipPlan:
        plan = selectors.plan_public(value)
        if plan is None:
            raise serializers.ValidationError("Choose one of the plans offered on the join page.")
        return plan

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        # What the plan asks of the organization is said with the other fields' errors.
        try:
            attrs = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            plan = (
                selectors.plan_public(data["plan"])
                if isinstance(data, dict) and isinstance(data.get("plan"), str)
                else None
            )
            organization = data.get("organization") if isinstance(data, dict) else None
            missing = _organization_missing(plan, organization)
            if missing and isinstance(exc.detail, dict):
                errors: dict[str, Any] = dict(exc.detail)
                known = errors.get("organization")
                errors["organization"] = {**missing, **(known if isinstance(known, dict) else {})}
                raise serializers.ValidationError(errors) from None
            raise
        missing = _organization_missing(attrs["plan"], attrs.get("organization"))
        if missing:
            raise serializers.ValidationError({"organization": missing})
        return attrs

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        organization = attrs.get("organization") or {}
        if not organization.get("name"):
            contact = attrs["contact"]
            organization = {
                **organization,
                "name": f"{contact['first_name']} {contact['last_name']}",
            }
        attrs["organization"] = organization
        return attrs

    def service_kwargs(self) -> dict[str, Any]:
        data = self.validated_data
        return {
            "plan": data["plan"],
            "organization": _organization_input(data["organization"]),
            "contact": _contact_input(data["contact"]),
            "billing_contact": _contact_input(data.get("billing_contact")),
            "start_date": data.get("start") or timezone.localdate(),
            "message": data.get("message", ""),
        }


def _organization_missing(plan: MembershipPlan | None, organization: Any) -> dict[str, list[str]]:
    """The organization's fields the plan needs and the caller left out."""
    if plan is None:
        return {}
    given = organization if isinstance(organization, dict) else {}
    missing = {}
    if plan.organization_required and not str(given.get("name") or "").strip():
        missing["name"] = ["Organization name: this field is required."]
    if plan.employees_required and given.get("employees") in (None, ""):
        missing["employees"] = [
            "Number of employees: this field is required (the dues depend on it)."
        ]
    return missing


class QuoteParams(serializers.Serializer):
    employees = serializers.IntegerField(
        min_value=0, max_value=MAX_EMPLOYEES, required=False, allow_null=True
    )
    start = serializers.DateField(required=False, validators=[validate_start])

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        plan: MembershipPlan = self.context["plan"]
        if attrs.get("employees") is None and plan.pricing_kind == pricing.BRACKETS:
            raise serializers.ValidationError(
                {"employees": ["Give the number of employees: the dues depend on it."]}
            )
        return attrs


class PlanOut(serializers.ModelSerializer):
    pricing = serializers.SerializerMethodField()
    organization_required = serializers.BooleanField(
        read_only=True,
        help_text="False for a plan a person joins as themself: `organization` may be left out.",
    )
    employees_required = serializers.BooleanField(
        read_only=True, help_text="The dues depend on `organization.employees`."
    )

    class Meta:
        model = MembershipPlan
        fields = [
            "code",
            "name",
            "description",
            "billing_cycle",
            "requires_review",
            "pricing",
            "organization_required",
            "employees_required",
        ]

    def get_pricing(self, plan: MembershipPlan) -> dict:
        rule = plan.pricing_rule(list(plan.brackets.all()), on=timezone.localdate())
        return pricing.describe_rule(rule)


class QuoteLineOut(serializers.Serializer):
    description = serializers.CharField()
    amount = _money()


class QuoteOut(serializers.Serializer):
    employees = serializers.IntegerField()
    annual_dues = _money()
    prorated_amount = _money()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    lines = QuoteLineOut(many=True)
    total = _money()
    explanation = serializers.CharField()


class ApplicationOut(PortalLinkMixin, serializers.Serializer):
    """An application as the answer to POST join/ shows it. The context carries its `invoice`
    (or None) and its `quote`."""

    reference = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    organization = serializers.CharField(source="organization.name")
    plan = serializers.CharField(source="plan.code")
    plan_name = serializers.CharField(source="plan.name")
    start = serializers.DateField(source="start_date")
    paid_through = serializers.DateField(allow_null=True)
    quote = serializers.SerializerMethodField()
    invoice = serializers.SerializerMethodField()

    @extend_schema_field(QuoteOut)
    def get_quote(self, membership: Membership) -> dict:
        return QuoteOut(self.context["quote"]).data

    @extend_schema_field(InvoiceOut(allow_null=True))
    def get_invoice(self, membership: Membership) -> dict | None:
        invoice = self.context.get("invoice")
        return None if invoice is None else InvoiceOut(invoice).data


class ApplicationStateOut(ApplicationOut):
    """An application as GET join/<reference>/ shows it: the same, but for the quote, which
    only the answer to POST join/ carries. Its own component, so the schema says so."""

    quote = None  # type: ignore[assignment]
