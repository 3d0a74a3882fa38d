"""What the website sends to and reads from /api/v1/public/ (docs/public-api.md): the parts
every public form and answer shares (names, addresses, the honeypot, an invoice, the portal's
link) and the portal's sign-in link. Each topic has its module beside this one: public_join
(plans, quotes, applications), public_invest (levels, pledges), public_directory,
public_events, public_inquiries, public_newsletters.

Input serializers only check the shape and the limits of what an anonymous caller sends, so a
wrong field gets a clear 400 before anything is written; the services decide everything else.
Output never carries a contact's email or phone, nor anything about another caller."""

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxLengthValidator, URLValidator
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from billing.selectors import invoice_public_data
from crm.services.applications import (
    START_AHEAD_DAYS,
    START_BACK_DAYS,
    AddressInput,
    ContactInput,
    OrganizationInput,
)

MAX_EMPLOYEES = 1_000_000
MAX_AMOUNT = Decimal("9999999999.99")  # twelve digits, as every money column
HONEYPOT = "company_fax"

_PHONE = re.compile(r"^[0-9+().\-\s/xXext]*$")
_POSTAL = re.compile(r"^[0-9A-Za-z][0-9A-Za-z \-]{1,9}$")
_STATE = re.compile(r"^[A-Za-z]{2}$")
_HAS_WORD = re.compile(r"\w")


def _text(max_length: int, **kwargs: Any) -> serializers.CharField:
    kwargs.setdefault("required", False)
    kwargs.setdefault("allow_blank", True)
    if not kwargs["required"]:
        kwargs.setdefault("default", "")
    return serializers.CharField(max_length=max_length, **kwargs)


def _phone(value: str) -> None:
    if not _PHONE.match(value):
        raise serializers.ValidationError("Use digits, spaces and + ( ) - . only.")
    if value and sum(ch.isdigit() for ch in value) < 7:
        raise serializers.ValidationError("Enter a phone number with its area code.")


def _has_word(value: str) -> None:
    if value and not _HAS_WORD.search(value):
        raise serializers.ValidationError("Enter a name with letters or digits.")


def _website(value: str) -> str:
    if not value:
        return ""
    if "://" not in value:
        value = "https://" + value
    try:
        URLValidator(schemes=["http", "https"])(value)
    except Exception:
        raise serializers.ValidationError(
            "Enter the address of your website, like https://example.com."
        ) from None
    if len(value) > 300:
        raise serializers.ValidationError("Use at most 300 characters.")
    return value


def validate_start(value: date) -> None:
    today = timezone.localdate()
    if value < today - timedelta(days=START_BACK_DAYS):
        raise serializers.ValidationError(
            f"Choose a start date no earlier than {(today - timedelta(days=START_BACK_DAYS))}."
        )
    if value > today + timedelta(days=START_AHEAD_DAYS):
        raise serializers.ValidationError("Choose a start date within the next year.")


class NamedErrors(serializers.Serializer):
    """Input whose messages name their field ("First name: this field is required."), so a
    message read out of place (a summary, a screen reader, a log) still says what is wrong.
    `labels` names the fields whose attribute name is not what the form calls them."""

    labels: dict[str, str] = {}

    def run_validation(self, data: Any = empty) -> Any:
        # A required part left out (an empty form's "contact") names each of its own fields.
        if data is empty and self.required and self.parent is not None:
            data = {}
        return super().run_validation(data)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for name, field in fields.items():
            label = self.labels.get(name) or field.label or name.replace("_", " ").capitalize()
            required = f"{label}: this field is required."
            messages = {"required": required, "blank": required, "null": required}
            max_length = getattr(field, "max_length", None)
            if isinstance(field, serializers.CharField) and max_length:
                too_long = f"{label}: use at most {max_length} characters."
                messages["max_length"] = too_long
                field.validators = [
                    MaxLengthValidator(max_length, message=too_long)
                    if isinstance(v, MaxLengthValidator)
                    else v
                    for v in field.validators
                ]
            field.error_messages = {**field.error_messages, **messages}
        return fields


