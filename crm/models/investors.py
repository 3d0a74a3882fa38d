from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from billing.money import format_usd
from core.models import TimeStampedModel, new_reference, staff_user_field
from crm.models.organizations import Contact, Organization
from crm.models.plans import money_field
from crm.schedule import total_commitment


class InvestorLevel(TimeStampedModel):
    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    minimum_annual_amount = money_field()
    benefits = models.TextField(blank=True, help_text="One benefit per line.")
    gl_account = models.CharField("GL revenue account", max_length=50, default="4100")
    through_foundation = models.BooleanField(
        "given through the charitable foundation",
        default=False,
        help_text="Investments at this level go to the chamber's charitable foundation: each "
        "paid installment gets the written acknowledgement a donor needs.",
    )
    benefits_value = money_field(
        "value of benefits per year",
        default=Decimal("0.00"),
        help_text="The fair market value of the goods and services an investor at this level "
        "receives in a year (events, tickets, advertising); 0 when none.",
    )
    offered_publicly = models.BooleanField(default=True)
    sort_order = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["sort_order", "minimum_annual_amount"]

    def __str__(self) -> str:
        return self.name

    @property
    def benefit_list(self) -> list[str]:
        return [line.strip() for line in self.benefits.splitlines() if line.strip()]


class Pledge(TimeStampedModel):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Submitted, awaiting confirmation"
        CONFIRMED = "confirmed", "Confirmed"
        COMPLETED = "completed", "Completed"
        DECLINED = "declined", "Declined"
        CANCELLED = "cancelled", "Cancelled"

    class InstallmentsPerYear(models.IntegerChoices):
        ANNUAL = 1, "Once a year"
        SEMIANNUAL = 2, "Twice a year"
        QUARTERLY = 4, "Quarterly"
        MONTHLY = 12, "Monthly"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="pledges")
    level = models.ForeignKey(InvestorLevel, on_delete=models.PROTECT, related_name="pledges")
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="pledges"
    )
    reference = models.CharField(max_length=40, unique=True, default=new_reference, editable=False)
    annual_amount = money_field()
    start_date = models.DateField()
    term_years = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    installments_per_year = models.PositiveSmallIntegerField(
        choices=InstallmentsPerYear.choices, default=InstallmentsPerYear.ANNUAL
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    status_reason = models.TextField(blank=True, editable=False)
    confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    confirmed_by = staff_user_field()
    message = models.TextField(blank=True, max_length=2000)
    # Set when an online commitment was linked to records that already existed.
    needs_attention = models.BooleanField(default=False, db_index=True)
    match_note = models.TextField(
        blank=True, help_text="Which existing records the commitment was linked to, and why."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        a_year = format_usd(self.annual_amount)
        return f"{self.organization} — {self.level} ({a_year}/yr × {self.term_years})"

    @property
    def total_commitment(self) -> Decimal:
        return total_commitment(self.annual_amount, self.term_years)


class PledgeToConfirm(Pledge):
    """The admin's queue of pledges submitted online and waiting for confirmation."""

    class Meta:
        proxy = True
        verbose_name = "pledge to confirm"
        verbose_name_plural = "pledges to confirm"


class PledgeInstallment(models.Model):
    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="installments")
    number = models.PositiveSmallIntegerField()
    due_date = models.DateField(db_index=True)
    amount = money_field()
    # A back-dated pledge (migrated from an old system) whose installment was paid before this
    # system kept the books: settled, never invoiced here.
    settled_outside = models.BooleanField(
        "paid outside this system",
        default=False,
        help_text="Paid before the pledge was entered here (no invoice is made for it).",
    )

    class Meta:
        ordering = ["pledge", "number"]
        constraints = [
            models.UniqueConstraint(fields=["pledge", "number"], name="crm_installment_unique")
        ]

    def __str__(self) -> str:
        amount = format_usd(self.amount)
        return f"Installment {self.number} of {self.pledge}: {amount} due {self.due_date}"


class PledgeRenewalProposal(TimeStampedModel):
    """What the daily run proposes to an investor before a pledge's last installment: the next
    pledge (same level, or the next one the organization's giving has reached) and why. Accepting
    it makes the next pledge, once."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    pledge = models.OneToOneField(Pledge, on_delete=models.CASCADE, related_name="renewal_proposal")
    level = models.ForeignKey(InvestorLevel, on_delete=models.PROTECT, related_name="+")
    annual_amount = money_field()
    start_date = models.DateField()
    explanation = models.TextField()
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PROPOSED, db_index=True
    )
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    status_reason = models.TextField(blank=True, editable=False)
    decided_by = staff_user_field()
    next_pledge = models.OneToOneField(
        Pledge,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="renewed_from",
        editable=False,
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        amount = format_usd(self.annual_amount)
        return f"Renewal of {self.pledge.organization}: {self.level}, {amount} a year"
