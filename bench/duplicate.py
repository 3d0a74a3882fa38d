"""Twice the data for the batch jobs: every organization, contact, affiliation and membership
copied once more in SQL (new keys, unique values made unique again), so a job at twice the
size meets the same mix of rows."""

from __future__ import annotations

from django.db import connection, models

from crm.models import Affiliation, Contact, Membership, Organization

# Columns whose values must stay unique across the copy: the expression that makes them so.
UNIQUE_COPIES = {
    "email": "CASE WHEN {c} = '' THEN '' ELSE 'copy.' || {c} END",
    "reference": "{c} || 'c'",
    "number": "{c} || '-C'",
}


def _max_pk(model: type[models.Model]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {model._meta.db_table}")
        return int(cursor.fetchone()[0])


def duplicate(model_list: list[type[models.Model]]) -> dict[str, int]:
    """Copy every row of each model (parents before children) with pk + offset; foreign keys
    to models in the list follow their copies."""
    offsets = {m: _max_pk(m) for m in model_list}
    copied = {}
    qn = connection.ops.quote_name
    for model in model_list:
        table = model._meta.db_table
        columns, expressions = [], []
        for field in model._meta.concrete_fields:
            column = qn(field.column)
            columns.append(column)
            if field.primary_key:
                expressions.append(f"{column} + {offsets[model]}")
            elif field.is_relation and field.related_model in offsets:
                expressions.append(f"{column} + {offsets[field.related_model]}")
            elif field.column in UNIQUE_COPIES:
                expressions.append(UNIQUE_COPIES[field.column].format(c=column))
            else:
                expressions.append(column)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"SELECT {', '.join(expressions)} FROM {table} WHERE id <= %s",
                [offsets[model]],
            )
            copied[table] = cursor.rowcount
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT MAX(id) FROM {table}))"
                )
    return copied


def double_members() -> dict[str, int]:
    return duplicate([Organization, Contact, Affiliation, Membership])
