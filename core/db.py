"""Database helpers that the apps share."""

from __future__ import annotations

import functools
import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, QuerySet
from django.db.models.fields.related import ForeignObject
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In
from django.db.models.sql.where import AND, ExtraWhere, WhereNode


def built_once[Q: QuerySet[Any]](build: Callable[[], Q]) -> Callable[[], Q]:
    """A selector whose queryset is built once a process and handed out as a copy (`.all()`,
    unevaluated, as DRF hands out a view's `queryset`), for a list read on every request whose
    building (annotations resolved, subqueries cloned, prefetches set up) cost 0.5 to 1.4 ms
    a request. Only for a queryset that depends on nothing but the models: no clock, no
    setting, no argument."""
    cached = functools.cache(build)

    @functools.wraps(build)
    def selector() -> Q:
        return cached().all()

    return selector


@Field.register_lookup
class InArray(In):
    """``field__in_array=values``: ``field__in`` with the values as one parameter, an array, on
    PostgreSQL (``= ANY(%s::bigint[])``); elsewhere the same ``IN (...)`` as ``__in``.

    A page's ids (up to 200) as many parameters make a statement that psycopg parses anew on
    each run (it keeps the parsed form of statements up to 50 parameters) and, with each count,
    a text of its own; as one parameter, the statement is the same for any page."""

    lookup_name = "in_array"

    def as_postgresql(self, compiler: Any, connection: BaseDatabaseWrapper) -> Any:
        field = getattr(self.lhs, "output_field", None)  # (none: several columns)
        if field is None or not self.rhs_is_direct_value():  # (not direct: a subquery)
            return self.as_sql(compiler, connection)
        db_type = field.db_type(connection)
        if not db_type:
            return self.as_sql(compiler, connection)
        values = [
            field.get_db_prep_value(value, connection, prepared=True)
            for value in self.rhs
            if value is not None  # as IN: None matches nothing
        ]
        if not values:
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::{db_type}[])", (*lhs_params, values)


@ForeignObject.register_lookup
class RelatedInArray(RelatedIn):
    """``__in_array`` through a foreign key: records or their ids, as ``__in`` takes them."""

    lookup_name = "in_array"
    as_postgresql = InArray.as_postgresql


# Statements compiled once -------------------------------------------------------------------

# Off in service. The test suite turns it on: then each statement built from the kept pieces is
# compared with the ORM's own compilation of the same queryset, and any difference is an error.
CHECK_AGAINST_ORM = False
KEPT_STATEMENTS = 256  # a connection's most recently used shapes

_MARK = "where_of_a_statement_compiled_once"
_PLACEHOLDER = re.compile(r"%[%s]")  # a parameter's place ("%s"); "%%" is a literal percent


@dataclass(frozen=True)
class _Statement:
    """A values() statement's text and parameters around its WHERE clause, and how its rows are
    read: the names of its columns and the converters the ORM applies to them."""

    head: str
    head_params: tuple[Any, ...]
    tail: str
    tail_params: tuple[Any, ...]
    names: tuple[str, ...]
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...]
    kept: tuple[Any, ...]  # what the key names by id, alive as long as the entry

    def sql(self, where: str, params: Sequence[Any]) -> tuple[str, tuple[Any, ...]]:
        # Without a WHERE clause, the space before it goes too.
        text = f"{self.head}WHERE {where}{self.tail}" if where else self.head[:-1] + self.tail
        return text, (*self.head_params, *params, *self.tail_params)


@dataclass(frozen=True)
class _LeftToOrm:
    """A shape whose statement cannot be split around its WHERE clause: the ORM compiles it on
    every call, and this entry says so without trying again."""

    kept: tuple[Any, ...]  # what the key names by id, alive as long as the entry


_Kept = OrderedDict[Hashable, _Statement | _LeftToOrm]
_statements: weakref.WeakKeyDictionary[BaseDatabaseWrapper, _Kept]
_statements = weakref.WeakKeyDictionary()
_statements_lock = threading.Lock()


