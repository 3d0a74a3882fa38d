"""A list filter whose choices cost the same at any size: the distinct values of an indexed
column, read by one index probe per value rather than by reading every row."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib.admin.filters import AllValuesFieldListFilter
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, models
from django.db.models.constants import LOOKUP_SEP


def distinct_values(
    model: type[models.Model], field_name: str, *, skip_blank: bool = False, using: str = "default"
) -> list[Any]:
    """Every distinct value of `model`'s column `field_name` (NULL left out, and the empty
    text with `skip_blank`), in the column's order. A loose index scan: the smallest value,
    then each time the smallest value above the last one found, so a column with a B-tree
    index costs one probe per value (the same on SQLite and PostgreSQL). `SELECT DISTINCT`
    reads every row: 73 to 108 ms for 20 ZIP codes of 500,000 organizations."""
    field = model._meta.get_field(field_name)
    if not isinstance(field, models.Field) or field.column is None:
        raise ValueError(f"{model.__name__}.{field_name} is not a column of its own table.")
    connection = connections[using]
    quote = connection.ops.quote_name
    table, column = quote(model._meta.db_table), quote(field.column)
    anchor, params = (f"WHERE {column} > %s", [""]) if skip_blank else ("", [])
    sql = (
        f"WITH RECURSIVE found (value) AS ("
        f"SELECT MIN({column}) FROM {table} {anchor} "
        f"UNION ALL "
        f"SELECT (SELECT MIN({column}) FROM {table} WHERE {column} > found.value) "
        f"FROM found WHERE found.value IS NOT NULL"
        f") SELECT value FROM found WHERE value IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [field.to_python(value) for (value,) in cursor.fetchall()]


class IndexedValuesFieldListFilter(AllValuesFieldListFilter):
    """Django's list of a column's values (`AllValuesFieldListFilter`), read by
    `distinct_values`: for a column of the listed model's own table, NOT NULL, with a B-tree
    index, on a model admin whose list shows every row (the choices are the whole table's)."""

    def __init__(
        self,
        field: Any,
        request: Any,
        params: Any,
        model: Any,
        model_admin: Any,
        field_path: str,
    ) -> None:
        if LOOKUP_SEP in field_path or field.null:
            raise ImproperlyConfigured(
                f"{model.__name__}.{field_path}: IndexedValuesFieldListFilter lists a NOT NULL "
                "column of the listed table."
            )
        super().__init__(field, request, params, model, model_admin, field_path)

    def choices(self, changelist: Any) -> Iterator[Any]:
        # A list where Django keeps a queryset: its choices are iterated, never queried further.
        self.lookup_choices = distinct_values(  # type: ignore[assignment]
            changelist.model, self.field.name, using=changelist.queryset.db
        )
        yield from super().choices(changelist)
