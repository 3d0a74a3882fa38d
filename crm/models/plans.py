from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from billing.money import format_usd
from core.models import TimeStampedModel
from crm import pricing

if TYPE_CHECKING:
    from crm.models.dues import DuesScheduleBracket, DuesScheduleRule


def money_field(verbose_name: str | None = None, **kwargs: Any) -> models.DecimalField:
    """An amount of money: Decimal to the cent, never negative."""
    kwargs.setdefault("validators", [MinValueValidator(Decimal("0"))])
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, **kwargs)


def parse_reminder_days(value: str) -> list[int]:
    """ "-14, -3, 7, 21" -> [-14, -3, 7, 21]: days from the renewal invoice's due date (before it
    when negative). Raises ValueError with a sentence staff can act on."""
    days: list[int] = []
    for part in value.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            day = int(part)
        except ValueError:
            raise ValueError(
                f"{part!r} is not a whole number of days (write e.g. -14, -3, 7, 21)."
            ) from None
        if not -365 <= day <= 365:
            raise ValueError(f"{day} days is more than a year from the due date.")
        days.append(day)
    if len(set(days)) != len(days):
        raise ValueError("Each day may appear once in the reminder schedule.")
    return sorted(days)


def validate_reminder_days(value: str) -> None:
    try:
        parse_reminder_days(value)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc


class PricingKind(models.TextChoices):
    FLAT = pricing.FLAT, "Flat dues"
    BRACKETS = pricing.BRACKETS, "By number of employees"


class BillingCycle(models.TextChoices):
    CALENDAR = pricing.CALENDAR, "Calendar year"
    ANNIVERSARY = pricing.ANNIVERSARY, "Join anniversary"


class Proration(models.TextChoices):
    NONE = pricing.PRORATE_NONE, "None (full dues)"
    MONTHLY = pricing.PRORATE_MONTHLY, "By month"
    DAILY = pricing.PRORATE_DAILY, "By day"


