"""Staff API serializers for events: events (with their ticket types and seats), ticket types and
registrations (with small summaries of what they belong to, their attendees and their invoice).
Statuses change only through the actions, which call events.services."""

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.crm import ContactSummarySerializer
from api.serializers.staff_base import StaffModelSerializer, money, username
from crm.models import Contact
from events.models import Attendee, Event, Registration, TicketType
from events.services.comp_seats import comp_seats_sentence

EVENT_ACTIONS = (
    "The status changes only through the actions: publish, unpublish and cancel "
    "(POST /api/v1/events/<id>/<action>/)."
)


# --- Ticket types and events ------------------------------------------------------------------


class StaffTicketTypeSerializer(StaffModelSerializer):
    seats_taken = serializers.IntegerField(
        read_only=True, help_text="Held by registrations awaiting payment, confirmed or checked in."
    )
    seats_available = serializers.IntegerField(read_only=True, help_text="Still free.")
    seats_waitlisted = serializers.IntegerField(read_only=True, help_text="People waiting.")
    fixed_fields = {"event": "A ticket type stays with its event."}

    class Meta:
        model = TicketType
        fields = [
            "id",
            "event",
            "code",
            "name",
            "description",
            "member_price",
            "non_member_price",
            "members_only",
            "capacity",
            "max_per_registration",
            "sort_order",
            "tags",
            "seats_taken",
            "seats_available",
            "seats_waitlisted",
            "created",
            "modified",
        ]
        read_only_fields = ["created", "modified"]


class EventTicketTypeSummarySerializer(serializers.ModelSerializer):
    seats_taken = serializers.IntegerField(read_only=True)
    seats_available = serializers.IntegerField(read_only=True)
    seats_waitlisted = serializers.IntegerField(read_only=True)

    class Meta:
        model = TicketType
        fields = [
            "id",
            "code",
            "name",
            "member_price",
            "non_member_price",
            "members_only",
            "capacity",
            "seats_taken",
            "seats_available",
            "seats_waitlisted",
        ]
        read_only_fields = fields


class StaffEventSerializer(StaffModelSerializer):
    seats_capacity = serializers.IntegerField(
        read_only=True, help_text="Seats of all its ticket types."
    )
    seats_taken = serializers.IntegerField(read_only=True, help_text="Seats held or taken.")
    people_waitlisted = serializers.IntegerField(read_only=True, help_text="People waiting.")
    ticket_types = EventTicketTypeSummarySerializer(
        many=True, read_only=True, help_text="Edit them through ticket-types."
    )
    lifecycle_fields = {"status": EVENT_ACTIONS}

    class Meta:
        model = Event
        fields = [
            "id",
            "slug",
            "title",
            "description",
            "venue",
            "starts_at",
            "ends_at",
            "registration_opens_at",
            "registration_closes_at",
            "status",
            "waitlist_enabled",
            "cancellation_cutoff_hours",
            "gl_account",
            "tags",
            "seats_capacity",
            "seats_taken",
            "people_waitlisted",
            "ticket_types",
            "status_changed_at",
            "status_reason",
            "created",
            "modified",
        ]
        read_only_fields = ["status", "status_changed_at", "status_reason", "created", "modified"]


class EventCancellationSerializer(serializers.Serializer):
    event = StaffEventSerializer(read_only=True)
    registrations_cancelled = serializers.IntegerField(
        read_only=True, help_text="Registrations the cancellation cancelled."
    )
    refunded = money("Given back to registrants in all.")
    problems = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Refunds that failed, for finance to retry in billing.",
    )


# --- Registrations ----------------------------------------------------------------------------


class RegistrationEventSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    title = serializers.CharField()
    starts_at = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=Event.Status.choices)


# Formats a datetime as every DateTimeField of the API does (time zone, ISO 8601).
_DATETIME = serializers.DateTimeField()


class RegistrationTicketTypeSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class OrganizationSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class RegistrationInvoiceSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(allow_null=True, help_text="Null while a draft.")
    status = serializers.CharField()
    total = serializers.DecimalField(max_digits=12, decimal_places=2)


class AttendeeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attendee
        fields = ["first_name", "last_name", "email"]


