"""Interactions the system records (a check-in's "event attended") carry their source, once
each; organizations on record without a county get the one their ZIP code says (crm.geography,
as organization_save now does); the organization search looks in ZIP codes, with the trigram
index the other searched columns have on PostgreSQL (0008)."""

from django.db import migrations, models

from crm.geography import county_for_postal_code
from crm.search import trigrams_available

BATCH = 2000
ZIP_INDEX = "crm_organization_postal_code_upper_trgm"


def fill_counties(apps, schema_editor):
    Organization = apps.get_model("crm", "Organization")
    pending = Organization.objects.filter(county="").exclude(postal_code="").only("postal_code")
    batch = []
    for organization in pending.iterator(chunk_size=BATCH):
        organization.county = county_for_postal_code(organization.postal_code)
        if organization.county:
            batch.append(organization)
        if len(batch) >= BATCH:
            Organization.objects.bulk_update(batch, ["county"])
            batch = []
    Organization.objects.bulk_update(batch, ["county"])


def add_zip_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    if not trigrams_available(schema_editor):  # no permission: the search reads the table
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {ZIP_INDEX} ON crm_organization "
        "USING gin ((UPPER(postal_code::text)) gin_trgm_ops)"
    )


def drop_zip_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {ZIP_INDEX}")


class Migration(migrations.Migration):
    dependencies = [("crm", "0015_benefit_entitlements")]

    operations = [
        migrations.AddField(
            model_name="interaction",
            name="source",
            field=models.CharField(blank=True, editable=False, max_length=80),
        ),
        migrations.AddConstraint(
            model_name="interaction",
            constraint=models.UniqueConstraint(
                condition=models.Q(("source", ""), _negated=True),
                fields=("source",),
                name="crm_interaction_one_per_source",
            ),
        ),
        migrations.RunPython(fill_counties, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(add_zip_index, drop_zip_index, elidable=False),
    ]
