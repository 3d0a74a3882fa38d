"""The staff lists' paginator (crm.pagination): a whole table is counted up to the limit and
sized in one statement; past the limit its count is PostgreSQL's measure of the table, and
every page still reads one row more than it shows, so navigation never rests on the estimate."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

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
