"""The staff lists' pages from plain values: no model instance and no serializer run per row.

A list's serializer stays the one definition of what a row looks like (its keys, their order,
every format). From it, once per list, a plan works out how to write each field from one
``values()`` row of the list's own queryset (the view's, filtered, searched, ordered and paged
as before):

- a field that is a column (the record's own; one reached through forward relations, such as
  ``organization.name``; an annotation of the queryset) is read from the row and written by the
  field's own ``to_representation``, or as it is where that would return it unchanged (text,
  whole numbers, booleans, ids);
- a value of a record that a foreign key names (``organization.name``) is read by a subquery
  on that record's key, not a join, so that it is read for the page's rows alone;
- a nested list (``many=True``) is read for the whole page in one query, from the queryset the
  list's selector prefetches it with, and written by a plan of its own;
- the slugs of a many-to-many relation (a ``SlugRelatedField`` with ``many=True``) are read
  with each row, as a list from a subquery;
- any other field (a method field, a property such as ``amount_due``, a value through a
  relation that may be empty) is read by the field itself, as DRF reads it, off a light
  stand-in for the record: the row's values as attributes, the model's own properties, methods
  and constants, and each relation that ``PlainRows.columns`` reaches as a stand-in of its own.

So a page runs the queries it ran before (the count, the page, one per nested list; a list
that reads ``by_ids`` one more, its page's ids) and the count and the navigation are the
paginator's, unchanged. tests/api/staff/test_plain_rows.py
compares each such list with its serializer's answer byte for byte.
"""

from __future__ import annotations

import inspect
import json
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models
from django.db.models import F, OuterRef, Prefetch, QuerySet, Subquery
from django.utils.functional import cached_property
from rest_framework import serializers
from rest_framework.fields import SkipField, empty
from rest_framework.relations import PKOnlyObject, PrimaryKeyRelatedField
from rest_framework.request import Request
from rest_framework.response import Response

from api.plain_formats import PerPage, writer
from core.db import values_of


@dataclass(frozen=True)
class PlainRows:
    """What a list's rows read besides its serializer's columns: `columns`, the values that
    its other fields reach through relations or properties (``contact__first_name`` for
    ``contact.full_name``), and the same for each nested list (`nested`, by field name)."""

    columns: tuple[str, ...] = ()
    nested: tuple[tuple[str, PlainRows], ...] = ()
    # Read the page's ids first (its order and slice on the list's own table), then its rows by
    # those ids: for a row with many values read by subqueries, which a page ordered by a
    # column no index holds would otherwise run for every row it sorts (the registrations by
    # check-in time, scale 1.0: 35 ms against 12). Only where the list's filters need no other
    # table (`_own_table_only`).
    by_ids: bool = False


_COLUMN, _NESTED, _SLUGS, _FIELD = "column", "nested", "slugs", "field"


def _relation(model: type[models.Model], name: str) -> models.Field | None:
    """The forward relation (a foreign key, one to one) `name` of `model`, else None."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if field.is_relation and field.concrete and not field.many_to_many:
        return field  # type: ignore[return-value]
    return None


def _column(
    model: type[models.Model], field: serializers.Field, annotations: dict[str, Any]
) -> tuple[str, Any] | None:
    """The values() path `field` reads and how to write its value; None when it is no column
    (then the field reads it off the stand-in)."""
    attrs = field.source_attrs
    if not attrs or isinstance(
        field, serializers.SerializerMethodField | serializers.BaseSerializer
    ):
        return None
    if not isinstance(field, PrimaryKeyRelatedField) and (
        type(field).get_attribute is not serializers.Field.get_attribute
    ):
        return None  # a field that reads its value its own way
    if len(attrs) == 1 and attrs[0] in annotations:
        return attrs[0], writer(field, annotations[attrs[0]].output_field)
    current, through_null = model, False
    for attr in attrs[:-1]:
        relation = _relation(current, attr)
        if relation is None:
            return None
        through_null = through_null or relation.null
        current = relation.related_model  # type: ignore[assignment]
    try:
        model_field = current._meta.get_field(attrs[-1])
    except FieldDoesNotExist:
        return None
    if not model_field.concrete or model_field.many_to_many:
        return None
    # Past an empty relation DRF writes the field's default, or null, or leaves the key out.
    if through_null and not (
        field.default is None or (field.default is empty and field.allow_null)
    ):
        return None
    path = "__".join(attrs)
    if model_field.is_relation:  # its id, as a primary key field writes it
        if not isinstance(field, PrimaryKeyRelatedField) or field.pk_field is not None:
            return None
        if not model_field.target_field.primary_key:  # type: ignore[attr-defined]
            return None
        return path, None
    return path, writer(field, model_field)


def _relation_keys(model: type[models.Model], columns: Iterable[str]) -> set[str]:
    """The primary key of each relation the columns go through (None there: no record)."""
    keys = set()
    for column in columns:
        parts = column.split("__")
        current = model
        for depth, part in enumerate(parts[:-1]):
            relation = _relation(current, part)
            if relation is None:
                break
            current = relation.related_model  # type: ignore[assignment]
            keys.add("__".join([*parts[: depth + 1], current._meta.pk.name]))
    return keys


class _Record:
    """A stand-in: a row's values as attributes."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__ = values