class AddressIn(NamedErrors):
    labels = {"line1": "Street address", "line2": "Suite or floor", "postal_code": "ZIP code"}

    line1 = _text(200)
    line2 = _text(200)
    city = _text(100)
    state = _text(2)
    postal_code = _text(10)

    def validate_state(self, value: str) -> str:
        if value and not _STATE.match(value):
            raise serializers.ValidationError("Use the two-letter state code, like CT.")
        return value.upper()

    def validate_postal_code(self, value: str) -> str:
        if value and not _POSTAL.match(value):
            raise serializers.ValidationError("Enter a postal code like 06103.")
        return value


class OrganizationIn(NamedErrors):
    labels = {"name": "Organization name", "employees": "Number of employees"}

    # Required unless the plan is one a person joins as themself (JoinIn.validate); the number
    # of employees, when the plan's dues depend on it.
    name = serializers.CharField(
        max_length=200, validators=[_has_word], required=False, allow_blank=True, default=""
    )
    website = _text(300)
    employees = serializers.IntegerField(
        min_value=0, max_value=MAX_EMPLOYEES, required=False, allow_null=True, default=None
    )
    phone = _text(40, validators=[_phone])
    address = AddressIn(required=False)
    industry = _text(100)
    directory_listed = serializers.BooleanField(required=False, default=False)

    def validate_website(self, value: str) -> str:
        return _website(value)


# An organization whose name is required (an investor's, an inquiry's).
class InvestorOrganizationIn(OrganizationIn):
    name = serializers.CharField(max_length=200, validators=[_has_word])


class ContactIn(NamedErrors):
    first_name = serializers.CharField(max_length=100, validators=[_has_word])
    last_name = serializers.CharField(max_length=100, validators=[_has_word])
    email = serializers.EmailField(max_length=254)
    phone = _text(40, validators=[_phone])
    title = _text(150)


def _organization_input(data: dict[str, Any]) -> OrganizationInput:
    address = data.get("address") or {}
    return OrganizationInput(
        name=data["name"],
        website=data.get("website", ""),
        employees=data.get("employees"),
        phone=data.get("phone", ""),
        address=AddressInput(**address),
        industry=data.get("industry", ""),
        directory_listed=data.get("directory_listed", False),
    )


def _contact_input(data: dict[str, Any] | None) -> ContactInput | None:
    return None if data is None else ContactInput(**data)


class _HoneypotMixin(NamedErrors):
    # A field people never see or fill (hidden on the pages); bots fill every field they find.
    company_fax = _text(200)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.pop(HONEYPOT, ""):
            raise serializers.ValidationError(
                "We could not accept this form. Please check it and try again."
            )
        return attrs


# --- Answers --------------------------------------------------------------------------------


def _money() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)


class InvoiceOut(serializers.Serializer):
    """The payer's own invoice (reached only through its application's or pledge's reference)."""

    number = serializers.CharField()
    status = serializers.CharField()
    total = _money()
    amount_due = _money()
    due_date = serializers.DateField(allow_null=True)
    pay_url = serializers.CharField(
        allow_null=True, help_text="Stripe's hosted invoice page; null without Stripe."
    )
    payment_instructions = serializers.CharField(
        allow_null=True, help_text="How to pay when there is no pay_url."
    )
    pay_link_pending = serializers.BooleanField(
        help_text="Stripe's pay page could not be made yet (an outage): it is retried in the "
        "background and its link emailed to the payer."
    )
    next_step = serializers.CharField(
        allow_null=True, help_text="What happens next, when it is not simply paying at pay_url."
    )

    def to_representation(self, instance: Any) -> dict:
        return invoice_public_data(instance) or {}


def portal_sign_in_url() -> str:
    """The member portal's sign-in page, where the website sends people to manage what they
    have with the chamber (docs/portal.md)."""
    return settings.SITE_URL.rstrip("/") + reverse("portal:sign-in")


class PortalLinkMixin(serializers.Serializer):
    """`portal_url`: where the person signs in to the member portal (the same for everyone)."""

    portal_url = serializers.SerializerMethodField(
        help_text="The member portal's sign-in page: the person's organization, invoices and "
        "registrations, once their address is on file."
    )

    @extend_schema_field(serializers.URLField())
    def get_portal_url(self, obj: Any) -> str:
        return portal_sign_in_url()


class PortalSignInLinkIn(_HoneypotMixin):
    email = serializers.EmailField(max_length=254)


class PortalSignInLinkOut(serializers.Serializer):
    status = serializers.CharField(help_text="Always `sent_if_known`.")
    message = serializers.CharField()
    portal_url = serializers.URLField()
