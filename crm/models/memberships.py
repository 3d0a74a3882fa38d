from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel, new_reference
from crm.models.organizations import Organization
from crm.models.plans import MembershipPlan


class Membership(TimeStampedModel):
    class Status(models.TextChoices):
        APPLIED = "applied", "Applied"
        APPROVED = "approved", "Approved, awaiting payment"
        ACTIVE = "active", "Active"
        GRACE = "grace", "In grace period"
        LAPSED = "lapsed", "Lapsed"
        CANCELLED = "cancelled", "Cancelled"
        REJECTED = "rejected", "Rejected"

    # A business has at most one membership in these states at a time.
    OPEN_STATUSES = (Status.APPLIED, Status.APPROVED, Status.ACTIVE, Status.GRACE)
    # Members in good standing: member prices, the directory, the member count.
    CURRENT_STATUSES = (Status.ACTIVE, Status.GRACE)

    class Source(models.TextChoices):
        STAFF = "staff", "Entered by staff"
        WEBSITE = "website", "Joined online"
        IMPORT = "import", "Imported"

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="memberships"
    )
    plan = models.ForeignKey(MembershipPlan, on_delete=models.PROTECT, related_name="memberships")
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.APPLIED, db_index=True
    )
    reference = models.CharField(max_length=40, unique=True, default=new_reference, editable=False)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.STAFF)
    start_date = models.DateField(help_text="The day the membership starts (or started).")
    member_since = models.DateField(null=True, blank=True, editable=False)
    paid_through = models.DateField(null=True, blank=True, db_index=True, editable=False)
    auto_renew = models.BooleanField(
        default=False, help_text="Charge the saved payment method at renewal."
    )
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    status_reason = models.TextField(blank=True, editable=False)
    application_message = models.TextField(blank=True, max_length=2000)
    # Set when an online application was linked to records that already existed, so staff
    # check that the applicant really speaks for that business before approving.
    needs_attention = models.BooleanField(default=False, db_index=True)
    match_note = models.TextField(
        blank=True, help_text="Which existing records the application was linked to, and why."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(status__in=["applied", "approved", "active", "grace"]),
                name="crm_membership_one_open_per_org",
                violation_error_message="This organization already has an open membership.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} — {self.plan} ({self.get_status_display()})"

    @property
    def is_current(self) -> bool:
        return self.status in self.CURRENT_STATUSES


class MembershipTransition(models.Model):
    """One step in a membership's life: from where to where, who did it, when and why."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, choices=Membership.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Membership.Status.choices)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["membership", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} → {self.to_status}"


class Application(Membership):
    """The admin's queue of applications waiting for a decision (a view of Membership)."""

    class Meta:
        proxy = True
        verbose_name = "application"
        verbose_name_plural = "applications to review"


class MembershipPlanChange(models.Model):
    """A member moving to another plan mid-cycle. An upgrade takes effect at once and bills the
    prorated difference (the invoice); a downgrade waits, pending, for the renewal."""

    class Kind(models.TextChoices):
        UPGRADE = "upgrade", "Upgrade (billed now, prorated)"
        DOWNGRADE = "downgrade", "Downgrade (at renewal)"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending (takes effect at renewal)"
        APPLIED = "applied", "Applied"
        CANCELLED = "cancelled", "Cancelled"

    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="plan_changes"
    )
    from_plan = models.ForeignKey(MembershipPlan, on_delete=models.PROTECT, related_name="+")
    to_plan = models.ForeignKey(MembershipPlan, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, db_index=True)
    effective_date = models.DateField(db_index=True)
    explanation = models.TextField(blank=True)
    invoice = models.ForeignKey(
        "billing.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["membership", "-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["membership"],
                condition=models.Q(status="pending"),
                name="crm_one_pending_plan_change",
            )
        ]

    def __str__(self) -> str:
        return f"{self.from_plan} → {self.to_plan} ({self.get_status_display().lower()})"
