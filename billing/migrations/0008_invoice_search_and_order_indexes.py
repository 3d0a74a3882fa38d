"""On PostgreSQL, indexes behind the invoice lists (staff API and admin) at any size: trigram
GIN indexes on the expression Django's ``icontains`` compares (``UPPER(col::text)``) for every
searched invoice column (the organization's name has its own in crm), and B-trees for the
default order (newest first) and the status filter in that order. Nothing on SQLite."""

from django.db import migrations

TRIGRAMS = ["number", "reference", "stripe_invoice_id"]
ORDERS = {
    "billing_inv_created_id": "billing_invoice (created, id)",
    "billing_inv_status_created_id": "billing_invoice (status, created, id)",
}


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
    for column in TRIGRAMS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS billing_invoice_{column}_upper_trgm ON billing_invoice "
            f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in [*ORDERS, *(f"billing_invoice_{c}_upper_trgm" for c in TRIGRAMS)]:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def _savepoint(schema_editor):
    from django.db import transaction

    return transaction.atomic(using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("billing", "0007_offline_credit_notes_and_credit_balances")]

    operations = [migrations.RunPython(add_indexes, drop_indexes, elidable=False)]
