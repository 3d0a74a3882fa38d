"""The relationship with an organization, as account staff keep it: prospects moving through the
sales stages, inquiries from the website, tasks with due dates, recorded interactions, and the
weekly summary each account owner is sent (once a week)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel, staff_user_field
from crm.models.organizations import Contact, Organization


class Prospect(TimeStampedModel):
    """An organization the chamber is courting (no membership or pledge yet), at one stage."""

    class Stage(models.TextChoices):
        LEAD = "lead", "Lead"
        CONTACTED = "contacted", "Contacted"
        PROPOSAL = "proposal", "Proposal sent"
        WON = "won", "Won"
        LOST = "lost", "Lost"

    class Source(models.TextChoices):
        STAFF = "staff", "Entered by staff"
        WEBSITE = "website", "Inquiry from the website"

    # The stages still being worked (won and lost are closed).
    OPEN_STAGES = (Stage.LEAD, Stage.CONTACTED, Stage.PROPOSAL)

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="prospect"
    )
    stage = models.CharField(
        max_length=20, choices=Stage.choices, default=Stage.LEAD, db_index=True
    )
    amount_proposed = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="The annual amount proposed (dues or investment), in dollars.",
    )
    stage_changed_at = models.DateTimeField(editable=False)
    stage_note = models.TextField(
        "note on the last move", blank=True, max_length=2000, help_text="Why it moved (kept)."
    )
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.STAFF)

    history = HistoricalRecords()

    class Meta:
        ordering = ["stage", "-stage_changed_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_proposed__isnull=True) | models.Q(amount_proposed__gt=0),
                name="crm_prospect_amount_positive",
                violation_error_message="The amount proposed must be more than zero.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} ({self.get_stage_display().lower()})"


class Inquiry(TimeStampedModel):
    """A business that wrote in through the website's site-selector or contact form."""

    class Kind(models.TextChoices):
        SITE_SELECTOR = "site_selector", "Site selection"
        CONTACT = "contact", "Contact form"

    kind = models.CharField(max_length=20, choices=Kind.choices, db_index=True)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="inquiries"
    )
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="inquiries")
    message = models.TextField(max_length=4000)
    match_note = models.TextField(
        blank=True, help_text="Which existing records the inquiry was linked to, and why."
    )

    class Meta:
        ordering = ["-created"]
        verbose_name_plural = "inquiries"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.organization}"


class Task(TimeStampedModel):
    """Something a staff member is to do by a day, usually about an organization."""

    title = models.CharField(max_length=200)
    notes = models.TextField(blank=True, max_length=4000)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="crm_tasks"
    )
    due_date = models.DateField(db_index=True)
    done_at = models.DateTimeField(null=True, blank=True, editable=False)
    done_by = staff_user_field()
    created_by = staff_user_field()

    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "pk"]
        indexes = [models.Index(fields=["assignee", "done_at", "due_date"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class Interaction(TimeStampedModel):
    """A call, meeting, email or event attended, on the organization's timeline."""

    class Kind(models.TextChoices):
        CALL = "call", "Call"
        MEETING = "meeting", "Meeting"
        EMAIL = "email", "Email"
        EVENT = "event", "Event attended"

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="interactions"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="interactions"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    occurred_on = models.DateField(db_index=True)
    summary = models.TextField(max_length=4000)
    recorded_by = staff_user_field()
    # Set when the system records it (a check-in at an event: "registration:<reference>"), so
    # it is recorded once and withdrawn when that is undone; empty for those staff record.
    source = models.CharField(max_length=80, blank=True, editable=False)

    class Meta:
        ordering = ["-occurred_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source"],
                condition=~models.Q(source=""),
                name="crm_interaction_one_per_source",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.occurred_on}: {self.summary[:50]}"


class AccountSummary(models.Model):
    """One weekly summary mail to one staff member: the row is what makes the week's run
    idempotent (a second run that week finds it and sends nothing)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField(help_text="The Monday of the week summarized.")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "week_start"], name="crm_summary_once_a_week")
        ]

    def __str__(self) -> str:
        return f"{self.user} — week of {self.week_start}"
