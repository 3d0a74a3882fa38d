"""The website's events API (docs/public-api.md: `GET events/`, `POST events/<slug>/registrations/`,
`GET registrations/<reference>/`). Output only; input is validated here and decided by the
services."""

from typing import Any

from django.utils import timezone
from rest_framework import serializers

from api.serializers.public import NamedErrors, PortalLinkMixin, _HoneypotMixin
from events.models import Event, Registration, TicketType
from events.services.comp_seats import comp_seats_sentence

# The same words whoever registered: they never tell whether an organization is a member.
VERIFY_NEXT_STEP = (
    "Member terms need your membership confirmed: if the address you gave is on file with a "
    "member organization of the chamber, we have emailed it a link to confirm; follow it before "
    "your seats are released (pay_by). Otherwise, register again at the non-member price or sign "
    "in to the member portal."
)


class TicketTypeSerializer(serializers.ModelSerializer):
    available = serializers.SerializerMethodField(help_text="Seats still free.")
    limit_per_registration = serializers.IntegerField(source="max_per_registration")

    class Meta:
        model = TicketType
        fields = [
            "code",
            "name",
            "description",
            "member_price",
            "non_member_price",
            "members_only",
            "available",
            "limit_per_registration",
        ]

    def get_available(self, ticket_type: TicketType) -> int:
        return int(getattr(ticket_type, "seats_available", 0))


class EventSerializer(serializers.ModelSerializer):
    ticket_types = TicketTypeSerializer(many=True)
    waitlist_open = serializers.SerializerMethodField(
        help_text="A sold-out ticket type takes registrations onto its waitlist."
    )
    registration_open = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = [
            "slug",
            "title",
            "description",
            "starts_at",
            "ends_at",
            "venue",
            "registration_open",
            "ticket_types",
            "waitlist_open",
        ]

    def get_registration_open(self, event: Event) -> bool:
        return event.registration_open_at(timezone.now())

    def get_waitlist_open(self, event: Event) -> bool:
        return event.waitlist_enabled and self.get_registration_open(event)


class PersonSerializer(NamedErrors):
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    email = serializers.EmailField(max_length=254)


class AttendeeInputSerializer(NamedErrors):
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)


