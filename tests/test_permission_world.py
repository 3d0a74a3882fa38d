"""The permission matrices trust database_state() to see what a refused call writes: here it
sees an insert, an update and a delete, each in the table written to, and nothing else."""

import pytest
from django.db import transaction

from crm.models import Organization
from tests.permission_world import changed_tables, database_state


@pytest.mark.django_db
def test_it_sees_each_kind_of_write_in_the_table_written_to():
    table = Organization._meta.db_table
    start = database_state()

    organization = Organization.objects.create(name="Bushnell Park Bakery")
    inserted = database_state()
    Organization.objects.filter(pk=organization.pk).update(city="Hartford")
    updated = database_state()
    Organization.objects.filter(pk=organization.pk).delete()
    deleted = database_state()

    assert table in changed_tables(start, inserted)
    assert changed_tables(inserted, updated) == [table]
    assert table in changed_tables(updated, deleted)
    assert changed_tables(deleted, database_state()) == []


@pytest.mark.django_db
def test_a_read_changes_nothing():
    before = database_state()

    list(Organization.objects.all())
    with transaction.atomic():
        Organization.objects.exists()

    assert changed_tables(before, database_state()) == []
