"""Staff API serializers for the CRM: explicit fields, ids for references, and small read-only
summaries where a client would otherwise need a second request."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.staff_base import StaffModelSerializer, nullable, username
from crm.directory import logo_url
from crm.models import (
    Affiliation,
    Contact,
    DirectoryCategory,
    InvestorLevel,
    Membership,
    MembershipPlan,
    MembershipPlanChange,
    MembershipTransition,
    Note,
    Organization,
    PlanBracket,
    Pledge,
    PledgeInstallment,
    PledgeRenewalProposal,
)
from crm.services.pledges import PAST_INSTALLMENTS

MEMBERSHIP_ACTIONS = (
    "The status changes only through the actions: approve, reject, drop and reinstate "
    "(POST /api/v1/memberships/<id>/<action>/)."
)
PLEDGE_ACTIONS = (
    "The status changes only through the actions: confirm, decline and cancel "
    "(POST /api/v1/pledges/<id>/<action>/)."
)


# --- Organizations and people ---------------------------------------------------------------


class CurrentMembershipSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Membership.Status.choices)
    plan = serializers.CharField(help_text="The plan's code.")
    plan_name = serializers.CharField()
    paid_through = serializers.DateField(allow_null=True)


class ContactSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.EmailField(allow_blank=True)


class OrganizationSerializer(StaffModelSerializer):
    current_membership = serializers.SerializerMethodField(
        help_text="The open membership, else the latest one; null when there has been none."
    )
    primary_contact = serializers.SerializerMethodField(
        help_text="The primary representative; null when none is named."
    )
    directory_categories = serializers.SlugRelatedField(
        many=True,
        slug_field="slug",
        queryset=DirectoryCategory.objects.all(),
        required=False,
        help_text="The member directory's headings it is listed under, by slug (as the public "
        "API's directory/categories/ names them); when given, replaces the list.",
    )
    logo_url = serializers.SerializerMethodField(
        help_text="The directory logo's address; null without one. The logo itself is uploaded "
        "in the admin or the member portal."
    )

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "website",
            "email_domain",
            "phone",
            "address_line1",
            "address_line2",
            "city",
            "state",
            "postal_code",
            "county",
            "industry",
            "employees",
            "directory_listed",
            "directory_text",
            "directory_categories",
            "logo_url",
            "linkedin_url",
            "facebook_url",
            "instagram_url",
            "x_url",
            "youtube_url",
            "current_membership",
            "primary_contact",
            "account_owner",
            "created",
            "modified",
        ]
        read_only_fields = ["account_owner", "created", "modified"]

    # The values come from organization_list()'s annotations: no query per row.
    @extend_schema_field(CurrentMembershipSummarySerializer(allow_null=True))
    def get_current_membership(self, obj: Organization) -> dict[str, Any] | None:
        if getattr(obj, "membership_id", None) is None:
            return None
        return {
            "id": obj.membership_id,  # type: ignore[attr-defined]
            "status": obj.membership_status,  # type: ignore[attr-defined]
            "plan": obj.membership_plan_code,  # type: ignore[attr-defined]
            "plan_name": obj.membership_plan,  # type: ignore[attr-defined]
            "paid_through": obj.membership_paid_through,  # type: ignore[attr-defined]
        }

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_logo_url(self, obj: Organization) -> str | None:
        return logo_url(obj, self.context.get("request"))

    @extend_schema_field(ContactSummarySerializer(allow_null=True))
    def get_primary_contact(self, obj: Organization) -> dict[str, Any] | None:
        if getattr(obj, "primary_contact_id", None) is None:
            return None
        return {
            "id": obj.primary_contact_id,  # type: ignore[attr-defined]
            "name": obj.primary_contact_name,  # type: ignore[attr-defined]
            "email": obj.primary_contact_email,  # type: ignore[attr-defined]
        }


class ContactAffiliationSummarySerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    roles = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Affiliation
        fields = ["id", "organization", "organization_name", "title", "roles"]
        read_only_fields = fields


class ContactSerializer(StaffModelSerializer):
    full_name = serializers.CharField(read_only=True)
    affiliations = ContactAffiliationSummarySerializer(
        many=True, read_only=True, help_text="Where the person works; edit through affiliations."
    )

    class Meta:
        model = Contact
        fields = [
            "id",
            "first_name",
            "last_name",
            "full_name",
            "email",
            "phone",
            "title",
            "affiliations",
            "created",
            "modified",
        ]
        read_only_fields = ["created", "modified"]


class AffiliationSerializer(StaffModelSerializer):
    contact_name = serializers.CharField(source="contact.full_name", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    roles = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Affiliation
        fields = [
            "id",
            "contact",
            "contact_name",
            "organization",
            "organization_name",
            "title",
            "is_primary",
            "is_billing",
            "is_event_contact",
            "roles",
            "status",
            "created",
            "modified",
        ]
        read_only_fields = ["created", "modified"]
        # The one-primary rule is the service's (it moves the role), and the pair's uniqueness
        # is checked when saving: no validators that would refuse before the service runs.
        validators: list = []


class NoteSerializer(StaffModelSerializer):
    author = username("author")
    fixed_fields = {
        "organization": "A note stays with what it is about; write a new one instead.",
        "contact": "A note stays with what it is about; write a new one instead.",
    }

    class Meta:
        model = Note
        fields = ["id", "organization", "contact", "body", "author", "created", "modified"]
        read_only_fields = ["created", "modified"]


# --- Plans and investor levels --------------------------------------------------------------


class PlanBracketSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlanBracket
        fields = ["max_employees", "amount"]


class MembershipPlanSerializer(StaffModelSerializer):
    brackets = PlanBracketSerializer(
        many=True,
        required=False,
        help_text="Dues by employee count, for plans priced by brackets; when given on an "
        "update it replaces the plan's brackets.",
    )

    class Meta:
        model = MembershipPlan
        fields = [
            "id",
            "code",
            "name",
            "description",
            "pricing_kind",
            "flat_amount",
            "brackets",
            "per_employee_above",
            "cap",
            "billing_cycle",
            "proration",
            "grace_days",
            "renewal_lead_days",
            "offered_publicly",
            "requires_review",
            "gl_revenue_account",
            "is_active",
            "sort_order",
            "created",
            "modified",
        ]
        read_only_fields = ["created", "modified"]


class InvestorLevelSerializer(StaffModelSerializer):
    class Meta:
        model = InvestorLevel
        fields = [
            "id",
            "code",
            "name",
            "minimum_annual_amount",
            "benefits",
            "gl_account",
            "offered_publicly",
            "sort_order",
            "created",
            "modified",
        ]
        read_only_fields = ["created", "modified"]


# --- Memberships and pledges ----------------------------------------------------------------


class MembershipTransitionSerializer(serializers.ModelSerializer):
    # Empty for the first step (a new application); null "by" for the system (the daily job).
    from_status = serializers.ChoiceField(
        choices=Membership.Status.choices, allow_blank=True, read_only=True
    )
    by = username("by")

    class Meta:
        model = MembershipTransition
        fields = ["from_status", "to_status", "at", "by", "reason"]
        read_only_fields = fields


class MembershipSerializer(StaffModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    plan_code = serializers.CharField(source="plan.code", read_only=True)
    plan_name = serializers.CharField(source="plan.name", read_only=True)
    lifecycle_fields = {"status": MEMBERSHIP_ACTIONS}
    fixed_fields = {
        "organization": "A membership stays with its organization.",
        "plan": "The plan is fixed once the membership exists.",
        "start_date": "The start date is fixed once the membership exists.",
        "source": "Where the membership came from is fixed once it exists.",
    }

    class Meta:
        model = Membership
        fields = [
            "id",
            "reference",
            "organization",
            "organization_name",
            "plan",
            "plan_code",
            "plan_name",
            "status",
            "start_date",
            "member_since",
            "paid_through",
            "auto_renew",
            "source",
            "status_changed_at",
            "status_reason",
            "application_message",
            "created",
            "modified",
        ]
        read_only_fields = [
            "reference",
            "status",
            "member_since",
            "paid_through",
            "status_changed_at",
            "status_reason",
            "created",
            "modified",
        ]
        validators: list = []  # one open membership per organization: the service decides


class MembershipDetailSerializer(MembershipSerializer):
    transitions = MembershipTransitionSerializer(many=True, read_only=True)

    class Meta(MembershipSerializer.Meta):
        fields = [*MembershipSerializer.Meta.fields, "transitions"]


class PledgeInstallmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = PledgeInstallment
        fields = ["number", "due_date", "amount", "settled_outside"]
        read_only_fields = fields


class PledgeSerializer(StaffModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    level_code = serializers.CharField(source="level.code", read_only=True)
    level_name = serializers.CharField(source="level.name", read_only=True)
    total_commitment = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    installments = PledgeInstallmentSerializer(
        many=True, read_only=True, help_text="The schedule, made when the pledge is."
    )
    past_installments = serializers.ChoiceField(
        choices=PAST_INSTALLMENTS,
        default="invoice",
        write_only=True,
        help_text="On creation, what to do with installments due before today (a back-dated "
        "pledge): `invoice` them like the others, or record them as `settled` (paid outside this "
        "system, never invoiced).",
    )
    lifecycle_fields = {"status": PLEDGE_ACTIONS}
    _schedule = "The amounts and schedule are fixed: cancel the pledge and pledge anew."
    fixed_fields = {
        "organization": "A pledge stays with its organization.",
        "level": _schedule,
        "annual_amount": _schedule,
        "start_date": _schedule,
        "term_years": _schedule,
        "installments_per_year": _schedule,
    }

    class Meta:
        model = Pledge
        fields = [
            "id",
            "reference",
            "organization",
            "organization_name",
            "level",
            "level_code",
            "level_name",
            "contact",
            "annual_amount",
            "start_date",
            "term_years",
            "installments_per_year",
            "total_commitment",
            "installments",
            "past_installments",
            "status",
            "status_changed_at",
            "status_reason",
            "confirmed_at",
            "message",
            "created",
            "modified",
        ]
        read_only_fields = [
            "reference",
            "status",
            "status_changed_at",
            "status_reason",
            "confirmed_at",
            "created",
            "modified",
        ]


class PledgeRenewalProposalSerializer(serializers.ModelSerializer):
    pledge_reference = serializers.CharField(source="pledge.reference", read_only=True)
    organization = serializers.IntegerField(source="pledge.organization_id", read_only=True)
    organization_name = serializers.CharField(source="pledge.organization.name", read_only=True)
    level_code = serializers.CharField(source="level.code", read_only=True)
    level_name = serializers.CharField(source="level.name", read_only=True)

    class Meta:
        model = PledgeRenewalProposal
        fields = [
            "id",
            "pledge",
            "pledge_reference",
            "organization",
            "organization_name",
            "level",
            "level_code",
            "level_name",
            "annual_amount",
            "start_date",
            "explanation",
            "status",
            "status_changed_at",
            "status_reason",
            "next_pledge",
            "created",
            "modified",
        ]
        read_only_fields = fields


class ReinstateSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, default="", help_text="Why (kept)."
    )
    fee = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        help_text="An optional reinstatement fee, billed as a line of its own (a string).",
    )


class ChangePlanSerializer(serializers.Serializer):
    plan = serializers.PrimaryKeyRelatedField(
        queryset=MembershipPlan.objects.all(), help_text="The plan to move to (its id)."
    )
    effective = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="An upgrade's first day (default today, at most the paid-through date); a "
        "downgrade always takes effect at the renewal.",
    )


class PlanChangeSerializer(serializers.ModelSerializer):
    from_plan_code = serializers.CharField(source="from_plan.code", read_only=True)
    to_plan_code = serializers.CharField(source="to_plan.code", read_only=True)
    invoice_number = nullable(serializers.CharField, "invoice.number")
    invoice_total = serializers.DecimalField(
        source="invoice.total",
        max_digits=12,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        default=None,
    )

    class Meta:
        model = MembershipPlanChange
        fields = [
            "id",
            "membership",
            "from_plan",
            "from_plan_code",
            "to_plan",
            "to_plan_code",
            "kind",
            "status",
            "effective_date",
            "explanation",
            "invoice",
            "invoice_number",
            "invoice_total",
            "requested_at",
            "applied_at",
        ]
        read_only_fields = fields