class _Related:
    """A forward relation on a stand-in: the related record's stand-in, or None."""

    def __init__(self, stand_in: type[_Record], prefix: str, names: Sequence[str], pk: str):
        self.stand_in = stand_in
        self.keys = [(f"{prefix}__{name}", name) for name in names]
        self.pk = f"{prefix}__{pk}"

    def __get__(self, record: _Record | None, owner: Any = None) -> Any:
        if record is None:
            return self
        values = record.__dict__
        if values[self.pk] is None:
            return None
        return self.stand_in({name: values[key] for key, name in self.keys})

    def __set__(self, record: _Record, value: Any) -> None:
        raise AttributeError("A stand-in's relation is read-only.")


def _borrowed(model: type[models.Model]) -> dict[str, Any]:
    """The model's own properties, methods, constants and __str__, for a stand-in."""
    found: dict[str, Any] = {}
    for klass in reversed(model.__mro__):
        if klass in models.Model.__mro__:
            continue
        for name, value in vars(klass).items():
            if name.startswith("_") and name != "__str__":
                continue
            if (
                isinstance(value, property | cached_property | staticmethod | classmethod | type)
                or inspect.isfunction(value)
                or name.isupper()
            ):
                found[name] = value
    return found


def _stand_in(model: type[models.Model], columns: Iterable[str]) -> type[_Record]:
    attrs = _borrowed(model)
    pk = model._meta.pk.name
    attrs["pk"] = property(lambda record: record.__dict__[pk])
    branches: dict[str, set[str]] = {}
    for column in columns:
        head, sep, rest = column.partition("__")
        if sep:
            branches.setdefault(head, set()).add(rest)
    for head, names in branches.items():
        relation = _relation(model, head)
        if relation is None:
            continue
        related: type[models.Model] = relation.related_model  # type: ignore[assignment]
        inner = sorted(names)
        attrs[head] = _Related(_stand_in(related, inner), head, inner, related._meta.pk.name)
    return type(f"{model.__name__}Values", (_Record,), attrs)


def _prefetched(queryset: QuerySet, source: str) -> QuerySet:
    """The queryset the list's selector prefetches `source` with (the model's own otherwise)."""
    for lookup in queryset._prefetch_related_lookups:  # type: ignore[attr-defined]
        if isinstance(lookup, Prefetch) and lookup.prefetch_to == source:
            if lookup.queryset is not None:
                return lookup.queryset
        elif lookup == source:
            break
    relation = queryset.model._meta.get_field(source)
    return relation.related_model._default_manager.all()  # type: ignore[union-attr]


def _through(model: type[models.Model], path: str) -> Subquery | None:
    """`path`, a value of the record that a foreign key (or one-to-one) of `model` names, as a
    subquery on that record's key; None for the row's own column, the key the row holds itself
    (``contact__id``), or a path through any other kind of relation (left to a join)."""
    head, sep, rest = path.partition("__")
    relation = _relation(model, head) if sep else None
    if relation is None or rest == relation.target_field.name:  # type: ignore[attr-defined]
        return None
    related: type[models.Model] = relation.related_model  # type: ignore[assignment]
    target: str = relation.target_field.name  # type: ignore[attr-defined]
    records = related._base_manager.filter(**{target: OuterRef(relation.attname)})
    return Subquery(records.order_by().values(rest))


def _own_table_only(queryset: QuerySet) -> bool:
    """Whether `queryset`'s filters and order read its own table alone (no join), so that its
    page's ids come from that table and its indexes. A filter through other records joins
    them; read apart, such a page's ids let the planner walk another index (a search that
    joined its contacts, scale 10: 210 ms against 100 for the page read at once)."""
    query = queryset.query
    return not any(
        count for alias, count in query.alias_refcount.items() if alias != query.base_table
    )