class RegistrationInputSerializer(_HoneypotMixin):
    labels = {"quantity": "Number of tickets"}

    ticket_type = serializers.SlugField(max_length=50)
    quantity = serializers.IntegerField(min_value=1, max_value=100, default=1)
    contact = PersonSerializer()
    organization = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    attendees = AttendeeInputSerializer(  # type: ignore[call-arg]
        many=True, required=False, max_length=100, default=list
    )
    payment = serializers.ChoiceField(
        choices=Registration.Payment.choices,
        default=Registration.Payment.NOW,
        help_text='"invoice" bills a member organization the registrant is on the record of '
        "(verified: a signed-in portal contact, or the link mailed to the address on file).",
    )
    member = serializers.BooleanField(
        default=False,
        help_text="Claim the member price as a person on a member organization's record. "
        "Without a signed-in portal contact the registration is `pending_verification` until "
        "the link mailed to the address on file is followed.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if len(attrs["attendees"]) > attrs["quantity"]:
            raise serializers.ValidationError(
                {"attendees": [f"Name at most {attrs['quantity']} attendees, one per ticket."]}
            )
        return attrs


class RegistrationSerializer(PortalLinkMixin, serializers.ModelSerializer):
    """A registration as its reference's holder sees it: no email, phone or other invoice."""

    event = serializers.CharField(source="event.slug")
    event_title = serializers.CharField(source="event.title")
    starts_at = serializers.DateTimeField(source="event.starts_at")
    venue = serializers.CharField(source="event.venue")
    ticket_type = serializers.CharField(source="ticket_type.code")
    ticket_type_name = serializers.CharField(source="ticket_type.name")
    status_display = serializers.CharField(source="get_status_display")
    name = serializers.SerializerMethodField(help_text="The first attendee, as registered.")
    organization = serializers.SerializerMethodField()
    attendees = serializers.SerializerMethodField()
    pay_url = serializers.SerializerMethodField()
    payment_instructions = serializers.SerializerMethodField()
    pay_link_pending = serializers.SerializerMethodField(
        help_text="Stripe's pay page could not be made yet (an outage): it is retried in the "
        "background and its link emailed to the registrant."
    )
    next_step = serializers.SerializerMethodField()
    pay_by = serializers.DateTimeField(source="hold_expires_at", allow_null=True)
    waitlist_position = serializers.SerializerMethodField()
    can_cancel = serializers.SerializerMethodField()
    cancel_until = serializers.DateTimeField(source="event.cancellation_cutoff")
    comp_seats_note = serializers.SerializerMethodField(
        help_text="How many seats are complimentary and from which benefit; empty when none."
    )

    class Meta:
        model = Registration
        fields = [
            "reference",
            "status",
            "status_display",
            "event",
            "event_title",
            "starts_at",
            "venue",
            "ticket_type",
            "ticket_type_name",
            "quantity",
            "name",
            "organization",
            "attendees",
            "member_pricing",
            "price_each",
            "total",
            "payment",
            "pay_url",
            "payment_instructions",
            "pay_link_pending",
            "next_step",
            "pay_by",
            "waitlist_position",
            "can_cancel",
            "cancel_until",
            "comp_seats",
            "comp_seats_note",
            "portal_url",
        ]

    def _invoice(self, registration: Registration) -> Any:
        from events.selectors import registration_invoice

        if not hasattr(registration, "_invoice_cache"):
            registration._invoice_cache = registration_invoice(registration)  # type: ignore[attr-defined]
        return registration._invoice_cache  # type: ignore[attr-defined]

    def get_name(self, registration: Registration) -> str:
        # As typed at registration (the attendees), never the name on the contact's record.
        first = next(iter(registration.attendees.all()), None)
        return str(first) if first is not None else ""

    def get_organization(self, registration: Registration) -> str:
        # The organization the registrant named, as the chamber knows it only once membership
        # was verified (else as typed: the record's spelling would tell a visitor it is known);
        # one found through the contact's record is not shown: it would tell who an email
        # address works for.
        if (
            registration.organization_name
            and registration.organization_id
            and registration.member_pricing
        ):
            return registration.organization.name  # type: ignore[union-attr]
        return registration.organization_name

    def get_comp_seats_note(self, registration: Registration) -> str:
        return comp_seats_sentence(registration)

    def get_attendees(self, registration: Registration) -> list[str]:
        return [str(attendee) for attendee in registration.attendees.all()]

    def get_pay_url(self, registration: Registration) -> str | None:
        if registration.status != Registration.Status.PENDING_PAYMENT:
            return None
        invoice = self._invoice(registration)
        return invoice.pay_url if invoice else None

    def get_payment_instructions(self, registration: Registration) -> str:
        if registration.status != Registration.Status.PENDING_PAYMENT:
            return ""
        invoice = self._invoice(registration)
        return invoice.payment_instructions if invoice else ""

    def get_pay_link_pending(self, registration: Registration) -> bool:
        if registration.status != Registration.Status.PENDING_PAYMENT:
            return False
        invoice = self._invoice(registration)
        return bool(invoice and invoice.pay_link_pending)

    def get_next_step(self, registration: Registration) -> str | None:
        from billing.selectors import invoice_next_step

        if registration.status == Registration.Status.PENDING_VERIFICATION:
            return VERIFY_NEXT_STEP
        if registration.status != Registration.Status.PENDING_PAYMENT:
            return None
        return invoice_next_step(self._invoice(registration))

    def get_waitlist_position(self, registration: Registration) -> int | None:
        from events.selectors import registration_waitlist_position

        return registration_waitlist_position(registration)

    def get_can_cancel(self, registration: Registration) -> bool:
        from events.services.registrations import registrant_may_cancel

        return registrant_may_cancel(registration)
