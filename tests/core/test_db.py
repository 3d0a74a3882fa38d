"""`joined_as_written`: statements inside are joined in the order written (PostgreSQL), and the
setting is the session's own again afterwards, whether the block ends well or fails, inside a
transaction or not."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from core.db import joined_as_written

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


def test_on_other_databases_it_sends_nothing(settings):
    if connection.vendor == "postgresql":
        pytest.skip("SQLite has no such setting")
    with CaptureQueriesContext(connection) as captured, joined_as_written("default"):
        pass
    assert captured.captured_queries == []
