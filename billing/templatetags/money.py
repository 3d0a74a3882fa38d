"""{% load money %}: {{ amount|usd }} writes an amount as everywhere else ($1,450.00; -$6,875.00),
through billing.money.format_usd, the one formatter."""

from decimal import Decimal, InvalidOperation

from django import template

from billing.money import format_usd

register = template.Library()


@register.filter
def usd(value: Decimal | int | str | None) -> str:
    if value is None or value == "":
        return ""
    try:
        return format_usd(Decimal(value))
    except (InvalidOperation, TypeError):
        return str(value)
