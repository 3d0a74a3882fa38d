"""A paginator whose count costs the same at any size, for the staff API and the admin's big
lists: exact up to ``STAFF_API_EXACT_COUNT_LIMIT`` matching rows (default 1,000), PostgreSQL's
estimate beyond (the table's ``pg_class.reltuples`` unfiltered, the planner's row estimate
otherwise; ``count_is_estimate`` says which). A filtered list whose estimate is plainly past the
limit is not counted at all, nor is a whole table whose size, measured within the last minute
(`SIZE_KEPT_SECONDS`), is plainly past it. Each estimated page reads one row more than it
shows, so whether a next page exists never depends on the estimate. A search whose matches are
sorted for its page, and few enough to count, is counted by the statement that sorts them,
exactly (`EstimatedCountPaginator._page_and_count`), when its page is asked for first (the
staff API; the admin counts first)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet, FieldDoesNotExist
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connections
from django.db.models import (
    CharField,
    Count,
    DateField,
    DateTimeField,
    DecimalField,
    F,
    Field,
    Func,
    IntegerField,
    QuerySet,
    TextField,
    Window,
)
from django.db.models.expressions import OrderBy
from django.utils.functional import cached_property

from core.db import count_of, values_sql

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


def _record(queryset: QuerySet, name: str, value: Any) -> QuerySet:
    """Keep `value` on `queryset`'s query for as long as its where clause stays as it is now."""
    setattr(queryset.query, name, (queryset.query.where.clone(), value))
    return queryset


def _recorded(queryset: QuerySet, name: str) -> Any:
    """The value `_record` kept, or None when a filter was added since (or none was kept)."""
    kept = getattr(queryset.query, name, None)
    return kept[1] if kept is not None and kept[0] == queryset.query.where else None


def bound_rows_below(queryset: QuerySet) -> QuerySet:
    """Record that `queryset`, exactly as it stands, gives more than `exact_count_limit()` rows
    (a search whose term alone matched more, on an unfiltered list): its count is then the
    planner's estimate, without counting. Any filter added afterwards voids it."""
    return _record(queryset, "more_than_limit", True)


def _more_than_limit(queryset: QuerySet) -> bool:
    return _recorded(queryset, "more_than_limit") is True


def estimate_by(queryset: QuerySet, stand_in: QuerySet) -> QuerySet:
    """Record that the planner's estimate of `queryset`'s rows is asked of `stand_in`: the same
    rows by a statement it weighs better (a common term's search joins the records it reaches,
    where `queryset` tests each row by a subquery whose matches the planner takes for half the
    table). Any filter added afterwards voids it."""
    return _record(queryset, "estimate_by", stand_in)


def estimated(queryset: QuerySet) -> QuerySet:
    """The queryset whose planned rows stand for `queryset`'s (see `estimate_by`)."""
    stand_in = _recorded(queryset, "estimate_by")
    return queryset if stand_in is None else stand_in  # (a queryset's truth would run it)


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


def sort_by(queryset: QuerySet, sorted_form: QuerySet) -> QuerySet:
    """Mark `queryset` (`sort_matches_when_few`) and record that, when its matches are sorted,
    they are found by `sorted_form`'s condition: the same rows, each common term's as the ids
    its columns' index scans give, united (crm/search.py). `queryset` tests each row as its
    order is walked, which suits a term matched all along the order; sorting, it would test
    every row. Any filter added afterwards voids the record (the mark stays)."""
    if sorted_form.query.alias_map.keys() != queryset.query.alias_map.keys():
        return queryset  # (a join of one the other lacks: the condition would not fit)
    sort_matches_when_few(queryset)
    return _record(queryset, "sorted_by", sorted_form.query.where.clone())


def _sorted(queryset: QuerySet) -> QuerySet:
    """`queryset` as its matches are best read to be sorted: by the condition `sort_by`
    recorded (when one was and still fits), in the order no index gives (`unwalked`)."""
    where = _recorded(queryset, "sorted_by")
    if where is not None:
        queryset = queryset.all()
        queryset.query.where = where.clone()
    return unwalked(queryset)


class _Unwalked(Func):
    """A column's values as they are, in their own order, from an expression no index holds:
    `name || ''` (text), `amount + 0` (numbers, dates), `created + interval '0 seconds'`."""

    def __init__(self, column: str, field: Field, template: str) -> None:
        super().__init__(F(column), output_field=field, template=template)


def _unwalked_template(field: Field) -> str | None:
    if isinstance(field, CharField | TextField):
        return "(%(expressions)s || '')"
    if isinstance(field, DateTimeField):  # before DateField: a DateTimeField is one
        return "(%(expressions)s + interval '0 seconds')"
    if isinstance(field, IntegerField | DecimalField | DateField):
        return "(%(expressions)s + 0)"
    return None


