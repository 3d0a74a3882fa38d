"""Dues pricing and proration as pure functions.

Given a pricing rule, a number of employees and a start date they return the annual dues, the
period the payment covers, the prorated amount, the invoice lines and one sentence a person can
check by hand. Nothing here touches the database: the plan model turns itself into a PricingRule.
"""

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from billing.money import ZERO, format_usd, money

FLAT = "flat"
BRACKETS = "brackets"
CALENDAR = "calendar"
ANNIVERSARY = "anniversary"
PRORATE_NONE = "none"
PRORATE_MONTHLY = "monthly"
PRORATE_DAILY = "daily"


@dataclass(frozen=True)
class Bracket:
    max_employees: int
    amount: Decimal


@dataclass(frozen=True)
class PricingRule:
    kind: str = FLAT
    flat_amount: Decimal = ZERO
    brackets: tuple[Bracket, ...] = ()
    per_employee_above: Decimal = ZERO
    cap: Decimal | None = None
    billing_cycle: str = CALENDAR
    proration: str = PRORATE_NONE
    plan_name: str = "membership"
    # A sentence for the payer about where these dues come from (a new dues schedule).
    note: str = ""


@dataclass(frozen=True)
class QuoteLine:
    description: str
    amount: Decimal


@dataclass(frozen=True)
class Quote:
    annual_dues: Decimal
    period_start: date
    period_end: date
    prorated_amount: Decimal
    lines: tuple[QuoteLine, ...]
    explanation: str
    employees: int
    covered_units: int = 0
    total_units: int = 0
    unit: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)


def validate_rule(rule: PricingRule) -> None:
    """Raise ValueError when a rule could price a bigger business below a smaller one."""
    for name, value in (
        ("flat amount", rule.flat_amount),
        ("amount per employee", rule.per_employee_above),
    ):
        if value < 0:
            raise ValueError(f"The {name} cannot be negative.")
    if rule.cap is not None and rule.cap < 0:
        raise ValueError("The cap cannot be negative.")
    if rule.kind == BRACKETS:
        if not rule.brackets:
            raise ValueError("A plan priced by employee count needs at least one bracket.")
        previous: Bracket | None = None
        for bracket in rule.brackets:
            if bracket.max_employees < 1:
                raise ValueError("A bracket's upper employee count must be at least 1.")
            if bracket.amount < 0:
                raise ValueError("A bracket's dues cannot be negative.")
            if previous is not None:
                if bracket.max_employees <= previous.max_employees:
                    raise ValueError("Brackets must go up in employee count, each above the last.")
                if bracket.amount < previous.amount:
                    raise ValueError(
                        f"The bracket up to {bracket.max_employees} employees costs less than "
                        f"the one up to {previous.max_employees}: dues must not go down."
                    )
            previous = bracket


def annual_dues(rule: PricingRule, employees: int) -> Decimal:
    if employees < 0:
        raise ValueError("The number of employees cannot be negative.")
    if rule.kind == FLAT:
        amount = rule.flat_amount
    else:
        brackets = sorted(rule.brackets, key=lambda b: b.max_employees)
        for bracket in brackets:
            if employees <= bracket.max_employees:
                amount = bracket.amount
                break
        else:
            top = brackets[-1]
            amount = top.amount + rule.per_employee_above * (employees - top.max_employees)
    if rule.cap is not None:
        amount = min(amount, rule.cap)
    return money(amount)


def _year_from(start: date) -> date:
    """The last day of the year that begins on `start`: the day before its anniversary. A year
    begun on 29 February has its anniversary on 1 March when there is no 29th, so it ends on the
    28th (moving the anniversary back to the 28th would end it on the 27th, a day short)."""
    try:
        anniversary = start.replace(year=start.year + 1)
    except ValueError:
        anniversary = date(start.year + 1, 3, 1)
    return anniversary - timedelta(days=1)


