import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Registrations now live in the events app (same table): the foreign key changes in the
    migration state only."""

    dependencies = [
        ("billing", "0008_invoice_search_and_order_indexes"),
        ("events", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='invoiceline',
                    name='registration',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='invoice_lines', to='events.registration'),
                ),
            ],
            database_operations=[],
        ),
    ]
