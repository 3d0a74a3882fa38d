"""A date drill-down (``date_hierarchy``) whose cost does not grow with the list.

Django's drill-down lists the years (then months, then days) that have rows with
``SELECT DISTINCT DATE_TRUNC(...)`` over every matching row: on a list of 150,000 invoices that
read the whole table on every page view, more with a search. Here the choices are the calendar
between the first and the last date of the rows listed (two reads, each one walk of the date's
index): a year, month or day between them without rows shows an empty list.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.contrib.admin.views.main import ChangeList
from django.db.models import Max, Min, QuerySet
from django.http import HttpRequest
from django.utils import timezone


def _calendar(first: date, last: date, kind: str) -> list[date]:
    if kind == "year":
        return [date(year, 1, 1) for year in range(first.year, last.year + 1)]
    if kind == "month":
        months = range(first.year * 12 + first.month - 1, last.year * 12 + last.month)
        return [date(m // 12, m % 12 + 1, 1) for m in months]
    return [date.fromordinal(day) for day in range(first.toordinal(), last.toordinal() + 1)]


class _CalendarQuerySet(QuerySet):
    """``dates()`` and ``datetimes()`` give the calendar between the first and last value; the
    first and the last are each read as the first row in the date's order (one index walk that
    stops at the first row listed, where ``MIN`` over a join or a search reads every row)."""

    def _span(self, field_name: str) -> tuple[Any, Any]:
        spans = self.__dict__.setdefault("_calendar_spans", {})
        if field_name not in spans:
            dated = self.filter(**{f"{field_name}__isnull": False}).values_list(
                field_name, flat=True
            )
            first = dated.order_by(field_name).first()
            last = dated.order_by(f"-{field_name}").first() if first is not None else None
            spans[field_name] = (first, last)
        return spans[field_name]

    def aggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        first, last = kwargs.get("first"), kwargs.get("last")
        if not args and isinstance(first, Min) and isinstance(last, Max) and len(kwargs) == 2:
            field = getattr(first.source_expressions[0], "name", None)
            if isinstance(field, str) and first.source_expressions == last.source_expressions:
                found = self._span(field)  # the drill-down's opening question
                return {"first": found[0], "last": found[1]}
        return super().aggregate(*args, **kwargs)

    def dates(self, field_name: str, kind: str, order: str = "ASC") -> Any:
        first, last = self._span(field_name)
        if first is None:
            return []
        days = _calendar(first, last, kind)
        return days if order == "ASC" else days[::-1]

    def datetimes(self, field_name: str, kind: str, order: str = "ASC", tzinfo: Any = None) -> Any:
        first, last = self._span(field_name)
        if first is None:
            return []
        zone = tzinfo or timezone.get_current_timezone()
        days = [
            timezone.make_aware(datetime.combine(day, time.min), zone)
            for day in _calendar(
                timezone.localtime(first, zone).date(), timezone.localtime(last, zone).date(), kind
            )
        ]
        return days if order == "ASC" else days[::-1]


def _with_calendar(queryset: QuerySet) -> QuerySet:
    base = type(queryset)
    if issubclass(base, _CalendarQuerySet):
        return queryset
    calendar = type(f"Calendar{base.__name__}", (_CalendarQuerySet, base), {})
    clone = queryset.all()
    clone.__class__ = calendar
    return clone


class _CalendarChangeList(ChangeList):
    def get_queryset(self, request: HttpRequest, exclude_parameters: Any = None) -> QuerySet:
        return _with_calendar(super().get_queryset(request, exclude_parameters))


class CalendarDrillDownMixin:
    """For a ModelAdmin with ``date_hierarchy`` on a big table (see the module)."""

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return _CalendarChangeList
