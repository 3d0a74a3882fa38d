"""On PostgreSQL, one trigram index on the record's own searched text (crm.search.SearchText):
invoices by number, reference and Stripe invoice ID. A common term walks the list's order, a rare one reads this
index (crm.search). SQLite: nothing happens."""

from django.db import migrations

from crm.search import search_text_index_sql, trigrams_available

NAME = "billing_invoice_search_text_trgm"
COLUMNS = ("number", "reference", "stripe_invoice_id")


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    if not trigrams_available(schema_editor):  # no permission: the search reads the table
        return
    schema_editor.execute(search_text_index_sql(NAME, "billing_invoice", COLUMNS))


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("billing", "0016_earlier_stripe_invoices"), ("crm", "0018_search_text_indexes")]

    operations = [migrations.RunPython(add_index, drop_index, elidable=False)]
