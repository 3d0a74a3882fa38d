from django.db import migrations


class Migration(migrations.Migration):
    """Events, ticket types, registrations and attendees moved to the events app with their
    tables: they leave crm's migration state only, the tables stay."""

    dependencies = [
        ("crm", "0009_emaillog_status_suppressed"),
        ("events", "0001_initial"),
        ("billing", "0009_invoice_line_registration_in_events"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='attendee',
                    name='registration',
                ),
                migrations.RemoveConstraint(
                    model_name='event',
                    name='crm_event_ends_after_start',
                ),
                migrations.RemoveField(
                    model_name='historicalregistration',
                    name='event',
                ),
                migrations.RemoveField(
                    model_name='historicaltickettype',
                    name='event',
                ),
                migrations.RemoveField(
                    model_name='historicalevent',
                    name='history_user',
                ),
                migrations.RemoveField(
                    model_name='historicalregistration',
                    name='checked_in_by',
                ),
                migrations.RemoveField(
                    model_name='historicalregistration',
                    name='contact',
                ),
                migrations.RemoveField(
                    model_name='historicalregistration',
                    name='history_user',
                ),
                migrations.RemoveField(
                    model_name='historicalregistration',
                    name='organization',
                ),
                migrations.RemoveField(
                    model_name='historicalregistration',
                    name='ticket_type',
                ),
                migrations.RemoveField(
                    model_name='historicaltickettype',
                    name='history_user',
                ),
                migrations.RemoveIndex(
                    model_name='registration',
                    name='crm_reg_type_status',
                ),
                migrations.RemoveConstraint(
                    model_name='tickettype',
                    name='crm_tickettype_unique_code',
                ),
                migrations.DeleteModel(
                    name='Attendee',
                ),
                migrations.DeleteModel(
                    name='HistoricalEvent',
                ),
                migrations.DeleteModel(
                    name='HistoricalRegistration',
                ),
                migrations.DeleteModel(
                    name='HistoricalTicketType',
                ),
                migrations.RemoveField(
                    model_name='registration',
                    name='checked_in_by',
                ),
                migrations.RemoveField(
                    model_name='registration',
                    name='contact',
                ),
                migrations.RemoveField(
                    model_name='registration',
                    name='event',
                ),
                migrations.RemoveField(
                    model_name='registration',
                    name='organization',
                ),
                migrations.RemoveField(
                    model_name='registration',
                    name='ticket_type',
                ),
                migrations.RemoveField(
                    model_name='tickettype',
                    name='event',
                ),
                migrations.DeleteModel(
                    name='Registration',
                ),
                migrations.DeleteModel(
                    name='Event',
                ),
                migrations.DeleteModel(
                    name='TicketType',
                ),
            ],
            database_operations=[],
        ),
    ]
