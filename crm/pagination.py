"""A paginator whose count costs the same at any size, for the staff API and the admin's big
lists: exact up to ``STAFF_API_EXACT_COUNT_LIMIT`` matching rows (default 1,000), PostgreSQL's
estimate beyond (the table's ``pg_class.reltuples`` unfiltered, the planner's row estimate
otherwise; ``count_is_estimate`` says which). A filtered list whose estimate is plainly past the
limit is not counted at all. Each estimated page reads one row more than it
shows, so whether a next page exists never depends on the estimate."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connections, transaction
from django.db.models import QuerySet
from django.utils.functional import cached_property

# A filtered or searched list is counted only when the planner expects at most this many times
# the limit: past it, counting (up to the limit) would read as many rows as the table has
# matches, which grows with the table; the planner's guess is off by a factor of a few at most.
ESTIMATE_MARGIN = 2


def exact_count_limit() -> int:
    return getattr(settings, "STAFF_API_EXACT_COUNT_LIMIT", 1000)


def uncounted_past() -> int:
    """Planned matching rows past which a filtered or searched list is not counted. (A search
    through other records switches from ids to walking its order at `exact_count_limit()`
    matches it has read, not at this estimate: crm/search.py.)"""
    return ESTIMATE_MARGIN * exact_count_limit()


def bound_rows(queryset: QuerySet, most: int) -> QuerySet:
    """Record that `queryset` gives at most `most` rows (a search that read its matching ids):
    its count is then asked exactly, without asking the planner first. The bound rides on the
    query, so it survives the filters and orderings applied after it (they only narrow)."""
    known = rows_at_most(queryset)
    bound = most if known is None else min(known, most)
    queryset.query.rows_at_most = bound  # type: ignore[attr-defined]
    return queryset


def rows_at_most(queryset: QuerySet) -> int | None:
    return getattr(queryset.query, "rows_at_most", None)


def bound_rows_below(queryset: QuerySet) -> QuerySet:
    """Record that `queryset`, exactly as it stands, gives more than `exact_count_limit()` rows
    (a search whose term alone matched more, on an unfiltered list): its count is then the
    planner's estimate, without counting. Any filter added afterwards voids it (the where
    clause is compared)."""
    queryset.query.more_than_limit_where = queryset.query.where.clone()  # type: ignore[attr-defined]
    return queryset


def _more_than_limit(queryset: QuerySet) -> bool:
    where = getattr(queryset.query, "more_than_limit_where", None)
    return where is not None and where == queryset.query.where


def sort_matches_up_to() -> int:
    return getattr(settings, "STAFF_API_SORT_MATCHES_UP_TO", 25_000)  # config/settings.py


def sort_matches_when_few(queryset: QuerySet) -> QuerySet:
    """Mark a searched `queryset` whose page is better read by sorting its matches than by
    walking its order's index, when the planner expects at most `sort_matches_up_to()` of them
    (or the count found at most `exact_count_limit()`). The planner prices the walk as if the
    matches were spread evenly along the order; a term's matches often sit together (a last
    name), and the walk then reads every row before them: 200,000 contacts for "garcia" at a
    million. The sort reads the matches only (the trigram index): tens of thousands at most."""
    queryset.query.sort_matches_when_few = True  # type: ignore[attr-defined]
    return queryset


def planned_rows(queryset: QuerySet) -> int:
    """The rows PostgreSQL's planner expects `queryset` to give (EXPLAIN: planned, not run)."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # e.g. `pk__in=[]`: no query is needed to know
        return 0
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


class _LookaheadPage(Page):
    def __init__(self, rows: Sequence[Any], number: int, paginator: Paginator, more: bool) -> None:
        super().__init__(rows, number, paginator)
        self._more = more

    def has_next(self) -> bool:
        return self._more


