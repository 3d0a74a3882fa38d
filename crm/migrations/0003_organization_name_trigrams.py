"""On PostgreSQL, trigram matching of organization names for the duplicates report.

pg_trgm is a trusted extension (PostgreSQL 13+), so the database owner may create it. Where it
cannot be created the report falls back to exact normalized names, so a refusal is not an error.
"""

from django.db import migrations


def add_trigrams(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with schema_editor.connection.cursor() as cursor, _savepoint(schema_editor):
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            cursor.execute(
                "CREATE INDEX IF NOT EXISTS crm_org_normalized_name_trgm "
                "ON crm_organization USING gin (normalized_name gin_trgm_ops)"
            )
    except Exception:  # noqa: BLE001 - no permission: the report degrades to exact names
        pass


def drop_trigrams(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS crm_org_normalized_name_trgm")


def _savepoint(schema_editor):
    from django.db import transaction

    return transaction.atomic(using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("crm", "0002_staff_roles")]

    operations = [migrations.RunPython(add_trigrams, drop_trigrams)]
