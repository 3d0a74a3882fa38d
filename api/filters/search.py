"""The staff lists' ``?search=``: DRF's SearchFilter, answered through crm.search so that
PostgreSQL searches each column through its trigram index (same matches: every term in at
least one of the view's ``search_fields``, ignoring case)."""

from typing import Any

from django.db.models import QuerySet
from rest_framework.filters import SearchFilter
from rest_framework.request import Request

from crm.search import indexed_search


class IndexedSearchFilter(SearchFilter):
    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        fields = self.get_search_fields(view, request)
        terms = self.get_search_terms(request)
        if not fields or not terms:
            return queryset
        if any(field[0] in self.lookup_prefixes for field in fields):
            return super().filter_queryset(request, queryset, view)  # ^, =, @, $: DRF's own way
        return indexed_search(queryset, list(fields), terms)
