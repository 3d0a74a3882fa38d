"""Substring search that PostgreSQL answers from indexes, for the staff API and the admin.

Django's ``icontains`` compares ``UPPER(col::text) LIKE UPPER('%term%')``; the migrations put a
trigram GIN index on exactly that expression for every searched column, and one on each big
record's *search text* (`SearchText`: the columns a model lists in ``search_text_fields``,
joined by a control character no typed term holds, so a term is in the text exactly when it is
in one of the columns).

- A list that searches only its records' own text (organizations, contacts) has one predicate:
  the planner weighs the term and walks the list's ordering index until the page is full (a
  common term: about the same rows at any size) or reads the trigram index (a rare one). Five
  ORed columns could not be planned so: PostgreSQL read the whole table for a rare term. The
  planner expects matches spread evenly along the order; a last name's sit together, and the
  walk passes every name before them. So when it expects few enough matches to sort
  (`sort_matches_when_few`), the page is read from the trigram index and sorted.
- A list that also searches other records (an invoice's organization's name, a registration's
  contact) first asks for the matching ids, each column or text its own index scan, united,
  at most ``STAFF_API_EXACT_COUNT_LIMIT`` of them (one query); through a relation, the records
  at its end are searched and each one's listed records read by the relation's index, so the
  limit stops the reading there too. A rare term's records are then
  read by id; a common term's (more ids than that) walk the list's order, each row tested
  (its text; the one row of each table it points to, read by a subquery, so that the planner
  has no join to hash whole), instead of reading every match. Its count is estimated from the
  same test written as joins (`estimate_by`). Where no searched record is one a single relation
  reaches (contacts by their organizations' names), the common term's ids united are kept as
  well (`sort_by`): estimated so, and when they are few enough to sort the page is read from
  them, not by testing every row a last name's clump of matches sits behind.
- Two or more columns of one record that lists them in ``search_text_fields`` are searched as
  its whole text: a registration's contact by name, email and phone.

SQLite searches each column on its own and unites the ids (the same rows as an OR, without
duplicates, so no DISTINCT).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db import DatabaseError, connections, transaction
from django.db.models import (
    BigIntegerField,
    BooleanField,
    ExpressionWrapper,
    F,
    Func,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
)
from django.db.models.constants import LOOKUP_SEP
from django.utils.text import smart_split, unescape_string_literal

from crm.pagination import (
    bound_rows,
    bound_rows_below,
    estimate_by,
    estimated,
    exact_count_limit,
    sort_by,
    sort_matches_when_few,
)

SEPARATOR = "chr(31)"  # the unit separator: never in a term typed into a search box


class SearchText(Func):
    """The columns as one text, each NULL as empty, joined by `SEPARATOR` (PostgreSQL)."""

    output_field = TextField()

    def __init__(self, *fields: str) -> None:
        super().__init__(*(F(field) for field in fields))

    def as_sql(  # type: ignore[override]  # no function, template or joiner to choose
        self, compiler: Any, connection: Any, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        parts, params = [], []
        for expression in self.get_source_expressions():
            sql, more = compiler.compile(expression)
            parts.append(f"COALESCE(({sql})::text, '')")
            params.extend(more)
        return "(" + f" || {SEPARATOR} || ".join(parts) + ")", tuple(params)


def trigrams_available(schema_editor: Any) -> bool:
    """For migrations on PostgreSQL: pg_trgm created if missing (in a savepoint, so that a
    refusal leaves the migration's transaction usable). False when the database refuses (no
    permission): the searches then read the table, the same rows, slower."""
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError:
        return False
    return True


def search_text_index_sql(name: str, table: str, columns: Sequence[str]) -> str:
    """The trigram index a `SearchText` of `columns` is answered from (for migrations)."""
    text = f" || {SEPARATOR} || ".join(f"COALESCE(({column})::text, '')" for column in columns)
    return (
        f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
        f"USING gin ((UPPER(({text})::text)) gin_trgm_ops)"
    )


@dataclass
class _Part:
    """The columns one record on the path searches: as its text, or column by column."""

    prefix: str  # the ORM path to the record ("" for the listed record itself)
    text: tuple[str, ...] = ()  # its search_text_fields, when searched as its text
    columns: list[str] = field(default_factory=list)  # otherwise

    def paths(self, columns: Iterable[str]) -> list[str]:
        return [f"{self.prefix}{LOOKUP_SEP}{c}" if self.prefix else c for c in columns]

    def far_end(self) -> _Part:
        """The same columns, searched on the record at the end of the path itself."""
        return _Part("", text=self.text, columns=self.columns)


def _parts(model: type[Model], fields: Sequence[str]) -> list[_Part]:
    """`fields` grouped by record. Two or more columns of a record that lists them among its
    `search_text_fields` are searched as its text (all of those columns: a registration's
    contact by name, email and phone); any other column on its own."""
    grouped: dict[str, list[str]] = {}
    for path in fields:
        prefix, _, column = path.rpartition(LOOKUP_SEP)
        grouped.setdefault(prefix, []).append(column)
    parts = []
    for prefix, columns in grouped.items():
        text = tuple(getattr(_model_at(model, prefix), "search_text_fields", ()))
        if len(columns) >= 2 and set(columns) <= set(text):
            parts.append(_Part(prefix, text=text))
        else:
            parts.append(_Part(prefix, columns=columns))
    return parts


def _model_at(model: type[Model], prefix: str) -> type[Model]:
    for name in prefix.split(LOOKUP_SEP) if prefix else []:
        related = model._meta.get_field(name).related_model
        assert related is not None and related != "self"
        model = related  # type: ignore[assignment]
    return model


def _single_valued(model: type[Model], prefix: str) -> bool:
    """Whether the path reaches at most one row of each table on its way."""
    for name in prefix.split(LOOKUP_SEP) if prefix else []:
        found = model._meta.get_field(name)
        if not (found.many_to_one or found.one_to_one) or found.related_model is None:
            return False
        model = found.related_model  # type: ignore[assignment]
    return True


def _in_part(queryset: QuerySet, part: _Part, term: str, name: str) -> tuple[QuerySet, Q]:
    """`queryset` (given the part's text as `name` when searched as a text) and the condition
    that `term` is in the part, through joins where the part is another record's."""
    if part.text:
        queryset = queryset.alias(**{name: SearchText(*part.paths(part.text))})
        return queryset, Q(**{f"{name}__icontains": term})
    found = Q()
    for path in part.paths(part.columns):
        found |= Q(**{f"{path}__icontains": term})
    return queryset, found


def _matching(manager: Any, part: _Part, term: str) -> QuerySet:
    """The ids of the records where `term` is in the part (one query per column or text)."""
    records, found = _in_part(manager.all(), part, term, "search_text")
    return records.filter(found).values("pk")


def _branch_ids(model: type[Model], part: _Part, term: str) -> QuerySet:
    """The ids of the listed records where `term` is in the part (one column or text), for the
    union that tells a rare term from a common one. Through relations that reach one record of
    each table (an invoice's organization), the records at the far end are searched and each
    one's listed records read by the relation's index as they are found, so that the union's
    limit stops the reading: a join read the listed table whole and every match at the far end
    before its first id (scale 1.0, "precision": 16 ms, growing with the data)."""
    manager = model._default_manager
    if not part.prefix or not _single_valued(model, part.prefix):
        return _matching(manager, part, term).order_by().values_list("pk", flat=True)
    found = _matching(_model_at(model, part.prefix)._default_manager, part.far_end(), term)
    listed = manager.filter(**{part.prefix: OuterRef("pk")}).order_by().values("pk")
    each = Func(ArraySubquery(listed), function="unnest", output_field=BigIntegerField())
    return found.order_by().values_list(each, flat=True)


def _found_in(model: type[Model], part: _Part, term: str) -> Subquery:
    """Whether `term` is in the one record a row reaches through the part's relations: that
    record read by its primary key, row by row. A join let the planner, expecting few matches,
    hash the listed table whole with every record it points to (registrations, "garcia",
    scale 10: 900 ms) where the walk of the list's order reads a few thousand rows."""
    far = _model_at(model, part.prefix)._default_manager
    records, found = _in_part(far.all(), part.far_end(), term, "search_text")
    tested = ExpressionWrapper(found, output_field=BooleanField())
    one = records.filter(pk=OuterRef(part.prefix)).order_by().annotate(found=tested)
    return Subquery(one.values("found"), output_field=BooleanField())


def indexed_search(queryset: QuerySet, fields: Sequence[str], terms: Iterable[str]) -> QuerySet:
    """`queryset` narrowed to the records where every term is in at least one of `fields` (ORM
    paths such as ``organization__name``), ignoring case."""
    if connections[queryset.db].vendor != "postgresql":
        return _united(queryset, fields, terms)
    model: type[Model] = queryset.model
    manager = model._default_manager
    parts = _parts(model, fields)
    terms = list(terms)
    single_term_on_whole_list = len(terms) == 1 and not queryset.query.where
    # Where no part is one record reached through a relation (contacts by their organizations'
    # names, organizations by their contacts' addresses), the same rows with each common term's
    # as the ids its branches give, united: when the matches are few enough to sort, the page
    # reads them so (`sort_by`) rather than test each row of the order for them.
    sortable = not any(part.prefix and _single_valued(model, part.prefix) for part in parts)
    sorted_form, united_terms = queryset, False
    for n, term in enumerate(terms):
        if len(parts) == 1 and not parts[0].prefix and parts[0].text:
            # The record's own text, one predicate: the planner weighs the term and walks
            # the list's order (a common term) or reads the trigram index (a rare one).
            name = f"search_text_{n}"
            text = SearchText(*parts[0].text)
            queryset = queryset.alias(**{name: text}).filter(**{f"{name}__icontains": term})
            queryset = sort_matches_when_few(queryset)
            continue
        branches = [_branch_ids(model, part, term) for part in _split(parts)]
        limit = exact_count_limit()
        united = branches[0].union(*branches[1:], all=True) if len(branches) > 1 else branches[0]
        ids = list(united.order_by()[: limit + 1])
        if len(ids) <= limit:  # a rare term: its records by id, each branch an index scan
            matching = sorted(set(ids))
            queryset = bound_rows(queryset.filter(pk__in=matching), len(matching))
            sorted_form = sorted_form.filter(pk__in=matching)
            continue
        sorted_form, united_terms = sorted_form.filter(pk__in=united), True
        # A common term: the list's order is walked until its page is full, each row tested
        # (its own text, the one record of each table it points to, read by a subquery), the
        # same few thousand rows at any size; the ids would be every match, a number that grows
        # with the table. Its count is estimated from the same test written as joins.
        found, joined, stand_in = Q(), Q(), estimated(queryset)
        for i, part in enumerate(parts):
            if not _single_valued(model, part.prefix):
                through = Q(pk__in=_matching(manager, part, term))
                found, joined = found | through, joined | through
                continue
            name = f"search_text_{n}_{i}"
            if not sortable:  # (a sortable list's estimate is asked of its united ids)
                stand_in, in_part = _in_part(stand_in, part, term, name)
                joined |= in_part
            if part.prefix:
                found_name = f"search_found_{n}_{i}"
                queryset = queryset.alias(**{found_name: _found_in(model, part, term)})
                found |= Q(**{found_name: True})
            else:
                queryset, in_part = _in_part(queryset, part, term, name)
                found |= in_part
        # (Where the ids united are the sorted form's, their estimate is the planner's sum of
        # its index scans, not that of an OR of subqueries it takes for half the table.)
        stand_in = sorted_form if sortable else stand_in.filter(joined)
        queryset = estimate_by(queryset.filter(found), stand_in)
        if single_term_on_whole_list and len(set(ids)) > limit:  # past the limit, alone
            queryset = bound_rows_below(queryset)
    if sortable and united_terms:  # (a list searched on its own text has no other form)
        queryset = sort_by(queryset, sorted_form)
    return queryset


def _split(parts: list[_Part]) -> list[_Part]:
    """One branch per text and per column: each its own index scan."""
    return [
        single
        for part in parts
        for single in (
            [part] if part.text else [_Part(part.prefix, columns=[c]) for c in part.columns]
        )
    ]


def _united(queryset: QuerySet, fields: Sequence[str], terms: Iterable[str]) -> QuerySet:
    """SQLite: each column searched on its own, the ids united (no DISTINCT needed)."""
    manager = queryset.model._default_manager
    for term in terms:
        matches = [
            manager.filter(**{f"{path}__icontains": term}).order_by().values("pk")
            for path in fields
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