def unwalked(queryset: QuerySet) -> QuerySet:
    """`queryset` in the same order, its first key read through `_Unwalked`, so that
    PostgreSQL cannot walk an index for the order and sorts the matches it finds instead. The
    rows and their order are unchanged (the same values, the same collation, NULLs where they
    were). An order whose first key is not a column of the record's own is left as it is."""
    query = queryset.query
    default = (query.get_meta().ordering or ()) if query.default_ordering else ()
    order = list(query.order_by or default)
    if not order or not isinstance(order[0], str) or order[0].lstrip("-") in query.annotations:
        return queryset
    descending, name = order[0].startswith("-"), order[0].lstrip("-")
    meta = queryset.model._meta
    try:
        field = meta.pk if name == "pk" else meta.get_field(name)
    except FieldDoesNotExist:  # a path through a relation, or a random order ("?")
        return queryset
    template = _unwalked_template(field) if isinstance(field, Field) else None
    if template is None or field.is_relation:
        return queryset
    first = _Unwalked(field.attname, field, template)
    return queryset.order_by(OrderBy(first, descending=descending), *order[1:])


def planned_rows(queryset: QuerySet) -> int:
    """The rows PostgreSQL's planner expects `queryset` to give (EXPLAIN: planned, not run),
    kept by each process for SIZE_KEPT_SECONDS: a filtered list's pages ask it again and again,
    and it changes only as the statistics do (ANALYZE)."""
    try:
        sql, params = values_sql(queryset, ["pk"])  # (its text compiled once a shape)
    except EmptyResultSet:  # e.g. `pk__in=[]`: no query is needed to know
        return 0
    try:
        key: Any = (queryset.db, sql, tuple(params))
        kept = _plans.get(key)
    except TypeError:  # a parameter that cannot be a key (a list): asked each time
        key, kept = None, None
    if kept is not None and time.monotonic() - kept[1] <= SIZE_KEPT_SECONDS:
        return kept[0]
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    rows = int(plan[0]["Plan"]["Plan Rows"])
    if key is not None:
        with _plans_lock:  # a server's threads share it: one evicts at a time
            _plans[key] = (rows, time.monotonic())
            while len(_plans) > PLANS_KEPT:
                del _plans[next(iter(_plans))]  # the oldest
    return rows


# A table's size as PostgreSQL last measured it (`pg_class.reltuples`, which only ANALYZE and
# VACUUM change), kept by each process for SIZE_KEPT_SECONDS: a whole table whose size is
# plainly past the limit is then not counted on each page (see `EstimatedCountPaginator.count`).
SIZE_KEPT_SECONDS = 60.0
_sizes: dict[tuple[str, str], tuple[int, float]] = {}
# The same for the planner's rows of a statement, the most recent PLANS_KEPT statements.
PLANS_KEPT = 512
_plans: dict[Any, tuple[int, float]] = {}
_plans_lock = threading.Lock()


def _known_size(queryset: QuerySet) -> int | None:
    kept = _sizes.get((queryset.db, queryset.model._meta.db_table))
    if kept is None or time.monotonic() - kept[1] > SIZE_KEPT_SECONDS:
        return None
    return kept[0]


def _remember_size(queryset: QuerySet, size: int | None) -> None:
    key = (queryset.db, queryset.model._meta.db_table)
    if size is None:
        _sizes.pop(key, None)
    else:
        _sizes[key] = (size, time.monotonic())


def forget_sizes() -> None:
    """Forget every table's size and statement's planned rows (the tests: each test's tables
    are its own)."""
    _sizes.clear()
    _plans.clear()


class _LookaheadPage(Page):
    def __init__(self, rows: Sequence[Any], number: int, paginator: Paginator, more: bool) -> None:
        super().__init__(rows, number, paginator)
        self._more = more

    def has_next(self) -> bool:
        return self._more


