"""The staff lists' ``?ordering=``: DRF's OrderingFilter, with the record's id as the last key
when the fields asked for do not end in it. Rows that tie on the fields asked for (every
registration not yet checked in, for ``-checked_in_at``) then come in one order on every page
and every read, as the lists' default orderings (``-created, -pk``) already do."""

from typing import Any

from django.db.models import QuerySet
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request

_IDS = {"pk", "id"}


class StableOrderingFilter(OrderingFilter):
    def get_ordering(self, request: Request, queryset: QuerySet, view: Any) -> Any:
        ordering = super().get_ordering(request, queryset, view)
        if not ordering or any(
            isinstance(term, str) and term.lstrip("-") in _IDS for term in ordering
        ):
            return ordering
        last = ordering[-1]
        descending = isinstance(last, str) and last.startswith("-")
        return [*ordering, "-pk" if descending else "pk"]
