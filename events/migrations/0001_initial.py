import core.models
import django.core.validators
import django.db.models.deletion
import simple_history.models
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


MOVED = [
    "event",
    "tickettype",
    "registration",
    "attendee",
    "historicalevent",
    "historicaltickettype",
    "historicalregistration",
]


def move_content_types(apps, schema_editor, *, source="crm", target="events"):
    """The models' content types (and so their permissions and admin log entries) follow them."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MOVED:
        if ContentType.objects.using(db).filter(app_label=target, model=model).exists():
            continue
        ContentType.objects.using(db).filter(app_label=source, model=model).update(
            app_label=target
        )


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, source="events", target="crm")


class Migration(migrations.Migration):
    """Events, ticket types, registrations and attendees move from the crm app, keeping their
    tables (db_table): the models are created in the migration state only, the tables are not
    touched."""

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("crm", "0006_merge_events"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Event',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('modified', models.DateTimeField(auto_now=True, db_index=True)),
                        ('slug', models.SlugField(max_length=100, unique=True)),
                        ('title', models.CharField(max_length=200)),
                        ('description', models.TextField(blank=True)),
                        ('venue', models.CharField(blank=True, max_length=300)),
                        ('starts_at', models.DateTimeField(db_index=True)),
                        ('ends_at', models.DateTimeField()),
                        ('registration_opens_at', models.DateTimeField(blank=True, help_text='Empty: open as soon as the event is published.', null=True)),
                        ('registration_closes_at', models.DateTimeField(blank=True, help_text='Empty: open until the event starts.', null=True)),
                        ('status', models.CharField(choices=[('draft', 'Draft'), ('published', 'Published'), ('cancelled', 'Cancelled')], db_index=True, default='draft', max_length=20)),
                        ('waitlist_enabled', models.BooleanField(default=True, help_text='When a ticket type is sold out, people may join its waitlist.')),
                        ('cancellation_cutoff_hours', models.PositiveIntegerField(default=48, help_text='Registrants may cancel through their link until this many hours before the start; staff may cancel at any time.', verbose_name='registrant cancellation cutoff (hours)')),
                        ('gl_account', models.CharField(default='4300', max_length=50, verbose_name='GL revenue account')),
                        ('status_changed_at', models.DateTimeField(blank=True, editable=False, null=True)),
                        ('status_reason', models.TextField(blank=True, editable=False)),
                    ],
                    options={
                        'db_table': 'crm_event',
                        'ordering': ['starts_at', 'pk'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('ends_at__gte', models.F('starts_at'))), name='crm_event_ends_after_start', violation_error_message='The event cannot end before it starts.')],
                    },
                ),
                migrations.CreateModel(
                    name='HistoricalEvent',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('created', models.DateTimeField(blank=True, db_index=True, editable=False)),
                        ('modified', models.DateTimeField(blank=True, db_index=True, editable=False)),
                        ('slug', models.SlugField(max_length=100)),
                        ('title', models.CharField(max_length=200)),
                        ('description', models.TextField(blank=True)),
                        ('venue', models.CharField(blank=True, max_length=300)),
                        ('starts_at', models.DateTimeField(db_index=True)),
                        ('ends_at', models.DateTimeField()),
                        ('registration_opens_at', models.DateTimeField(blank=True, help_text='Empty: open as soon as the event is published.', null=True)),
                        ('registration_closes_at', models.DateTimeField(blank=True, help_text='Empty: open until the event starts.', null=True)),
                        ('status', models.CharField(choices=[('draft', 'Draft'), ('published', 'Published'), ('cancelled', 'Cancelled')], db_index=True, default='draft', max_length=20)),
                        ('waitlist_enabled', models.BooleanField(default=True, help_text='When a ticket type is sold out, people may join its waitlist.')),
                        ('cancellation_cutoff_hours', models.PositiveIntegerField(default=48, help_text='Registrants may cancel through their link until this many hours before the start; staff may cancel at any time.', verbose_name='registrant cancellation cutoff (hours)')),
                        ('gl_account', models.CharField(default='4300', max_length=50, verbose_name='GL revenue account')),
                        ('status_changed_at', models.DateTimeField(blank=True, editable=False, null=True)),
                        ('status_reason', models.TextField(blank=True, editable=False)),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'historical event',
                        'verbose_name_plural': 'historical events',
                        'db_table': 'crm_historicalevent',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='HistoricalTicketType',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('created', models.DateTimeField(blank=True, db_index=True, editable=False)),
                        ('modified', models.DateTimeField(blank=True, db_index=True, editable=False)),
                        ('code', models.SlugField()),
                        ('name', models.CharField(max_length=100)),
                        ('description', models.CharField(blank=True, max_length=500)),
                        ('member_price', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=12, validators=[django.core.validators.MinValueValidator(Decimal('0'))])),
                        ('non_member_price', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=12, validators=[django.core.validators.MinValueValidator(Decimal('0'))])),
                        ('members_only', models.BooleanField(default=False, help_text='Only people of an organization with an active membership.')),
                        ('capacity', models.PositiveIntegerField(help_text='Seats for this ticket type.')),
                        ('max_per_registration', models.PositiveSmallIntegerField(default=10, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(100)], verbose_name='limit per registration')),
                        ('sort_order', models.PositiveIntegerField(default=0)),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('event', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.event')),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'historical ticket type',
                        'verbose_name_plural': 'historical ticket types',
                        'db_table': 'crm_historicaltickettype',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='Registration',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('modified', models.DateTimeField(auto_now=True, db_index=True)),
                        ('reference', models.CharField(default=core.models.new_reference, editable=False, max_length=40, unique=True)),
                        ('organization_name', models.CharField(blank=True, help_text='The organization as the registrant wrote it.', max_length=200)),
                        ('quantity', models.PositiveSmallIntegerField(default=1, validators=[django.core.validators.MinValueValidator(1)], verbose_name='party size')),
                        ('status', models.CharField(choices=[('pending_payment', 'Awaiting payment'), ('confirmed', 'Confirmed'), ('waitlisted', 'On the waitlist'), ('cancelled', 'Cancelled'), ('checked_in', 'Checked in')], db_index=True, max_length=20)),
                        ('member_pricing', models.BooleanField(default=False, editable=False)),
                        ('price_each', models.DecimalField(decimal_places=2, editable=False, max_digits=12, validators=[django.core.validators.MinValueValidator(Decimal('0'))])),
                        ('total', models.DecimalField(decimal_places=2, editable=False, max_digits=12, validators=[django.core.validators.MinValueValidator(Decimal('0'))])),
                        ('hold_expires_at', models.DateTimeField(blank=True, db_index=True, editable=False, help_text='Unpaid seats are released at this time.', null=True)),
                        ('payment', models.CharField(choices=[('now', 'Pay now'), ('invoice', 'Invoice the member organization')], default='now', editable=False, max_length=20)),
                        ('hold_lapsed_at', models.DateTimeField(blank=True, editable=False, help_text='When the unpaid hold ran out (a payment arriving later may still confirm it).', null=True)),
                        ('checked_in_at', models.DateTimeField(blank=True, editable=False, null=True)),
                        ('status_changed_at', models.DateTimeField(blank=True, editable=False, null=True)),
                        ('status_reason', models.TextField(blank=True, editable=False)),
                        ('checked_in_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('contact', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='registrations', to='crm.contact')),
                        ('event', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='registrations', to='events.event')),
                        ('organization', models.ForeignKey(blank=True, help_text='The organization the member price came from, or the one named when known.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='registrations', to='crm.organization')),
                    ],
                    options={
                        'db_table': 'crm_registration',
                        'ordering': ['-created', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='Attendee',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('first_name', models.CharField(max_length=100)),
                        ('last_name', models.CharField(max_length=100)),
                        ('email', models.EmailField(blank=True, max_length=254)),
                        ('registration', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attendees', to='events.registration')),
                    ],
                    options={
                        'db_table': 'crm_attendee',
                        'ordering': ['registration', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='TicketType',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('modified', models.DateTimeField(auto_now=True, db_index=True)),
                        ('code', models.SlugField()),
                        ('name', models.CharField(max_length=100)),
                        ('description', models.CharField(blank=True, max_length=500)),
                        ('member_price', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=12, validators=[django.core.validators.MinValueValidator(Decimal('0'))])),
                        ('non_member_price', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=12, validators=[django.core.validators.MinValueValidator(Decimal('0'))])),
                        ('members_only', models.BooleanField(default=False, help_text='Only people of an organization with an active membership.')),
                        ('capacity', models.PositiveIntegerField(help_text='Seats for this ticket type.')),
                        ('max_per_registration', models.PositiveSmallIntegerField(default=10, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(100)], verbose_name='limit per registration')),
                        ('sort_order', models.PositiveIntegerField(default=0)),
                        ('event', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='ticket_types', to='events.event')),
                    ],
                    options={
                        'db_table': 'crm_tickettype',
                        'ordering': ['event', 'sort_order', 'pk'],
                    },
                ),
                migrations.AddField(
                    model_name='registration',
                    name='ticket_type',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='registrations', to='events.tickettype'),
                ),
                migrations.CreateModel(
                    name='HistoricalRegistration',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('created', models.DateTimeField(blank=True, db_index=True, editable=False)),
                        ('modified', models.DateTimeField(blank=True, db_index=True, editable=False)),
                        ('reference', models.CharField(db_index=True, default=core.models.new_reference, editable=False, max_length=40)),
                        ('organization_name', models.CharField(blank=True, help_text='The organization as the registrant wrote it.', max_length=200)),
                        ('quantity', models.PositiveSmallIntegerField(default=1, validators=[django.core.validators.MinValueValidator(1)], verbose_name='party size')),
                        ('status', models.CharField(choices=[('pending_payment', 'Awaiting payment'), ('confirmed', 'Confirmed'), ('waitlisted', 'On the waitlist'), ('cancelled', 'Cancelled'), ('checked_in', 'Checked in')], db_index=True, max_length=20)),
                        ('member_pricing', models.BooleanField(default=False, editable=False)),
                        ('price_each', models.DecimalField(decimal_places=2, editable=False, max_digits=12, validators=[django.core.validators.MinValueValidator(Decimal('0'))])),
                        ('total', models.DecimalField(decimal_places=2, editable=False, max_digits=12, validators=[django.core.validators.MinValueValidator(Decimal('0'))])),
                        ('hold_expires_at', models.DateTimeField(blank=True, db_index=True, editable=False, help_text='Unpaid seats are released at this time.', null=True)),
                        ('payment', models.CharField(choices=[('now', 'Pay now'), ('invoice', 'Invoice the member organization')], default='now', editable=False, max_length=20)),
                        ('hold_lapsed_at', models.DateTimeField(blank=True, editable=False, help_text='When the unpaid hold ran out (a payment arriving later may still confirm it).', null=True)),
                        ('checked_in_at', models.DateTimeField(blank=True, editable=False, null=True)),
                        ('status_changed_at', models.DateTimeField(blank=True, editable=False, null=True)),
                        ('status_reason', models.TextField(blank=True, editable=False)),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('checked_in_by', models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('contact', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='crm.contact')),
                        ('event', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.event')),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('organization', models.ForeignKey(blank=True, db_constraint=False, help_text='The organization the member price came from, or the one named when known.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='crm.organization')),
                        ('ticket_type', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='events.tickettype')),
                    ],
                    options={
                        'verbose_name': 'historical registration',
                        'verbose_name_plural': 'historical registrations',
                        'db_table': 'crm_historicalregistration',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.AddConstraint(
                    model_name='tickettype',
                    constraint=models.UniqueConstraint(fields=('event', 'code'), name='crm_tickettype_unique_code', violation_error_message='This event already has a ticket type with this code.'),
                ),
                migrations.AddIndex(
                    model_name='registration',
                    index=models.Index(fields=['ticket_type', 'status'], name='crm_reg_type_status'),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back, elidable=False),
    ]
