"""core.db: `joined_as_written` (statements inside are joined in the order written on
PostgreSQL, and the setting is the session's own again afterwards, whether the block ends well
or fails, inside a transaction or not) and `built_once` (a selector built once, handed out as a
fresh copy each time)."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from core.db import built_once, joined_as_written
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def _setting() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW join_collapse_limit")
        return cursor.fetchone()[0]


@pytest.mark.postgres
def test_inside_the_tables_are_joined_as_written_and_afterwards_as_before():
    before = _setting()
    assert before != "1"

    with joined_as_written("default"):
        assert _setting() == "1"

    assert _setting() == before


@pytest.mark.postgres
def test_a_failure_inside_leaves_the_setting_as_it_was_and_is_the_error_raised():
    before = _setting()

    # A statement fails in a transaction: it rolls back.
    with (
        pytest.raises(DatabaseError, match="no_such_table"),
        transaction.atomic(),
        joined_as_written("default"),
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT * FROM no_such_table")
    assert _setting() == before

    # A Python error: nothing rolls back.
    with (
        pytest.raises(ValueError, match="not the database"),
        transaction.atomic(),
        joined_as_written("default"),
    ):
        raise ValueError("not the database")
    assert _setting() == before

    with pytest.raises(ValueError, match="outside a block"), joined_as_written("default"):
        raise ValueError("outside a block")
    assert _setting() == before


def test_on_other_databases_it_sends_nothing():
    if connection.vendor == "postgresql":
        pytest.skip("SQLite has no such setting")
    with CaptureQueriesContext(connection) as captured, joined_as_written("default"):
        pass
    assert captured.captured_queries == []


def test_a_selector_built_once_hands_out_a_fresh_unevaluated_copy_each_time():
    from crm.models import Organization
    from crm.selectors import organization_list

    first = organization_list()
    assert list(first) == []
    OrganizationFactory(name="Acme")
    narrowed = organization_list().filter(name="Nobody")

    second = organization_list()
    assert first is not second and first.query is not second.query
    assert [o.name for o in second] == ["Acme"]  # nothing kept from the first's evaluation
    assert list(narrowed) == [] and second.query.where != narrowed.query.where
    assert str(organization_list().query) == str(second.query)
    assert second[0].membership_status is None  # the annotations are the list's own
    assert isinstance(second[0], Organization)


def test_built_once_builds_once():
    built = []

    @built_once
    def selector():
        built.append(1)
        from crm.models import Organization

        return Organization.objects.all()

    assert selector() is not selector()
    assert built == [1]