class EstimatedCountPaginator(Paginator):
    """Exact count up to a limit, PostgreSQL's estimate beyond it (see the module)."""

    count_is_estimate = False
    _planned: int | None = None  # the planner's rows for the list, when count() asked it

    def __init__(
        self, *args: Any, page_rows: Callable[[Any], Sequence[Any]] | None = None, **kwargs: Any
    ) -> None:
        """`page_rows` reads the page's slice of the queryset (the staff API's plain rows,
        api/plain_rows.py); the count and the navigation stay the queryset's own."""
        super().__init__(*args, **kwargs)
        self.page_rows = page_rows

    def _rows(self, object_list: Any) -> Any:
        return object_list if self.page_rows is None else self.page_rows(object_list)

    @property
    def exact_count_limit(self) -> int:
        return exact_count_limit()

    def _queryset(self) -> QuerySet | None:
        qs = self.object_list
        if not isinstance(qs, QuerySet) or connections[qs.db].vendor != "postgresql":
            return None
        return qs

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        qs = self._queryset()
        if qs is None:
            return super().count
        limit = self.exact_count_limit
        ids = qs.order_by().values("pk")
        bounded_by_search = (rows_at_most(qs) or limit + 1) <= limit
        estimate = self._estimate(qs, ids) if qs.query.where and not bounded_by_search else None
        self._planned = estimate
        if _more_than_limit(qs):  # known past the limit: only the estimate is asked
            self.count_is_estimate = True
            return max(limit + 1, estimate if estimate is not None else 0)
        if estimate is not None and estimate > uncounted_past():
            self.count_is_estimate = True  # plainly past the limit: counting would read them all
            return estimate
        bounded = ids[: limit + 1].count()
        if bounded <= limit:
            return bounded
        self.count_is_estimate = True
        return max(limit + 1, estimate if estimate is not None else self._estimate(qs, ids))

    def _estimate(self, qs: QuerySet, ids: QuerySet) -> int:
        with connections[qs.db].cursor() as cursor:
            if not qs.query.where:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                    [qs.model._meta.db_table],
                )
                row = cursor.fetchone()
                if row and row[0] >= 0:
                    return int(row[0])
        return planned_rows(ids)

    def validate_number(self, number: Any) -> int:
        if not self.count_is_estimate:
            return super().validate_number(number)
        try:
            value = int(number)
        except (TypeError, ValueError) as error:
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from error
        if value < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return value

    def _sorts_matches(self) -> bool:
        """Whether the page is read with the index walk priced out (`sort_matches_when_few`)."""
        qs = self._queryset()
        if qs is None or not getattr(qs.query, "sort_matches_when_few", False):
            return False
        if not self.count_is_estimate:
            return True  # at most the limit's matches: sorting them is cheap
        return self._planned is not None and self._planned <= sort_matches_up_to()

    def _read(self, read: Callable[[], Any]) -> Any:
        """The page's rows as `read` gives them; read at once, with plain index scans priced
        out (the trigram index is still read, as a bitmap), when its matches are to be sorted."""
        if not self._sorts_matches():
            return read()
        qs = self._queryset()
        assert qs is not None
        connection = connections[qs.db]
        # SET LOCAL lasts to the end of the transaction: the block's own one ends it; within a
        # transaction the caller holds (a test, a surrounding atomic block) it is reset after
        # (a failure rolls the block's savepoint back, and the setting with it).
        nested = connection.in_atomic_block
        with transaction.atomic(using=qs.db), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_indexscan = off")
            rows = read()
            if isinstance(rows, QuerySet):
                rows._fetch_all()  # type: ignore[attr-defined]  # read now, still a QuerySet
            if nested:
                cursor.execute("RESET enable_indexscan")
            return rows

    def page(self, number: Any) -> Page:
        self.count  # noqa: B018 - decides whether the count is an estimate
        if not self.count_is_estimate:
            page = super().page(number)
            rows = page.object_list
            page.object_list = self._read(lambda: self._rows(rows))
            return page
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        window = self.object_list[bottom : bottom + self.per_page + 1]
        rows = list(self._read(lambda: self._rows(window)))
        more = len(rows) > self.per_page
        rows = rows[: self.per_page]
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        if not more:  # the last page: now the count is known exactly
            self.__dict__["count"] = bottom + len(rows)
            self.count_is_estimate = False
        return _LookaheadPage(rows, number, self, more)