class MembershipPlan(TimeStampedModel):
    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    pricing_kind = models.CharField(
        max_length=20, choices=PricingKind.choices, default=PricingKind.FLAT
    )
    flat_amount = money_field("flat annual dues", default=Decimal("0.00"))
    per_employee_above = money_field("per employee above the top bracket", default=Decimal("0.00"))
    cap = money_field("annual dues cap", null=True, blank=True)
    billing_cycle = models.CharField(
        max_length=20, choices=BillingCycle.choices, default=BillingCycle.CALENDAR
    )
    proration = models.CharField(
        max_length=20,
        choices=Proration.choices,
        default=Proration.MONTHLY,
        help_text="How a calendar-year plan charges a member who joins mid-year.",
    )
    grace_days = models.PositiveIntegerField(
        default=30, help_text="Days after the paid-through date before an unpaid member lapses."
    )
    renewal_lead_days = models.PositiveIntegerField(
        default=45, help_text="Days before the paid-through date that the renewal invoice is sent."
    )
    reminder_days = models.CharField(
        "reminder schedule",
        max_length=100,
        default="-14, -3, 7, 21",
        blank=True,
        validators=[validate_reminder_days],
        help_text="Days from the renewal invoice's due date on which an unpaid member is "
        "reminded: negative before it, positive after (e.g. -14, -3, 7, 21). Each is sent once.",
    )
    offered_publicly = models.BooleanField("offered on the join page", default=True)
    requires_review = models.BooleanField(
        default=True, help_text="Applications wait for staff approval before they are billed."
    )
    gl_revenue_account = models.CharField("GL revenue account", max_length=50, default="4000")
    # The size of business the plan is meant for: staff moving a member to it are warned when
    # the organization's employee count falls outside (nothing is refused).
    min_employees = models.PositiveIntegerField(
        "intended for at least (employees)",
        null=True,
        blank=True,
        help_text="Empty: no lower bound. Staff changing a member's plan are warned below it.",
    )
    max_employees = models.PositiveIntegerField(
        "intended for at most (employees)",
        null=True,
        blank=True,
        help_text="Empty: no upper bound. Staff changing a member's plan are warned above it.",
    )
    is_active = models.BooleanField(default=True)
    # Set while an applied dues schedule prices some of this plan's renewals (crm.models.dues):
    # without it, pricing a period reads no schedule at all.
    dues_scheduled = models.BooleanField(default=False, editable=False)
    sort_order = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def organization_required(self) -> bool:
        """A person joins an individual plan (settings.INDIVIDUAL_PLANS) as themself."""
        return self.code not in settings.INDIVIDUAL_PLANS

    @property
    def employees_required(self) -> bool:
        """Only dues by headcount need the number of employees."""
        return self.pricing_kind == PricingKind.BRACKETS

    @property
    def reminder_offsets(self) -> list[int]:
        return parse_reminder_days(self.reminder_days)

    def clean(self) -> None:
        super().clean()
        low, high = self.min_employees, self.max_employees
        if low is not None and high is not None and low > high:
            raise ValidationError(
                {"max_employees": "The upper employee count is below the lower one."}
            )

    @property
    def intended_size(self) -> str:
        """The size of business the plan is meant for, in words ("" when any size)."""
        low, high = self.min_employees, self.max_employees
        if low is not None and high is not None:
            return f"{low} to {high} employees"
        if high is not None:
            return f"up to {high} employees"
        if low is not None:
            return f"{low} or more employees"
        return ""

    def size_warning(self, employees: int | None) -> str:
        """Why an organization of `employees` people is outside the plan's intended size, or
        "" when it fits (or the plan is meant for any size)."""
        size = self.intended_size
        if not size:
            return ""
        if employees is None and self.min_employees is not None:
            return (
                f"The {self.name} plan is meant for {size}; the organization's number of "
                f"employees is not on record."
            )
        low, high = self.min_employees, self.max_employees
        if employees is None:
            return ""
        if (low is not None and employees < low) or (high is not None and employees > high):
            people = "employee" if employees == 1 else "employees"
            return (
                f"The {self.name} plan is meant for {size}; this organization has "
                f"{employees} {people}."
            )
        return ""

    def pricing_rule(
        self, brackets: list["PlanBracket"] | None = None, *, on: date | None = None
    ) -> pricing.PricingRule:
        """The plan's pricing rule; `on`: for a membership period starting that day, which a
        dues schedule applied from an earlier renewal date prices instead (crm.models.dues)."""
        if on is not None:
            from crm.models.dues import scheduled_pricing_rule

            scheduled = scheduled_pricing_rule(self, on)
            if scheduled is not None:
                return scheduled
        if brackets is None:
            brackets = list(self.brackets.all())
        return pricing_rule_of(self, brackets, plan=self)


def pricing_rule_of(
    dues: "MembershipPlan | DuesScheduleRule",
    brackets: "Iterable[PlanBracket | DuesScheduleBracket]",
    *,
    plan: MembershipPlan,
    note: str = "",
) -> pricing.PricingRule:
    """The pricing rule of a plan's dues, or of a dues schedule's rule for the plan (each has the
    dues' kind, flat amount, amount per employee above the top bracket, cap, and its brackets),
    billed on the plan's cycle with its proration."""
    return pricing.PricingRule(
        kind=dues.pricing_kind,
        flat_amount=dues.flat_amount,
        brackets=tuple(
            pricing.Bracket(max_employees=b.max_employees, amount=b.amount)
            for b in sorted(brackets, key=lambda b: b.max_employees)
        ),
        per_employee_above=dues.per_employee_above,
        cap=dues.cap,
        billing_cycle=plan.billing_cycle,
        proration=plan.proration,
        plan_name=plan.name,
        note=note,
    )


class PlanBracket(models.Model):
    """Dues for businesses of up to `max_employees` (and above the previous bracket)."""

    plan = models.ForeignKey(MembershipPlan, on_delete=models.CASCADE, related_name="brackets")
    max_employees = models.PositiveIntegerField("up to employees")
    amount = money_field("annual dues")

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "max_employees"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "max_employees"], name="crm_bracket_unique")
        ]

    def __str__(self) -> str:
        return f"up to {self.max_employees} employees: {format_usd(self.amount)}"