class StaffRegistrationSerializer(serializers.ModelSerializer):
    """What a registration is, as staff see it. Read from selectors.registration_list_staff()."""

    event = serializers.SerializerMethodField()
    ticket_type = serializers.SerializerMethodField()
    contact = serializers.SerializerMethodField()
    organization = serializers.SerializerMethodField(
        help_text="The organization the member price came from, or the one named when known."
    )
    attendees = AttendeeSerializer(many=True, read_only=True)
    invoice = serializers.SerializerMethodField(
        help_text="The invoice it is paid through (the latest not voided); null when free."
    )
    waitlist_position = serializers.IntegerField(
        source="waitlist_place",
        read_only=True,
        allow_null=True,
        help_text="1 for the first in line; null when not on the waitlist.",
    )
    checked_in_by = username("checked_in_by")
    comp_seats_note = serializers.SerializerMethodField(
        help_text="How many seats are complimentary and from which benefit of the organization "
        "(given back when cancelled); empty when none."
    )

    class Meta:
        model = Registration
        fields = [
            "id",
            "reference",
            "event",
            "ticket_type",
            "contact",
            "organization",
            "organization_name",
            "quantity",
            "status",
            "payment",
            "member_pricing",
            "price_each",
            "total",
            "comp_seats",
            "comp_seats_note",
            "invoice",
            "waitlist_position",
            "hold_expires_at",
            "hold_lapsed_at",
            "checked_in_at",
            "checked_in_by",
            "attendees",
            "status_changed_at",
            "status_reason",
            "created",
            "modified",
        ]
        read_only_fields = fields

    def get_comp_seats_note(self, obj: Registration) -> str:
        return comp_seats_sentence(obj, name_organization=True)

    @extend_schema_field(RegistrationEventSummarySerializer)
    def get_event(self, obj: Registration) -> dict[str, Any]:
        # A dict, as for the others: a nested serializer built for every row was a third of
        # the list's time (benchmark, page of 50).
        event = obj.event
        return {
            "id": event.pk,
            "slug": event.slug,
            "title": event.title,
            "starts_at": _DATETIME.to_representation(event.starts_at),
            "status": event.status,
        }

    @extend_schema_field(RegistrationTicketTypeSummarySerializer)
    def get_ticket_type(self, obj: Registration) -> dict[str, Any]:
        ticket = obj.ticket_type
        return {"id": ticket.pk, "code": ticket.code, "name": ticket.name}

    @extend_schema_field(ContactSummarySerializer)
    def get_contact(self, obj: Registration) -> dict[str, Any]:
        contact = obj.contact
        return {"id": contact.pk, "name": contact.full_name, "email": contact.email}

    @extend_schema_field(OrganizationSummarySerializer(allow_null=True))
    def get_organization(self, obj: Registration) -> dict[str, Any] | None:
        if obj.organization is None:
            return None
        return {"id": obj.organization.pk, "name": obj.organization.name}

    # The values come from registration_list_staff()'s annotations: no query per row.
    @extend_schema_field(RegistrationInvoiceSummarySerializer(allow_null=True))
    def get_invoice(self, obj: Registration) -> dict[str, Any] | None:
        row = getattr(obj, "invoice_row", None)
        if not row:
            return None
        return {
            "id": row["id"],
            "number": row["number"],
            "status": row["status"],
            "total": f"{Decimal(row['total']):.2f}",
        }


class StaffAttendeeInputSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)


class StaffRegistrationCreateSerializer(serializers.Serializer):
    """Register a known contact; the service prices it, holds the seats or waitlists it."""

    ticket_type = serializers.PrimaryKeyRelatedField(
        queryset=TicketType.objects.select_related("event"),
        help_text="The ticket type (id); the event is its event.",
    )
    contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.all(), help_text="Who registers (id); they get the mail."
    )
    quantity = serializers.IntegerField(min_value=1, max_value=100, default=1)
    organization_name = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="The organization as named; a member's gets the member price.",
    )
    attendees = StaffAttendeeInputSerializer(
        many=True,
        required=False,
        default=list,
        help_text="Who sits in each seat (at most `quantity`); the contact when none.",
    )
    payment = serializers.ChoiceField(
        choices=Registration.Payment.choices,
        default=Registration.Payment.NOW,
        help_text="`invoice` bills the contact's member organization instead.",
    )
    notify = serializers.BooleanField(
        default=True, help_text="Email the registrant (false: staff tell them themselves)."
    )


# --- Action bodies ----------------------------------------------------------------------------


class RegistrationCancelSerializer(serializers.Serializer):
    REFUND_CHOICES = [
        ("none", "No refund"),
        ("full", "Refund everything paid"),
        ("part", "Refund `amount`"),
    ]

    reason = serializers.CharField(
        max_length=2000, help_text="Why; kept, and emailed to the registrant."
    )
    refund = serializers.ChoiceField(
        choices=REFUND_CHOICES,
        default="none",
        help_text="Give back what was paid through billing. "
        "An unpaid invoice is voided whatever this says.",
    )
    amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        allow_null=True,
        default=None,
        help_text="For `part`: how much to give back.",
    )
    notify = serializers.BooleanField(default=True, help_text="Email the registrant.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["refund"] == "part" and attrs.get("amount") is None:
            raise serializers.ValidationError({"amount": ["Give the amount to refund."]})
        if attrs["refund"] != "part" and attrs.get("amount") is not None:
            raise serializers.ValidationError({"amount": ["An amount goes with refund=part only."]})
        return attrs
