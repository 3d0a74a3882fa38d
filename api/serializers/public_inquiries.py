"""What the website's site-selector and contact forms send (docs/public-api.md)."""

from typing import Any

from rest_framework import serializers

from api.serializers.public import (
    ContactIn,
    InvestorOrganizationIn,
    _contact_input,
    _HoneypotMixin,
    _organization_input,
)
from crm.models import Inquiry


class InquiryIn(_HoneypotMixin):
    kind = serializers.ChoiceField(
        choices=Inquiry.Kind.choices,
        help_text="site_selector: the site-selection form (a business looking at the region); "
        "contact: the general contact form.",
    )
    organization = InvestorOrganizationIn()
    contact = ContactIn()
    message = serializers.CharField(max_length=4000, help_text="What the business asks.")

    def validate_message(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("Write your message.")
        return value

    def service_kwargs(self) -> dict[str, Any]:
        data = self.validated_data
        return {
            "kind": data["kind"],
            "organization": _organization_input(data["organization"]),
            "contact": _contact_input(data["contact"]),
            "message": data["message"],
        }


class InquiryOut(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["received"],
        help_text="Always received: the answer is the same whether or not the business or "
        "the person was known.",
    )
    message = serializers.CharField()