class _SlugList(Subquery):
    """The slugs of a record's records in a many-to-many relation, in the related model's
    order, as one value of its row: a list (PostgreSQL's ARRAY), JSON text (SQLite). Read
    with the page's rows, they cost no statement of their own."""

    template = "ARRAY(%(subquery)s)"

    def __init__(self, model: type[models.Model], relation: str, slug: str) -> None:
        field: Any = model._meta.get_field(relation)
        related = field.related_model
        order = [o for o in related._meta.ordering if isinstance(o, str)]
        slugs = (
            related._default_manager.filter(**{field.related_query_name(): OuterRef("pk")})
            .order_by(*order, "pk")
            .values(value=F(slug))
        )
        super().__init__(slugs, output_field=models.TextField())

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = "(SELECT json_group_array(slugs.value) FROM (%(subquery)s) AS slugs)"
        return self.as_sql(compiler, connection, template=template, **extra)


class _Plan:
    """How to write one serializer's records from values() rows of `queryset`'s model."""

    def __init__(
        self,
        serializer: serializers.Serializer,
        queryset: QuerySet,
        spec: PlainRows,
        extra: Sequence[str] = (),
    ) -> None:
        model = queryset.model
        self.serializer = serializer
        annotations = dict(queryset.query.annotation_select)
        self.pk = model._meta.pk.name
        columns = {self.pk, *spec.columns, *extra, *annotations}
        self.fields: list[tuple[str, str, Any, Any]] = []
        self.nested: list[_Nested] = []
        self.slugs: dict[str, _SlugList] = {}  # by the column each is read as
        self.model = model
        self.by_ids = spec.by_ids
        nested_specs = dict(spec.nested)
        for name, field in serializer.fields.items():
            if field.write_only:
                continue
            if isinstance(field, serializers.ListSerializer):
                child_spec = nested_specs.pop(name, PlainRows())
                self.nested.append(_Nested(name, field, queryset, child_spec))
                self.fields.append((name, _NESTED, name, None))
                continue
            if isinstance(field, serializers.ManyRelatedField) and isinstance(
                field.child_relation, serializers.SlugRelatedField
            ):  # slugs of a many-to-many relation: a list in each row
                column_name = f"slugs_of_{name}"
                relation = field.source or name
                self.slugs[column_name] = _SlugList(
                    model, relation, field.child_relation.slug_field
                )
                self.fields.append((name, _SLUGS, column_name, None))
                continue
            column = _column(model, field, annotations)
            if column is None:
                self.fields.append((name, _FIELD, field, writer(field, None)))
                continue
            path, convert = column
            columns.add(path)
            self.fields.append((name, _COLUMN, path, convert))
        if nested_specs:
            raise ImproperlyConfigured(
                f"{type(serializer).__name__} has no nested list {', '.join(nested_specs)}."
            )
        columns |= _relation_keys(model, columns)
        self.stand_in = _stand_in(model, sorted(columns))
        # A value of a record that a row points to is read by a subquery on that record's key,
        # not a join: below the page's LIMIT the joins were planned for the whole table
        # (PostgreSQL's Memoize sized its cache for every invoice's contact, 2 ms a page at
        # scale 1.0, where the subqueries' probes of the page's 11 rows took 0.06).
        self.through = {
            path: subquery
            for path in sorted(columns)
            if (subquery := _through(model, path)) is not None
        }
        self.columns = sorted(columns - set(self.through))

    def read(self, queryset: QuerySet) -> list[dict[str, Any]]:
        rows = self._rows(queryset)
        nested = self._nested(queryset, rows)
        fields = self._bound()
        return [self.write(row, nested, fields) for row in rows]

    def read_by(self, queryset: QuerySet, key: str) -> dict[Any, list[dict[str, Any]]]:
        """The rows written, by their value of `key` (the parent's id)."""
        rows = self._rows(queryset)
        nested = self._nested(queryset, rows)
        fields = self._bound()
        grouped: dict[Any, list[dict[str, Any]]] = {}
        for row in rows:
            grouped.setdefault(row[key], []).append(self.write(row, nested, fields))
        return grouped

    def _bound(self) -> list[tuple[str, str, Any, Any]]:
        """The fields, with each writer made for this page."""
        return [
            (name, kind, key, convert.bind() if isinstance(convert, PerPage) else convert)
            for name, kind, key, convert in self.fields
        ]

    def _rows(self, queryset: QuerySet) -> list[dict[str, Any]]:
        columns = [*self.columns, *self.slugs, *self.through]
        read = {**self.slugs, **self.through}
        if not (self.by_ids and queryset.query.is_sliced and _own_table_only(queryset)):
            return values_of(queryset, columns, read)
        ids = [row[self.pk] for row in values_of(queryset, [self.pk])]
        if not ids:
            return []
        # The same query (its annotations and joins) for these ids, unordered. Its filters are
        # left out: they chose the ids and read the list's own table alone, and kept beside
        # the ids they misled the planner (a search's matching ids and the page's: one row
        # expected, the registrations read whole and each row joined by a loop over whole
        # tables; scale 1.0: 11 ms against 1).
        unsliced = queryset.all()
        unsliced.query.clear_limits()
        unsliced.query.clear_ordering(force=True)
        unsliced.query.clear_where()
        rows = values_of(unsliced.filter(pk__in_array=ids), columns, read)
        by_id = {row[self.pk]: row for row in rows}
        return [by_id[pk] for pk in ids if pk in by_id]  # one gone in between is left out

    def _nested(self, queryset: QuerySet, rows: list[dict[str, Any]]) -> dict[str, Any]:
        if not rows:  # as a prefetch: no records, no query
            return {}
        ids = [row[self.pk] for row in rows]
        return {nested.name: nested.read(queryset, ids) for nested in self.nested}

    def write(
        self, row: dict[str, Any], nested: dict[str, Any], fields: list[tuple[str, str, Any, Any]]
    ) -> dict[str, Any]:
        answer: dict[str, Any] = {}
        record = None
        for name, kind, key, convert in fields:
            if kind is _COLUMN:
                value = row[key]
                answer[name] = value if value is None or convert is None else convert(value)
            elif kind is _SLUGS:  # a list (PostgreSQL), JSON text (SQLite)
                value = row[key]
                answer[name] = json.loads(value) if isinstance(value, str) else value or []
            elif kind is _NESTED:
                answer[name] = nested[key].get(row[self.pk], [])
            else:  # as Serializer.to_representation does it, off the stand-in
                if record is None:
                    record = self.stand_in(row)
                try:
                    value = key.get_attribute(record)
                except SkipField:
                    continue
                if (value.pk if isinstance(value, PKOnlyObject) else value) is None:
                    answer[name] = None
                else:
                    answer[name] = convert(value)
        return answer


