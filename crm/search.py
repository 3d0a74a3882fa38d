"""Substring search that PostgreSQL answers from indexes, for the staff API and the admin.

Django's ``icontains`` compares ``UPPER(col::text) LIKE UPPER('%term%')``; the migrations put a
trigram GIN index on exactly that expression for every searched column. One OR over several
columns, worse over joined tables (an invoice's number or its organization's name), cannot use
those indexes: the planner reads every row. Here each column is searched on its own, each
search an index scan, and the record ids are united:

    WHERE id IN (SELECT id ... WHERE UPPER(number::text) LIKE ...
                 UNION SELECT id ... JOIN organization ... WHERE UPPER(name::text) LIKE ...)

Same rows as the OR (no duplicates, so no DISTINCT), on SQLite too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Model, QuerySet
from django.utils.text import smart_split, unescape_string_literal


def indexed_search(queryset: QuerySet, fields: Sequence[str], terms: Iterable[str]) -> QuerySet:
    """`queryset` narrowed to the records where every term is in at least one of `fields` (ORM
    paths such as ``organization__name``), ignoring case."""
    model: type[Model] = queryset.model
    manager = model._default_manager
    for term in terms:
        matches = [
            manager.filter(**{f"{field}__icontains": term}).order_by().values("pk")
            for field in fields
        ]
        union = matches[0].union(*matches[1:]) if len(matches) > 1 else matches[0]
        queryset = queryset.filter(pk__in=union)
    return queryset


class IndexedSearchAdminMixin:
    """For a ModelAdmin: its search box answered by `indexed_search` (no DISTINCT needed)."""

    def get_search_results(self, request: Any, queryset: QuerySet, search_term: str) -> Any:
        fields = list(self.get_search_fields(request))  # type: ignore[attr-defined]
        if not search_term or not fields or any(f[0] in "^=@" for f in fields):
            return super().get_search_results(request, queryset, search_term)  # type: ignore[misc]
        terms = [
            unescape_string_literal(t) if t[0] in "\"'" else t for t in smart_split(search_term)
        ]
        return indexed_search(queryset, fields, [t for t in terms if t]), False
