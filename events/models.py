"""Chamber events, their ticket types, registrations and attendees.

The tables kept the names they had in the crm app (db_table), where these models began.
"""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel, new_reference, staff_user_field
from crm.models.organizations import Contact, Organization
from crm.models.plans import money_field


class Event(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        CANCELLED = "cancelled", "Cancelled"

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    venue = models.CharField(max_length=300, blank=True)
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    registration_opens_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty: open as soon as the event is published."
    )
    registration_closes_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty: open until the event starts."
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    waitlist_enabled = models.BooleanField(
        default=True, help_text="When a ticket type is sold out, people may join its waitlist."
    )
    cancellation_cutoff_hours = models.PositiveIntegerField(
        "registrant cancellation cutoff (hours)",
        default=48,
        help_text="Registrants may cancel through their link until this many hours before the "
        "start; staff may cancel at any time.",
    )
    gl_account = models.CharField("GL revenue account", max_length=50, default="4300")
    tags = models.CharField(
        max_length=200,
        blank=True,
        help_text="Comma-separated tags (e.g. luncheon, gala): an investor benefit of "
        "complimentary seats names the tag it is good for.",
    )
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    status_reason = models.TextField(blank=True, editable=False)

    history = HistoricalRecords(table_name="crm_historicalevent")

    class Meta:
        db_table = "crm_event"
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gte=models.F("starts_at")),
                name="crm_event_ends_after_start",
                violation_error_message="The event cannot end before it starts.",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            raise ValidationError({"ends_at": "The event cannot end before it starts."})
        if (
            self.registration_opens_at
            and self.registration_closes_at
            and self.registration_closes_at < self.registration_opens_at
        ):
            raise ValidationError(
                {"registration_closes_at": "Registration cannot close before it opens."}
            )

    @property
    def cancellation_cutoff(self) -> datetime:
        """Until when a registrant may cancel through the reference link."""
        return self.starts_at - timedelta(hours=self.cancellation_cutoff_hours)

    def registration_open_at(self, now: datetime) -> bool:
        if self.status != self.Status.PUBLISHED:
            return False
        if self.registration_opens_at and now < self.registration_opens_at:
            return False
        closes = self.registration_closes_at or self.starts_at
        return now < closes


class TicketType(TimeStampedModel):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="ticket_types")
    code = models.SlugField(max_length=50)
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=500, blank=True)
    member_price = money_field(default=Decimal("0.00"))
    non_member_price = money_field(default=Decimal("0.00"))
    members_only = models.BooleanField(
        default=False, help_text="Only people of an organization with an active membership."
    )
    capacity = models.PositiveIntegerField(help_text="Seats for this ticket type.")
    max_per_registration = models.PositiveSmallIntegerField(
        "limit per registration",
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    sort_order = models.PositiveIntegerField(default=0)
    tags = models.CharField(
        max_length=200,
        blank=True,
        help_text="Comma-separated tags (e.g. luncheon, gala): an investor benefit of "
        "complimentary seats names the tag it is good for.",
    )

    history = HistoricalRecords(table_name="crm_historicaltickettype")

    class Meta:
        db_table = "crm_tickettype"
        ordering = ["event", "sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "code"],
                name="crm_tickettype_unique_code",
                violation_error_message="This event already has a ticket type with this code.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event}: {self.name}"

    def price_for(self, *, member: bool) -> Decimal:
        return self.member_price if member else self.non_member_price


class Registration(TimeStampedModel):
    # Searched as one text with one trigram index (crm.search; migration 0005).
    search_text_fields: ClassVar[tuple[str, ...]] = ("reference", "organization_name")

    class Status(models.TextChoices):
        PENDING_PAYMENT = "pending_payment", "Awaiting payment"
        # A website registration claiming member terms (member price, a members-only ticket,
        # invoicing the organization) without a signed-in portal contact: its seats are held
        # until the link mailed to the address on file is followed (registration_verify).
        PENDING_VERIFICATION = "pending_verification", "Awaiting membership confirmation"
        CONFIRMED = "confirmed", "Confirmed"
        WAITLISTED = "waitlisted", "On the waitlist"
        CANCELLED = "cancelled", "Cancelled"
        CHECKED_IN = "checked_in", "Checked in"

    class Payment(models.TextChoices):
        NOW = "now", "Pay now"
        INVOICE = "invoice", "Invoice the member organization"

    # These take seats: the capacity check counts their party sizes.
    HOLDING_STATUSES = (
        Status.PENDING_PAYMENT,
        Status.PENDING_VERIFICATION,
        Status.CONFIRMED,
        Status.CHECKED_IN,
    )
    # Registrations that are still coming (or hoping to).
    ACTIVE_STATUSES = (*HOLDING_STATUSES, Status.WAITLISTED)

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="registrations")
    ticket_type = models.ForeignKey(
        TicketType, on_delete=models.PROTECT, related_name="registrations"
    )
    reference = models.CharField(max_length=40, unique=True, default=new_reference, editable=False)
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="registrations")
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registrations",
        help_text="The organization the member price came from, or the one named when known.",
    )
    organization_name = models.CharField(
        max_length=200, blank=True, help_text="The organization as the registrant wrote it."
    )
    quantity = models.PositiveSmallIntegerField(
        "party size", default=1, validators=[MinValueValidator(1)]
    )
    status = models.CharField(max_length=20, choices=Status.choices, db_index=True)
    member_pricing = models.BooleanField(default=False, editable=False)
    price_each = money_field(editable=False)
    total = money_field(editable=False)
    hold_expires_at = models.DateTimeField(
        null=True,
        blank=True,
        db_index=True,
        editable=False,
        help_text="Unpaid seats are released at this time.",
    )
    payment = models.CharField(
        max_length=20, choices=Payment.choices, default=Payment.NOW, editable=False
    )
    hold_lapsed_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the unpaid hold ran out (a payment arriving later may still confirm it).",
    )
    checked_in_at = models.DateTimeField(null=True, blank=True, editable=False)
    checked_in_by = staff_user_field()
    # Seats drawn from the organization's benefit of complimentary seats (given back when
    # the registration is cancelled).
    comp_seats = models.PositiveSmallIntegerField("complimentary seats", default=0, editable=False)
    benefit_usage = models.OneToOneField(
        "crm.BenefitUsage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registration",
        editable=False,
    )
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    status_reason = models.TextField(blank=True, editable=False)

    history = HistoricalRecords(table_name="crm_historicalregistration")

    class Meta:
        db_table = "crm_registration"
        ordering = ["-created", "-pk"]
        permissions = [("take_payment_at_door", "Can take payments at the door")]
        indexes = [models.Index(fields=["ticket_type", "status"], name="crm_reg_type_status")]

    def __str__(self) -> str:
        return f"{self.contact} × {self.quantity} — {self.event} ({self.get_status_display()})"

    @property
    def holds_seats(self) -> bool:
        return self.status in self.HOLDING_STATUSES


class Attendee(models.Model):
    """One seat of a party: who sits in it, for the badge and the door."""

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="attendees"
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(max_length=254, blank=True)

    class Meta:
        db_table = "crm_attendee"
        ordering = ["registration", "pk"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
