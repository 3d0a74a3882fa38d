"""A pledge's installment schedule as a pure function: dates and amounts that add up to the
commitment to the cent."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from billing.money import format_usd, from_minor_units, money, to_minor_units

ALLOWED_INSTALLMENTS_PER_YEAR = (1, 2, 4, 12)


@dataclass(frozen=True)
class Installment:
    number: int
    due_date: date
    amount: Decimal


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    # The 31st of a short month falls on its last day.
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def term_end(start: date, term_years: int) -> date:
    """The first day after a term of `term_years` from `start`: where the next term starts."""
    return _add_months(start, 12 * term_years)


def total_commitment(annual_amount: Decimal, term_years: int) -> Decimal:
    return money(annual_amount * term_years)


def installment_schedule(
    *, annual_amount: Decimal, start: date, term_years: int, installments_per_year: int
) -> list[Installment]:
    if installments_per_year not in ALLOWED_INSTALLMENTS_PER_YEAR:
        raise ValueError(f"Installments per year must be one of {ALLOWED_INSTALLMENTS_PER_YEAR}.")
    if term_years < 1:
        raise ValueError("The term is at least one year.")
    if annual_amount <= 0:
        raise ValueError("The annual amount must be above zero.")
    count = term_years * installments_per_year
    total_cents = to_minor_units(total_commitment(annual_amount, term_years))
    if total_cents < count:
        # Some installments would be $0.00: an invoice for nothing.
        raise ValueError(
            f"{format_usd(from_minor_units(total_cents))} cannot be split into {count} "
            f"installments of at least a cent; choose fewer installments."
        )
    base, remainder = divmod(total_cents, count)
    months_apart = 12 // installments_per_year
    schedule = []
    for index in range(count):
        # The leftover cents go to the first installments, one each, so no two differ by more
        # than a cent and the sum is exact.
        cents = base + (1 if index < remainder else 0)
        schedule.append(
            Installment(
                number=index + 1,
                due_date=_add_months(start, index * months_apart),
                amount=money(Decimal(cents) / 100),
            )
        )
    return schedule
