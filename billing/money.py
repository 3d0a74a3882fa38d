"""Money is Decimal, two places, rounded half up. The one place that converts to and from
Stripe's integer minor units."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
CURRENCY = "usd"


def money(value: Decimal | int | str) -> Decimal:
    """Round to the cent, half up. Refuses floats: they cannot hold cents exactly."""
    if isinstance(value, float):
        raise TypeError("money() refuses floats; pass a Decimal, int or string")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def to_minor_units(amount: Decimal) -> int:
    """Dollars to Stripe's integer cents; refuses an amount with fractions of a cent."""
    if amount != amount.quantize(CENT):
        raise ValueError(f"{amount} has fractions of a cent")
    return int(amount * 100)


def from_minor_units(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def format_usd(amount: Decimal) -> str:
    """The one way an amount is written for people: $1,450.00; -$6,875.00 (the sign before
    the dollar); rounded to the cent first, so -0.004 is $0.00. CSV keeps plain numbers."""
    rounded = money(amount)
    sign = "-" if rounded < 0 else ""
    return f"{sign}${abs(rounded):,.2f}"
