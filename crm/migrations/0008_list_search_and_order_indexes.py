"""On PostgreSQL, indexes behind the staff lists and admin lists at any size.

- Search: every searched text column gets a trigram GIN index on the expression Django's
  ``icontains`` compares, ``UPPER(col::text)`` (``UPPER(col::text) LIKE UPPER('%term%')``), so a
  substring search reads the index instead of the table (pg_trgm; see 0003 for why a refusal to
  create the extension is not an error).
- Order: the lists' default orderings (organizations by name, contacts by last and first name,
  registrations newest first) and the registrations' status filter read a B-tree in order.

SQLite has neither, and needs neither at its sizes: nothing happens there.
"""

from django.db import migrations

TRIGRAMS = {
    "crm_organization": ["name", "website", "email_domain", "city"],
    "crm_contact": ["first_name", "last_name", "email", "phone"],
    "crm_registration": ["reference", "organization_name"],
}
ORDERS = {
    "crm_org_name_id": "crm_organization (name, id)",
    "crm_contact_last_first_id": "crm_contact (last_name, first_name, id)",
    "crm_reg_created_id": "crm_registration (created, id)",
    "crm_reg_status_created_id": "crm_registration (status, created, id)",
}


def _trigram_name(table, column):
    return f"{table}_{column}_upper_trgm"


def add_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, target in ORDERS.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")
    try:
        with _savepoint(schema_editor):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception:  # noqa: BLE001 - no permission: searches still work, by reading the table
        return
    for table, columns in TRIGRAMS.items():
        for column in columns:
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {_trigram_name(table, column)} ON {table} "
                f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
            )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    names = list(ORDERS) + [
        _trigram_name(table, column) for table, columns in TRIGRAMS.items() for column in columns
    ]
    for name in names:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def _savepoint(schema_editor):
    from django.db import transaction

    return transaction.atomic(using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("crm", "0007_dues_schedules_deductibility_foundation_levels")]

    operations = [migrations.RunPython(add_indexes, drop_indexes, elidable=False)]