def values_of(
    queryset: QuerySet, fields: Sequence[str], annotations: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """``list(queryset.annotate(**annotations).values(*fields))``, with its statement compiled
    once for each shape rather than on every call.

    A staff list's page is the same statement request after request but for its WHERE clause's
    values, its slice and, between lists, its filters; compiling it (its columns, the JSON
    subqueries of its nested records, its joins and order) took the ORM 2 to 4 ms a page, more
    than the database took to run it. Here only the WHERE clause is compiled on each call;
    the rest of the text, its parameters and the converters of its columns are kept, by the
    connection, under a key of everything else the statement is made of: the model, its
    joins, annotations (by identity: a selector built once, `built_once`, hands out the
    same ones), order, slice and the WHERE clause's own text. A queryset of another shape
    (grouped, combined, distinct on fields, extra(), locking, already a values() query) is
    compiled by the ORM as always."""
    annotations = annotations or {}
    queryset = queryset.prefetch_related(None)  # values() rows have nothing to prefetch
    try:
        compiled = _compiled(queryset, fields, annotations)
    except EmptyResultSet:
        return []
    if compiled is None:
        return list(queryset.annotate(**annotations).values(*fields))
    statement, sql, params = compiled
    connection = connections[queryset.db]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    names = statement.names
    if statement.converters:
        rows = [_converted(list(row), statement.converters, connection) for row in rows]
    return [dict(zip(names, row, strict=True)) for row in rows]


def values_sql(queryset: QuerySet, fields: Sequence[str]) -> tuple[str, tuple[Any, ...]]:
    """The text and parameters of ``queryset.values(*fields)``, compiled as `values_of` does;
    EmptyResultSet, as the ORM raises it, when no row can match."""
    queryset = queryset.prefetch_related(None)
    compiled = _compiled(queryset, fields, {})
    if compiled is None:
        sql, params = queryset.values(*fields).query.sql_with_params()
        return sql, tuple(params)
    return compiled[1], compiled[2]


def count_of(queryset: QuerySet) -> int:
    """``queryset.count()``, its statement compiled once a shape (a list's count up to a limit,
    asked on every filtered page): the rows of ``queryset.values("pk")`` counted."""
    try:
        sql, params = values_sql(queryset, ["pk"])
    except EmptyResultSet:
        return 0
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({sql}) subquery", params)
        return int(cursor.fetchone()[0])


def _compiled(
    queryset: QuerySet, fields: Sequence[str], annotations: dict[str, Any]
) -> tuple[_Statement, str, tuple[Any, ...]] | None:
    """The kept statement for `queryset`'s shape (made on its first call), its text and its
    parameters for this call; None for a queryset left to the ORM."""
    query = queryset.query
    connection = connections[queryset.db]
    shape = _shape(query, fields, annotations)
    if shape is None:
        return None
    compiler = query.get_compiler(connection=connection)
    try:
        where, where_params = compiler.compile(query.where)
    except FullResultSet:
        where, where_params = "", []
    key = (shape, where)
    with _statements_lock:
        kept = _statements.setdefault(connection, OrderedDict())
        statement = kept.get(key)
        if statement is not None:
            kept.move_to_end(key)
    if statement is None:
        refs = (*query.annotations.values(), *annotations.values())
        made = _compile(queryset.annotate(**annotations).values(*fields), connection)
        statement = _LeftToOrm(refs) if made is None else replace(made, kept=refs)
        with _statements_lock:
            kept[key] = statement
            while len(kept) > KEPT_STATEMENTS:
                kept.popitem(last=False)
    if isinstance(statement, _LeftToOrm):
        return None
    sql, params = statement.sql(where, where_params)
    if CHECK_AGAINST_ORM:
        orm = (
            queryset.annotate(**annotations)
            .values(*fields)
            .query.get_compiler(connection=connection)
        )
        expected = orm.as_sql()
        if (sql, params) != (expected[0], tuple(expected[1])):
            raise AssertionError(f"compiled once: {sql!r} {params!r}, the ORM: {expected!r}")
    return statement, sql, params


def _converted(row: list[Any], converters: Any, connection: BaseDatabaseWrapper) -> list[Any]:
    for position, functions, expression in converters:
        value = row[position]
        for convert in functions:
            value = convert(value, expression, connection)
        row[position] = value
    return row


def _shape(query: Any, fields: Sequence[str], annotations: dict[str, Any]) -> Hashable | None:
    """Everything a values() statement of `query` is made of besides its WHERE clause, or None
    for a query this module leaves to the ORM."""
    if (
        query.combinator
        or query.extra
        or query.extra_select_mask
        or query.group_by is not None
        or query.distinct_fields
        or query.select_for_update
        or query.subquery
        or query.explain_info
        or query.select
        or query.values_select
        or query.selected
        or query.where.contains_aggregate
        or query.where.contains_over_clause
        or any(a.contains_aggregate for a in (*query.annotations.values(), *annotations.values()))
    ):
        return None
    try:
        shape = (
            query.model,
            tuple(fields),
            tuple((name, id(value)) for name, value in query.annotations.items()),
            tuple(query.annotation_select_mask or ()),
            tuple((name, id(value)) for name, value in annotations.items()),
            tuple(
                (alias, join.identity, join.join_type, query.alias_refcount.get(alias))
                for alias, join in query.alias_map.items()
            ),
            query.order_by,
            query.extra_order_by,
            query.default_ordering,
            query.standard_ordering,
            query.low_mark,
            query.high_mark,
            query.distinct,
        )
        hash(shape)
    except TypeError:  # something in it that cannot be a key
        return None
    return shape


def _compile(queryset: QuerySet, connection: BaseDatabaseWrapper) -> _Statement | None:
    """The statement of a values() queryset around a marked WHERE clause."""
    query = queryset.query.clone()
    query.where = WhereNode([ExtraWhere([_MARK], [])], AND)  # type: ignore[list-item]
    compiler = query.get_compiler(connection=connection)
    mark = "WHERE " + compiler.compile(query.where)[0]
    sql, params = compiler.as_sql()
    if sql.count(mark) != 1:
        return None
    head, tail = sql.split(mark)
    count = sum(1 for found in _PLACEHOLDER.findall(head) if found == "%s")
    fields = [column[0] for column in compiler.select[: compiler.col_count]]
    if compiler.has_composite_fields(fields):
        return None
    names = tuple(
        query.selected or [*query.extra_select, *query.values_select, *query.annotation_select]
    )
    converters = tuple(
        (position, tuple(functions), expression)
        for position, (functions, expression) in compiler.get_converters(fields).items()
    )
    params = tuple(params)
    return _Statement(head, params[:count], tail, params[count:], names, converters, ())
