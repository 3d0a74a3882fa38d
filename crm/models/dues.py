"""Dues planning and the dues deductibility notice.

A DuesSchedule is a draft of new dues for some plans (one DuesScheduleRule per plan: flat, or
brackets with a per-employee amount above the top bracket and a cap, the plan's own pricing
representation). Staff compare it with today's dues before anything changes (crm.dues_planning),
then apply it from a renewal date: a membership period starting on or after `effective_from` is
priced by the schedule (MembershipPlan.pricing_rule(on=...)); earlier periods keep the plan's
own rule. DuesDeductibility holds, per calendar year, the share of dues the chamber spends on
lobbying, which IRC 6033(e) requires it to tell members is not deductible.
"""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from simple_history.models import HistoricalRecords

from billing.money import ZERO, format_usd
from core.models import TimeStampedModel, staff_user_field
from crm import pricing
from crm.models.plans import MembershipPlan, PricingKind, money_field, pricing_rule_of


class DuesSchedule(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft (what-if)"
        SCHEDULED = "scheduled", "Applied from its renewal date"
        WITHDRAWN = "withdrawn", "Withdrawn"

    name = models.CharField(max_length=200)
    member_notice = models.TextField(
        "explanation for members",
        blank=True,
        help_text="Why dues change, printed on the renewal invoices priced by this schedule "
        "(their mail and PDF).",
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    effective_from = models.DateField(
        "renewals from",
        null=True,
        blank=True,
        editable=False,
        help_text="Membership periods starting on or after this day use this schedule.",
    )
    applied_at = models.DateTimeField(null=True, blank=True, editable=False)
    applied_by = staff_user_field()

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created"]
        permissions = [("apply_duesschedule", "Can apply dues schedules")]

    def __str__(self) -> str:
        return self.name


class DuesScheduleRule(models.Model):
    """A plan's dues under a schedule (its billing cycle and proration stay the plan's)."""

    schedule = models.ForeignKey(DuesSchedule, on_delete=models.CASCADE, related_name="rules")
    plan = models.ForeignKey(MembershipPlan, on_delete=models.PROTECT, related_name="dues_rules")
    pricing_kind = models.CharField(
        max_length=20, choices=PricingKind.choices, default=PricingKind.FLAT
    )
    flat_amount = money_field("flat annual dues", default=Decimal("0.00"))
    per_employee_above = money_field("per employee above the top bracket", default=Decimal("0.00"))
    cap = money_field("annual dues cap", null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["schedule", "plan__sort_order", "plan__name"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "plan"], name="crm_dues_rule_once")
        ]

    def __str__(self) -> str:
        return f"{self.plan} in {self.schedule}"

    def pricing_rule(
        self, plan: MembershipPlan, brackets: list["DuesScheduleBracket"] | None = None
    ) -> pricing.PricingRule:
        if brackets is None:
            brackets = list(self.brackets.all())
        schedule = self.schedule
        note = ""
        if schedule.effective_from and schedule.member_notice.strip():
            note = (
                f"Dues changed for renewals from {schedule.effective_from:%B %-d, %Y}: "
                f"{schedule.member_notice.strip()}"
            )
        return pricing_rule_of(self, brackets, plan=plan, note=note)


class DuesScheduleBracket(models.Model):
    rule = models.ForeignKey(DuesScheduleRule, on_delete=models.CASCADE, related_name="brackets")
    max_employees = models.PositiveIntegerField("up to employees")
    amount = money_field("annual dues")

    class Meta:
        ordering = ["rule", "max_employees"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "max_employees"], name="crm_dues_bracket_unique"
            )
        ]

    def __str__(self) -> str:
        return f"up to {self.max_employees} employees: {format_usd(self.amount)}"


def scheduled_pricing_rule(plan: MembershipPlan, on: date) -> pricing.PricingRule | None:
    """The rule of the latest applied schedule in effect on `on` for this plan, if any. Uses the
    rules prefetched as `plan.scheduled_dues_rules` (crm.selectors); otherwise reads them once
    and keeps them on this plan instance (a join prices its quote and its invoice with one
    read). Read the plan again to see a schedule applied since."""
    rules = getattr(plan, "scheduled_dues_rules", None)
    if rules is None and not plan.dues_scheduled:
        return None
    if rules is None:
        rules = list(
            DuesScheduleRule.objects.filter(
                plan=plan, schedule__status=DuesSchedule.Status.SCHEDULED
            )
            .select_related("schedule")
            .prefetch_related("brackets")
        )
        plan.scheduled_dues_rules = rules  # type: ignore[attr-defined]
    in_effect = [
        rule
        for rule in rules
        if rule.schedule.status == DuesSchedule.Status.SCHEDULED
        and rule.schedule.effective_from is not None
        and rule.schedule.effective_from <= on
    ]
    if not in_effect:
        return None
    latest = max(in_effect, key=lambda r: (r.schedule.effective_from, r.schedule.applied_at))
    return latest.pricing_rule(plan)


HALF_CENT = Decimal("0.01")

DEFAULT_NOTICE = (
    "Of your dues, {percent}% ({amount}) is not deductible as a business expense because it is "
    "used for lobbying and political activities (Internal Revenue Code section 6033(e))."
)


def validate_notice_wording(value: str) -> None:
    """The wording may use {percent} and {amount} and no other placeholder."""
    try:
        value.format(percent="12.5", amount="$1.00")
    except (KeyError, IndexError, ValueError) as exc:
        raise ValidationError(
            "Use {percent} and {amount} as the only placeholders (write {{ and }} for braces)."
        ) from exc


class DuesDeductibility(TimeStampedModel):
    """The non-deductible (lobbying) share of dues for a calendar year, and the notice's words."""

    year = models.PositiveIntegerField(
        unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    non_deductible_percent = models.DecimalField(
        "non-deductible share (%)",
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="The share of dues spent on lobbying and political activity, e.g. 12.50.",
    )
    wording = models.TextField(
        default=DEFAULT_NOTICE,
        validators=[validate_notice_wording],
        help_text="The notice; {percent} and {amount} become the share and its dollar amount.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-year"]
        verbose_name = "dues deductibility notice"
        verbose_name_plural = "dues deductibility notices"

    def __str__(self) -> str:
        return f"{self.year}: {self.non_deductible_percent}% not deductible"

    @staticmethod
    def cache_key(year: int) -> str:
        return f"dues-deductibility:{year}"

    def non_deductible_amount(self, dues: Decimal) -> Decimal:
        """The share of `dues` that is not deductible, to the cent, rounded half up."""
        if dues <= ZERO:
            return ZERO
        return (dues * self.non_deductible_percent / Decimal(100)).quantize(
            HALF_CENT, rounding=ROUND_HALF_UP
        )

    def notice(self, dues: Decimal) -> str:
        percent = self.non_deductible_percent.normalize()
        return self.wording.format(
            percent=f"{percent:f}", amount=format_usd(self.non_deductible_amount(dues))
        )


@receiver([post_save, post_delete], sender=DuesDeductibility)
def _forget_cached_setting(sender: type, instance: DuesDeductibility, **kwargs: object) -> None:
    # billing.documents.deductibility_for() keeps each year's setting in the (shared) cache.
    cache.delete(DuesDeductibility.cache_key(instance.year))
