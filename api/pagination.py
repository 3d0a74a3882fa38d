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

from typing import Any

from rest_framework import pagination
from rest_framework.response import Response

from crm.pagination import EstimatedCountPaginator


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class StaffPageNumberPagination(PageNumberPagination):
    """The staff API's lists: page numbers, with a count bounded as the module says."""

    django_paginator_class = EstimatedCountPaginator

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
