"""Every list runs the same small number of queries at 5 rows and at 50, and pages are capped."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.pagination import PageNumberPagination
from crm.models import DirectoryCategory
from tests.api.staff.conftest import (
    make_invoice,
    make_note,
    make_payment,
    make_pledge,
    make_refund,
    make_renewal_proposal,
)
from tests.factories import (
    AffiliationFactory,
    BracketPlanFactory,
    ContactFactory,
    InvestorLevelFactory,
    MembershipFactory,
    OrganizationFactory,
)

pytestmark = pytest.mark.django_db


def _organization():
    organization = OrganizationFactory()
    AffiliationFactory(organization=organization)
    MembershipFactory(organization=organization)
    # Listed under two headings of its own: the categories are prefetched, not read per row.
    for n in range(2):
        slug = f"heading-{organization.pk}-{n}"
        organization.directory_categories.add(
            DirectoryCategory.objects.create(name=slug, slug=slug)
        )


def _contact():
    contact = ContactFactory()
    AffiliationFactory(contact=contact)
    AffiliationFactory(contact=contact, is_primary=False)


def _note():
    make_note(organization=OrganizationFactory(), contact=ContactFactory())


def _invoice():
    make_refund(make_payment(make_invoice()))  # lines, a payment and what was refunded of it


BUILDERS = {
    "organizations": _organization,
    "contacts": _contact,
    "affiliations": AffiliationFactory,
    "notes": _note,
    "membership-plans": BracketPlanFactory,
    "investor-levels": InvestorLevelFactory,
    "memberships": MembershipFactory,
    "pledges": make_pledge,
    "pledge-renewals": make_renewal_proposal,
    "invoices": _invoice,
    "payments": _invoice,
    "refunds": _invoice,
}


def _count_queries(client, endpoint: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/v1/{endpoint}/?page_size=100")
    assert response.status_code == 200
    return len(queries), len(response.json()["results"])


@pytest.mark.parametrize("endpoint", sorted(BUILDERS))
def test_it_lists_in_the_same_number_of_queries_at_5_and_50_rows(superuser, api_for, endpoint):
    """Signed in as a superuser, and by token as a role (the request also reads the token and the
    user's permissions): one data set, built once, counted both ways at 5 rows and at 50."""
    from rest_framework.test import APIClient

    superuser_client = APIClient()
    superuser_client.force_authenticate(superuser)
    token_client = api_for("Read-only")
    for _ in range(5):
        BUILDERS[endpoint]()
    at_5, rows_5 = _count_queries(superuser_client, endpoint)
    by_token_at_5, by_token_rows_5 = _count_queries(token_client, endpoint)
    for _ in range(45):
        BUILDERS[endpoint]()
    at_50, rows_50 = _count_queries(superuser_client, endpoint)
    by_token_at_50, by_token_rows_50 = _count_queries(token_client, endpoint)

    assert (rows_5, rows_50) == (by_token_rows_5, by_token_rows_50) == (5, 50)
    assert at_5 == at_50 <= 8
    assert by_token_at_5 == by_token_at_50 <= 8


def test_it_caps_the_page_size(membership_api, monkeypatch):
    monkeypatch.setattr(PageNumberPagination, "max_page_size", 3)
    OrganizationFactory.create_batch(4)
    body = membership_api.get("/api/v1/organizations/?page_size=1000").json()
    assert body["count"] == 4
    assert len(body["results"]) == 3
    assert body["next"]


def test_it_pages_with_links(membership_api):
    OrganizationFactory.create_batch(3)
    first = membership_api.get("/api/v1/organizations/?page_size=2").json()
    assert len(first["results"]) == 2 and first["previous"] is None
    second = membership_api.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None


def test_it_answers_404_for_a_page_past_the_end(membership_api):
    response = membership_api.get("/api/v1/organizations/?page=9")
    assert response.status_code == 404
    assert response.json() == {"errors": {"detail": ["Invalid page."]}}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/organizations/?contact=",
        "/api/v1/contacts/?organization=",
        "/api/v1/payments/?organization=",
        "/api/v1/refunds/?invoice=",
        "/api/v1/refunds/?organization=",
    ],
)
@pytest.mark.parametrize("value", ["99999999999999999999", "1e30", "0.5", "0"])
def test_it_refuses_an_id_filter_no_record_can_have(membership_api, path, value):
    response = membership_api.get(path + value)

    assert response.status_code == 400
    field = path.rsplit("?", 1)[1].rstrip("=")
    assert list(response.json()["errors"]) == [field]


def test_it_filters_by_an_id(membership_api):
    organization = OrganizationFactory()
    affiliation = AffiliationFactory(organization=organization)
    OrganizationFactory()

    response = membership_api.get(f"/api/v1/organizations/?contact={affiliation.contact_id}")

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [organization.pk]


@pytest.mark.parametrize(
    "moment, found",
    [
        ("2000-01-01T00:00:00-20:43", True),  # beyond PostgreSQL's ±15:59: read in UTC
        ("9999-12-31T12:00:00+23:59", False),
        ("0001-01-01T00:00:00Z", True),
    ],
)
def test_it_filters_by_a_moment_with_any_offset(membership_api, moment, found):
    organization = OrganizationFactory()

    response = membership_api.get("/api/v1/organizations/", {"created_after": moment})

    assert response.status_code == 200
    ids = [row["id"] for row in response.json()["results"]]
    assert ids == ([organization.pk] if found else [])


def test_it_refuses_a_moment_before_the_year_1_in_utc(membership_api):
    response = membership_api.get(
        "/api/v1/organizations/", {"modified_since": "0001-01-01T00:00:00+01:00"}
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["modified_since"]
