"""Investing, on the website's API (docs/public-api.md, "Investing"): the investor levels
offered, what POST invest/ takes, and the pledge it answers with (its schedule of installments,
each with its invoice). The parts every public form shares are in public.py."""

from decimal import Decimal
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.public import (
    MAX_AMOUNT,
    ContactIn,
    InvestorOrganizationIn,
    InvoiceOut,
    PortalLinkMixin,
    _contact_input,
    _HoneypotMixin,
    _money,
    _organization_input,
    _text,
    validate_start,
)
from billing.money import format_usd
from crm import selectors
from crm.models import InvestorLevel, Pledge


class InvestIn(_HoneypotMixin):
    level = serializers.SlugField(max_length=50)
    annual_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0.01"), max_value=MAX_AMOUNT
    )
    term_years = serializers.IntegerField(min_value=1, max_value=10)
    installments_per_year = serializers.ChoiceField(
        choices=Pledge.InstallmentsPerYear.choices, required=False, default=1
    )
    start = serializers.DateField(required=False, validators=[validate_start])
    organization = InvestorOrganizationIn()
    contact = ContactIn()
    message = _text(2000)

    def validate_level(self, value: str) -> InvestorLevel:
        level = selectors.investor_level_list_public().filter(code=value).first()
        if level is None:
            raise serializers.ValidationError("Choose one of the investment levels offered.")
        return level

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        level: InvestorLevel = attrs["level"]
        if attrs["annual_amount"] < level.minimum_annual_amount:
            raise serializers.ValidationError(
                {
                    "annual_amount": [
                        f"The {level.name} level starts at "
                        f"{format_usd(level.minimum_annual_amount)} a year."
                    ]
                }
            )
        return attrs

    def service_kwargs(self) -> dict[str, Any]:
        data = self.validated_data
        return {
            "level": data["level"],
            "annual_amount": data["annual_amount"],
            "term_years": data["term_years"],
            "installments_per_year": int(data["installments_per_year"]),
            "start_date": data.get("start") or timezone.localdate(),
            "organization": _organization_input(data["organization"]),
            "contact": _contact_input(data["contact"]),
            "message": data.get("message", ""),
        }


class InvestorLevelOut(serializers.ModelSerializer):
    benefits = serializers.ListField(source="benefit_list", child=serializers.CharField())

    class Meta:
        model = InvestorLevel
        fields = ["code", "name", "minimum_annual_amount", "benefits"]


class InstallmentOut(serializers.Serializer):
    number = serializers.IntegerField()
    due_date = serializers.DateField()
    amount = _money()
    invoice = serializers.SerializerMethodField()

    @extend_schema_field(InvoiceOut(allow_null=True))
    def get_invoice(self, installment: Any) -> dict | None:
        invoice = self.context.get("invoices", {}).get(installment.pk)
        return None if invoice is None else InvoiceOut(invoice).data


class PledgeOut(PortalLinkMixin, serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display")
    organization = serializers.CharField(source="organization.name")
    level = serializers.CharField(source="level.code")
    level_name = serializers.CharField(source="level.name")
    start = serializers.DateField(source="start_date")
    total_commitment = _money()
    schedule = InstallmentOut(source="installments", many=True)

    class Meta:
        model = Pledge
        fields = [
            "reference",
            "status",
            "status_display",
            "organization",
            "level",
            "level_name",
            "annual_amount",
            "term_years",
            "installments_per_year",
            "start",
            "total_commitment",
            "schedule",
            "portal_url",
        ]