class EstimatedCountPaginator(Paginator):
    """Exact count up to a limit, PostgreSQL's estimate beyond it (see the module)."""

    count_is_estimate = False
    _where_planned: int | None = None  # the planner's rows for the list, once asked

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
        if not qs.query.where:  # the whole table: counted up to the limit and sized at once
            size = _known_size(qs)
            if size is not None and size > uncounted_past():  # plainly past the limit
                self.count_is_estimate = True
                return size
            bounded, estimate = self._count_and_size(qs, ids[: limit + 1])
            # Kept only when the count found it past the limit too: the size is as the last
            # ANALYZE found it, and a table emptied since is counted on each page.
            _remember_size(qs, estimate if bounded > limit else None)
        else:
            estimate = self._where_estimate(qs)
            if _more_than_limit(qs):  # known past the limit: only the estimate is asked
                self.count_is_estimate = True
                return max(limit + 1, estimate if estimate is not None else 0)
            if estimate is not None and estimate > uncounted_past():
                self.count_is_estimate = True  # plainly past the limit: counting reads them all
                return estimate
            bounded = count_of(qs.order_by()[: limit + 1])
        if bounded <= limit:
            return bounded
        self.count_is_estimate = True
        return max(limit + 1, estimate if estimate is not None else self._planned_rows(qs))

    def _planned_rows(self, qs: QuerySet) -> int:
        return planned_rows(estimated(qs).order_by())

    def _where_estimate(self, qs: QuerySet) -> int | None:
        """The planner's rows for a filtered list (asked once), or None for a search that read
        its matching ids (it knows their number)."""
        if "_where_planned" not in self.__dict__:
            bounded_by_search = (rows_at_most(qs) or self.exact_count_limit + 1) <= (
                self.exact_count_limit
            )
            self._where_planned = None if bounded_by_search else self._planned_rows(qs)
        return self._where_planned

    def _counted_with_page(self, qs: QuerySet | None) -> bool:
        """Whether the page is better read with its count: a search whose matches are sorted
        (`sort_matches_when_few`) and few enough to be counted. The count would read up to
        the limit of them, and the page then every one again to sort them; one statement
        sorts them and counts them all (`COUNT(*) OVER ()`), exactly, past the limit too."""
        if qs is None or "count" in self.__dict__ or self.orphans or not qs.query.where:
            return False
        if not getattr(qs.query, "sort_matches_when_few", False) or _more_than_limit(qs):
            return False
        estimate = self._where_estimate(qs)  # (and sorted whatever the count: see `_listed`)
        return estimate is not None and estimate <= min(uncounted_past(), sort_matches_up_to())

    def _page_and_count(self, qs: QuerySet, number: Any) -> Page | None:
        """The page's ids and the number of all the matches in one statement, then the page's
        rows by those ids, in the list's order. None for a page past the last (no row to carry
        the count): it is then counted as any list is."""
        number = self._whole_number(number)
        bottom = (number - 1) * self.per_page
        window = Window(Count("pk"), output_field=IntegerField())
        found = list(
            _sorted(qs)
            .annotate(matches_in_all=window)
            .values_list("pk", "matches_in_all")[bottom : bottom + self.per_page]
        )
        if not found:
            return None
        self.__dict__["count"] = found[0][1]
        ids = [pk for pk, _ in found]
        rows = self._rows(qs.filter(pk__in_array=ids)[: len(ids)])
        return Page(rows, number, self)

    def _count_and_size(self, qs: QuerySet, bounded_ids: QuerySet) -> tuple[int, int | None]:
        """The table's rows counted up to the limit, and its size as PostgreSQL last measured
        it (``pg_class.reltuples``; None when never measured), in one statement."""
        sql, params = bounded_ids.query.sql_with_params()
        with connections[qs.db].cursor() as cursor:
            cursor.execute(
                f"SELECT (SELECT COUNT(*) FROM ({sql}) AS bounded), "
                "(SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass)",
                [*params, qs.model._meta.db_table],
            )
            counted, size = cursor.fetchone()
        return counted, (int(size) if size is not None and size >= 0 else None)

    def validate_number(self, number: Any) -> int:
        if not self.count_is_estimate:
            return super().validate_number(number)
        return self._whole_number(number)

    def _whole_number(self, number: Any) -> int:
        """`number` as a page number, 1 or more, without asking the count for the last."""
        try:
            value = int(number)
        except (TypeError, ValueError) as error:
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from error
        if value < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return value

    def _listed(self) -> Any:
        """The list the page is cut from. A search marked `sort_matches_when_few` whose matches
        are few enough (at most the limit counted, or at most `sort_matches_up_to()` planned)
        is ordered so that no index gives its order (`unwalked`): the trigram index is then the
        one way in, and its matches are sorted."""
        qs = self._queryset()
        if qs is None or not getattr(qs.query, "sort_matches_when_few", False):
            return self.object_list
        few = not self.count_is_estimate or (
            self._where_planned is not None and self._where_planned <= sort_matches_up_to()
        )
        return _sorted(qs) if few else qs

    def page(self, number: Any) -> Page:
        qs = self._queryset()
        if self._counted_with_page(qs):
            counted = self._page_and_count(qs, number)  # type: ignore[arg-type]
            if counted is not None:
                return counted
        self.count  # noqa: B018 - decides whether the count is an estimate
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        if not self.count_is_estimate:  # as Django's Paginator.page, from `_listed()`
            top = bottom + self.per_page
            if top + self.orphans >= self.count:
                top = self.count
            return Page(self._rows(self._listed()[bottom:top]), number, self)
        window = self._listed()[bottom : bottom + self.per_page + 1]
        rows = list(self._rows(window))
        more = len(rows) > self.per_page
        rows = rows[: self.per_page]
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        if not more:  # the last page: now the count is known exactly
            self.__dict__["count"] = bottom + len(rows)
            self.count_is_estimate = False
        return _LookaheadPage(rows, number, self, more)
