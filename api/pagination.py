"""Page-number pagination; on the staff API with a count that costs the same at any size.

An exact ``COUNT(*)`` reads every matching row, so on a big table each page cost more than the
page itself. The staff lists count at most ``STAFF_API_EXACT_COUNT_LIMIT`` rows (default 1,000)
exactly; past that the count is PostgreSQL's estimate (the table's ``pg_class.reltuples`` for an
unfiltered list, the planner's row estimate for a filtered or searched one), and the answer says
so with ``"count_is_estimate": true``. Navigation never depends on the estimate: each page reads
one row more than it shows, so ``next`` is there exactly when a next page has rows, and any
page number past the last is a 404 as before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from django.db.models import QuerySet
from rest_framework import pagination
from rest_framework.request import Request
from rest_framework.response import Response

from crm.pagination import EstimatedCountPaginator


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class StaffPageNumberPagination(PageNumberPagination):
    """The staff API's lists: page numbers, with a count bounded as the module says."""

    django_paginator_class = EstimatedCountPaginator

    def paginate_rows(
        self,
        queryset: QuerySet,
        request: Request,
        view: Any,
        rows: Callable[[QuerySet], Sequence[Any]],
    ) -> list[Any] | None:
        """paginate_queryset(), with the page's records read by `rows` from the page's slice of
        `queryset` (api/plain_rows.py); the count and the navigation are the queryset's."""
        self.django_paginator_class = partial(EstimatedCountPaginator, page_rows=rows)  # type: ignore[assignment]
        try:
            return self.paginate_queryset(queryset, request, view)
        finally:
            del self.django_paginator_class

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        assert self.page is not None  # DRF sets it in paginate_queryset, before this
        paginator = self.page.paginator
        assert isinstance(paginator, EstimatedCountPaginator)
        response.data["count_is_estimate"] = paginator.count_is_estimate
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        answer = super().get_paginated_response_schema(schema)
        answer["properties"]["count_is_estimate"] = {
            "type": "boolean",
            "description": "True when `count` is PostgreSQL's estimate (more than "
            "STAFF_API_EXACT_COUNT_LIMIT matching rows); navigate with `next`.",
        }
        return answer
