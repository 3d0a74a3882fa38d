"""Benefits as entitlements: what a membership plan or an investor level grants a term (so many
complimentary event seats, member pricing for employees, directory prominence, ...) and each use
of one by an organization. The old free-text `InvestorLevel.benefits` stays for public display.

Also the portal's sign-ins, kept where crm can count them for the engagement score (crm does
not import the portal, which records them through crm's service)."""

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel, staff_user_field
from crm.models.investors import InvestorLevel
from crm.models.organizations import Contact, Organization
from crm.models.plans import MembershipPlan


def parse_tags(text: str) -> set[str]:
    """ "Gala, luncheon " -> {"gala", "luncheon"}: tags as events and benefits write them."""
    return {part.strip().lower() for part in text.replace(";", ",").split(",") if part.strip()}


class Benefit(TimeStampedModel):
    class Kind(models.TextChoices):
        EVENT_SEATS = "event_seats", "Complimentary event seats"
        MEMBER_PRICING = "member_pricing", "Member pricing for employees"
        DIRECTORY = "directory", "Directory prominence"
        RECOGNITION = "recognition", "Sponsor recognition"
        OTHER = "other", "Other"

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    counted = models.BooleanField(
        default=True,
        help_text="Counted: a number of uses a term (seats, ads). Not counted: a yes/no benefit "
        "(granted or not), recorded once when delivered.",
    )
    event_tag = models.SlugField(
        max_length=50,
        blank=True,
        help_text="Complimentary seats only: the seats are for events, or ticket types, carrying "
        "this tag (e.g. luncheon). A registration for one draws them down by itself.",
    )
    description = models.TextField(blank=True)
    sort_order = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind == self.Kind.EVENT_SEATS and not self.event_tag:
            raise ValidationError(
                {"event_tag": "Name the event or ticket type tag the complimentary seats are for."}
            )
        if self.kind == self.Kind.EVENT_SEATS and not self.counted:
            raise ValidationError({"counted": "Complimentary seats are counted."})
        if self.kind != self.Kind.EVENT_SEATS and self.event_tag:
            raise ValidationError({"event_tag": "Only complimentary seats have an event tag."})


class BenefitGrant(models.Model):
    """A benefit that a plan or an investor level (exactly one) grants each term."""

    benefit = models.ForeignKey(Benefit, on_delete=models.PROTECT, related_name="grants")
    plan = models.ForeignKey(
        MembershipPlan,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="benefit_grants",
    )
    level = models.ForeignKey(
        InvestorLevel,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="benefit_grants",
    )
    quantity = models.PositiveIntegerField(
        "a term",
        default=1,
        validators=[MinValueValidator(1)],
        help_text="How many a term (1 for a yes/no benefit).",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["benefit__sort_order", "benefit__name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(plan__isnull=True, level__isnull=False)
                | models.Q(plan__isnull=False, level__isnull=True),
                name="crm_benefitgrant_plan_or_level",
                violation_error_message="A benefit is granted by a plan or by a level, not both.",
            ),
            models.UniqueConstraint(
                fields=["benefit", "plan"],
                name="crm_benefitgrant_once_per_plan",
                violation_error_message="This plan already grants this benefit.",
            ),
            models.UniqueConstraint(
                fields=["benefit", "level"],
                name="crm_benefitgrant_once_per_level",
                violation_error_message="This level already grants this benefit.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.benefit} × {self.quantity} ({self.plan or self.level})"

    def clean(self) -> None:
        if self.benefit_id and not self.benefit.counted and self.quantity != 1:
            raise ValidationError({"quantity": f"{self.benefit} is yes/no: grant it once (1)."})


class BenefitUsage(TimeStampedModel):
    """One use of a benefit by an organization in a term: seats a registration took (given
    back when it is cancelled) or what staff recorded."""

    class Source(models.TextChoices):
        STAFF = "staff", "Recorded by staff"
        REGISTRATION = "registration", "Event registration"

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="benefit_usages"
    )
    benefit = models.ForeignKey(Benefit, on_delete=models.PROTECT, related_name="usages")
    term_start = models.DateField(help_text="The first day of the term the use counts in.")
    quantity = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    used_on = models.DateField()
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.STAFF)
    note = models.CharField(max_length=300, blank=True)
    recorded_by = staff_user_field()
    returned_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="Given back (its registration was cancelled): no longer counted as used.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-used_on", "-pk"]
        indexes = [
            models.Index(
                fields=["organization", "benefit", "term_start"], name="crm_benefitusage_term"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization}: {self.benefit} × {self.quantity} on {self.used_on}"


class PortalSignIn(models.Model):
    """A contact signed in to the member portal (recorded by the portal through crm's service)."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="portal_sign_ins")
    signed_in_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-signed_in_at"]

    def __str__(self) -> str:
        return f"{self.contact} signed in {self.signed_in_at:%Y-%m-%d %H:%M}"
