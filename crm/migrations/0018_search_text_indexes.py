"""On PostgreSQL, one trigram index on each searched record's text (crm.search.SearchText):
organizations by name, website, email domain, city and ZIP; contacts by name, email and phone.
With one predicate the planner weighs the term and picks the ordering index (a common term) or
the trigram index (a rare one); the per-column indexes stay for the searches of other records
through these tables (an invoice's organization's name). SQLite: nothing happens."""

from django.db import migrations

from crm.search import search_text_index_sql, trigrams_available

INDEXES = {
    "crm_org_search_text_trgm": (
        "crm_organization",
        ("name", "website", "email_domain", "city", "postal_code"),
    ),
    "crm_contact_search_text_trgm": ("crm_contact", ("first_name", "last_name", "email", "phone")),
}


def add_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    if not trigrams_available(schema_editor):  # no permission: the search reads the table
        return
    for name, (table, columns) in INDEXES.items():
        schema_editor.execute(search_text_index_sql(name, table, columns))


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("crm", "0017_directory_listing")]

    operations = [migrations.RunPython(add_indexes, drop_indexes, elidable=False)]