def membership_period(rule: PricingRule, start: date) -> tuple[date, date]:
    """The first period a membership starting on `start` pays for."""
    if rule.billing_cycle == CALENDAR:
        return start, date(start.year, 12, 31)
    return start, _year_from(start)


def next_period(rule: PricingRule, paid_through: date) -> tuple[date, date]:
    """The full period after `paid_through`: what a renewal pays for."""
    start = paid_through + timedelta(days=1)
    if rule.billing_cycle == CALENDAR:
        return start, date(start.year, 12, 31)
    return start, _year_from(start)


def _employees_phrase(rule: PricingRule, employees: int) -> str:
    if rule.kind == FLAT:
        return ""
    return f" for {employees} employee{'s' if employees != 1 else ''}"


def quote(rule: PricingRule, *, employees: int, start: date) -> Quote:
    """Price a membership starting on `start` for a business of `employees` people."""
    annual = annual_dues(rule, employees)
    period_start, period_end = membership_period(rule, start)
    who = _employees_phrase(rule, employees)
    plan = rule.plan_name
    dues_line = QuoteLine(f"{plan} annual dues{who}", annual)

    covered = total = 0
    unit = ""
    prorated = annual
    if rule.billing_cycle == CALENDAR and rule.proration == PRORATE_MONTHLY:
        covered, total, unit = 12 - start.month + 1, 12, "month"
        prorated = money(annual * covered / total)
    elif rule.billing_cycle == CALENDAR and rule.proration == PRORATE_DAILY:
        covered = (period_end - period_start).days + 1
        total = 366 if calendar.isleap(start.year) else 365
        unit = "day"
        prorated = money(annual * covered / total)

    period_text = f"{period_start.isoformat()} to {period_end.isoformat()}"
    if prorated != annual:
        credit = prorated - annual
        lines: tuple[QuoteLine, ...] = (
            dues_line,
            QuoteLine(
                f"Proration: {total - covered} of {total} {unit}s of {period_start.year} "
                f"before the start date are not billed",
                credit,
            ),
        )
        explanation = (
            f"Annual dues{who} on the {plan} plan are {format_usd(annual)}; starting "
            f"{start.isoformat()} covers {covered} of {total} {unit}s of the {start.year} "
            f"calendar year, so {format_usd(prorated)} is due for {period_text}."
        )
    else:
        lines = (dues_line,)
        if rule.billing_cycle == CALENDAR:
            why = (
                "the full year's dues are due whatever the start date"
                if rule.proration == PRORATE_NONE
                else "the start date covers the whole year"
            )
            explanation = (
                f"Annual dues{who} on the {plan} plan are {format_usd(annual)}; {why}, so "
                f"{format_usd(annual)} is due for {period_text}."
            )
        else:
            explanation = (
                f"Annual dues{who} on the {plan} plan are {format_usd(annual)}, due for the "
                f"membership year {period_text}."
            )
    if rule.note:
        explanation = f"{explanation} {rule.note}"
    return Quote(
        annual_dues=annual,
        period_start=period_start,
        period_end=period_end,
        prorated_amount=prorated,
        lines=lines,
        explanation=explanation,
        employees=employees,
        covered_units=covered,
        total_units=total,
        unit=unit,
    )


def describe_rule(rule: PricingRule) -> dict:
    """The rule in a form a page can draw as a price table (amounts as strings)."""
    data: dict = {
        "kind": rule.kind,
        "cap": None if rule.cap is None else str(rule.cap),
        "proration": rule.proration,
    }
    if rule.kind == FLAT:
        data["amount"] = str(rule.flat_amount)
        return data
    lower = 1
    rows = []
    for bracket in sorted(rule.brackets, key=lambda b: b.max_employees):
        rows.append(
            {
                "min_employees": lower,
                "max_employees": bracket.max_employees,
                "amount": str(bracket.amount),
            }
        )
        lower = bracket.max_employees + 1
    data["brackets"] = rows
    data["per_employee_above"] = str(rule.per_employee_above)
    return data
