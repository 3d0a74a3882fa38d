from decimal import Decimal

from django import template

from billing.money import format_usd

register = template.Library()


@register.filter
def usd(value: Decimal | None) -> str:
    """$1,234.50: an amount as the chamber's documents print it."""
    if value is None or value == "":
        return ""
    return format_usd(Decimal(value))
