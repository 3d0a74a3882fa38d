"""The staff lists' paginator (crm.pagination): a whole table is counted up to the limit and
sized in one statement; past the limit its count is PostgreSQL's measure of the table, and
every page still reads one row more than it shows, so navigation never rests on the estimate."""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm import pagination
from crm.models import Organization
from crm.pagination import EstimatedCountPaginator
from tests.factories import OrganizationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def organizations(db):
    made = [OrganizationFactory(name=f"Member {i:02d}") for i in range(7)]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE crm_organization")  # as autovacuum would: reltuples is 7
    return made


def _page(number, per_page=3):
    paginator = EstimatedCountPaginator(Organization.objects.order_by("name", "pk"), per_page)
    with CaptureQueriesContext(connection) as captured:
        count = paginator.count
        page = paginator.page(number)
        names = [o.name for o in page.object_list]
    return paginator, count, page, names, [q["sql"] for q in captured.captured_queries]


def test_past_the_limit_the_whole_table_is_sized_in_the_statement_that_counts_it(
    organizations, settings
):
    settings.STAFF_API_EXACT_COUNT_LIMIT = 3

    paginator, count, page, names, sql = _page(1)

    assert paginator.count_is_estimate and count == 7  # the table's size, not the 4 counted
    assert len(sql) == 2, sql  # the count with the size, then the page
    assert "reltuples" in sql[0] and "COUNT(*)" in sql[0]
    assert names == ["Member 00", "Member 01", "Member 02"] and page.has_next()


def test_a_table_plainly_past_the_limit_is_sized_once_a_minute_not_counted_each_page(
    organizations, settings, monkeypatch
):
    settings.STAFF_API_EXACT_COUNT_LIMIT = 3  # 7 rows: past twice the limit

    first = _page(1)
    again = _page(2)

    assert len(first[4]) == 2 and "COUNT(*)" in first[4][0]  # counted and sized
    paginator, count, page, names, sql = again
    assert len(sql) == 1 and "COUNT(*)" not in sql[0], sql  # the page alone
    assert paginator.count_is_estimate and count == 7
    assert names == ["Member 03", "Member 04", "Member 05"] and page.has_next()
    last = _page(3)
    assert last[3] == ["Member 06"] and not last[2].has_next() and last[1] == 7
    assert last[0].count == 7 and not last[0].count_is_estimate  # the last page: exact

    later = time.monotonic() + pagination.SIZE_KEPT_SECONDS + 1
    monkeypatch.setattr(pagination.time, "monotonic", lambda: later)
    assert "COUNT(*)" in _page(1)[4][0]  # a minute on: counted and sized again


def test_a_table_near_the_limit_is_counted_on_each_page(organizations, settings):
    settings.STAFF_API_EXACT_COUNT_LIMIT = 4  # 7 rows: past the limit, not twice it

    for number in (1, 2):
        paginator, count, _, _, sql = _page(number)
        assert "COUNT(*)" in sql[0] and count == 7 and paginator.count_is_estimate


def test_a_table_measured_big_but_emptied_since_is_counted_on_each_page(organizations, settings):
    settings.STAFF_API_EXACT_COUNT_LIMIT = 3
    Organization.objects.exclude(name="Member 00").delete()  # reltuples still says 7

    for _ in range(2):
        paginator, count, _, names, sql = _page(1)
        assert "COUNT(*)" in sql[0] and count == 1 and not paginator.count_is_estimate
        assert names == ["Member 00"]


def test_the_last_page_found_makes_the_count_exact(organizations, settings):
    settings.STAFF_API_EXACT_COUNT_LIMIT = 3
    Organization.objects.filter(name="Member 06").delete()  # reltuples still says 7

    paginator, count, page, names, _ = _page(2, per_page=2)
    assert paginator.count_is_estimate and count == 7
    assert names == ["Member 02", "Member 03"] and page.has_next()

    paginator, _, page, names, _ = _page(3, per_page=2)
    assert names == ["Member 04", "Member 05"] and not page.has_next()
    assert paginator.count == 6 and not paginator.count_is_estimate


def test_within_the_limit_the_count_is_exact(organizations, settings):
    settings.STAFF_API_EXACT_COUNT_LIMIT = 1000

    paginator, count, page, names, sql = _page(3)

    assert count == 7 and not paginator.count_is_estimate
    assert len(sql) == 2 and names == ["Member 06"] and not page.has_next()


def test_a_statements_planned_rows_are_asked_once_a_minute(organizations, monkeypatch):
    from crm.pagination import planned_rows

    def asked(queryset):
        with CaptureQueriesContext(connection) as captured:
            rows = planned_rows(queryset)
        return rows, [q["sql"] for q in captured.captured_queries]

    named = Organization.objects.filter(name__startswith="Member")
    rows, sql = asked(named)
    assert len(sql) == 1 and sql[0].startswith("EXPLAIN") and rows >= 1
    assert asked(named) == (rows, [])  # the same statement, the same values: kept
    assert asked(Organization.objects.filter(name__startswith="Other"))[1]  # asked

    later = time.monotonic() + pagination.SIZE_KEPT_SECONDS + 1
    monkeypatch.setattr(pagination.time, "monotonic", lambda: later)
    assert len(asked(named)[1]) == 1  # a minute on: asked again