class _Nested:
    """A nested list: every record of the page's, in one query, by its parent."""

    def __init__(
        self,
        name: str,
        field: serializers.ListSerializer,
        parent: QuerySet,
        spec: PlainRows,
    ) -> None:
        relation = parent.model._meta.get_field(field.source)
        if not relation.one_to_many:
            raise ImproperlyConfigured(f"{name}: only a reverse foreign key is read plainly.")
        self.name = name
        self.source: str = field.source  # type: ignore[assignment]
        self.parent_key: str = relation.field.name  # type: ignore[union-attr]
        queryset = _prefetched(parent, self.source)
        child: Any = field.child
        self.plan = _Plan(child, queryset, spec, extra=(self.parent_key,))

    def read(self, parent: QuerySet, ids: list[Any]) -> dict[Any, list[dict[str, Any]]]:
        queryset = _prefetched(parent, self.source).filter(**{f"{self.parent_key}__in_array": ids})
        return self.plan.read_by(queryset, self.parent_key)


_PLANS: dict[tuple[type, type, int], _Plan] = {}


def plan_for(view: Any) -> _Plan:
    """The view's plan, made on its first list in this thread from its serializer and its
    queryset; its serializer is given this request's context (a method field may build a whole
    address from the request), so each thread keeps a plan of its own."""
    serializer_class = view.get_serializer_class()
    key = (type(view), serializer_class, threading.get_ident())
    plan = _PLANS.get(key)
    if plan is None:
        plan = _PLANS[key] = _Plan(serializer_class(), view.get_queryset(), view.plain_rows)
    plan.serializer._context = view.get_serializer_context()
    return plan


class PlainListMixin:
    # list() from plain values (see the module); retrieve, create, update and the actions keep
    # the serializer. No docstring here: drf-spectacular describes a list by its view's.
    plain_rows: PlainRows | None = None

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        view: Any = self
        if self.plain_rows is None:
            return super().list(request, *args, **kwargs)  # type: ignore[misc]
        queryset = view.filter_queryset(view.get_queryset())
        read = plan_for(view).read
        paginate = getattr(view.paginator, "paginate_rows", None)
        page = paginate(queryset, request, view, read) if paginate is not None else None
        if page is None:
            return Response(read(queryset))
        return view.get_paginated_response(page)
