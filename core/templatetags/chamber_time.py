"""{% load chamber_time %}: {{ event.starts_at|local_datetime }} and {{ event.ends_at|local_time }},
in the chamber's time zone and naming it (core/timefmt.py)."""

from datetime import date, datetime

from django import template
from django.conf import settings
from django.utils import dateformat

from core import timefmt

register = template.Library()


@register.filter
def local_datetime(value: datetime | None) -> str:
    return "" if value is None else timefmt.local_datetime(value)


@register.filter
def local_time(value: datetime | None) -> str:
    return "" if value is None else timefmt.local_time(value)


@register.simple_tag
def chamber_time_zone() -> str:
    """The zone the scripts format times in (body's data-time-zone)."""
    return settings.TIME_ZONE


@register.simple_tag
def chamber_time_zone_label() -> str:
    return timefmt.zone_label()


@register.filter
def long_date(value: str | date | None) -> str:
    """An API's ISO date ("2026-03-05") or a date as "March 5, 2026"."""
    if not value:
        return ""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return dateformat.format(day, "F j, Y")
