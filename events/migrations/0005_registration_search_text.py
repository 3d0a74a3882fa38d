"""On PostgreSQL, one trigram index on the record's own searched text (crm.search.SearchText):
registrations by reference and the organization name typed. A common term walks the list's order, a rare one reads this
index (crm.search). SQLite: nothing happens."""

from django.db import migrations

from crm.search import search_text_index_sql, trigrams_available

NAME = "crm_registration_search_text_trgm"
COLUMNS = ("reference", "organization_name")


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    if not trigrams_available(schema_editor):  # no permission: the search reads the table
        return
    schema_editor.execute(search_text_index_sql(NAME, "crm_registration", COLUMNS))


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("events", "0004_door_list"), ("crm", "0018_search_text_indexes")]

    operations = [migrations.RunPython(add_index, drop_index, elidable=False)]
