"""What the website sends to and reads from /api/v1/public/ (docs/public-api.md).

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

from billing.money import format_usd
from billing.selectors import invoice_public_data
from crm import pricing, selectors
from crm.models import (
    InvestorLevel,
    Membership,
    MembershipPlan,
    Pledge,
)
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


# --- Answers --------------------------------------------------------------------------------


def _money() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)


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
