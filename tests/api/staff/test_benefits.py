"""The staff API's benefits: definitions with their grants, uses recorded (and refused past
what is left), each organization's granted, used and left this term, and every list in the same
number of queries at 3 rows and at 30."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from crm.models import BenefitUsage, Pledge
from crm.services.benefits import benefit_use
from tests.factories import BenefitFactory, BenefitGrantFactory, PledgeFactory

pytestmark = pytest.mark.django_db


def _investor(quantity=2):
    """An investor whose level grants `quantity` seats a term, and the grant."""
    grant = BenefitGrantFactory(quantity=quantity)
    pledge = PledgeFactory(
        level=grant.level,
        status=Pledge.Status.CONFIRMED,
        start_date=timezone.localdate() - timedelta(days=30),
        term_years=2,
    )
    return pledge.organization, grant


def test_it_defines_a_benefit_and_shows_who_grants_it(membership_api):
    created = membership_api.post(
        "/api/v1/benefits/",
        {"code": "gala-seats", "name": "Gala seats", "kind": "event_seats", "event_tag": "gala"},
        format="json",
    )
    assert created.status_code == 201, created.content
    refused = membership_api.post(
        "/api/v1/benefits/",
        {"code": "seats", "name": "Seats", "kind": "event_seats"},
        format="json",
    )
    _, grant = _investor(quantity=4)

    listed = membership_api.get(f"/api/v1/benefits/{grant.benefit.pk}/").json()

    assert refused.status_code == 400 and "event_tag" in refused.json()["errors"]
    assert listed["grants"] == [{"plan": None, "level": grant.level.code, "quantity": 4}]


def test_it_records_a_use_and_refuses_one_past_what_is_left(membership_api):
    organization, grant = _investor(quantity=2)
    body = {"organization": organization.pk, "benefit": grant.benefit.pk, "quantity": 2}

    used = membership_api.post("/api/v1/benefit-usages/", {**body, "note": "Gala"}, format="json")
    again = membership_api.post("/api/v1/benefit-usages/", body, format="json")

    assert used.status_code == 201, used.content
    assert (used.json()["source"], used.json()["quantity"], used.json()["note"]) == (
        "staff",
        2,
        "Gala",
    )
    assert again.status_code == 409
    assert "0 left" in again.json()["errors"]["quantity"][0]
    assert BenefitUsage.objects.count() == 1


def test_it_shows_granted_used_and_left_this_term(api_for):
    organization, grant = _investor(quantity=3)
    benefit_use(organization=organization, benefit=grant.benefit)

    body = api_for("Read-only").get(f"/api/v1/organization-benefits/{organization.pk}/").json()

    [row] = body["benefits"]
    assert (row["granted"], row["used"], row["left"]) == (3, 1, 2)
    assert row["sources"] == [f"{grant.level} level"]
    assert body["term_start"] <= timezone.localdate().isoformat() <= body["term_end"]


def test_it_keeps_benefits_from_the_events_role(api_for):
    assert api_for("Events").get("/api/v1/organization-benefits/").status_code == 403


def _benefit():
    BenefitGrantFactory(benefit=BenefitFactory())


def _usage():
    organization, grant = _investor()
    benefit_use(organization=organization, benefit=grant.benefit)


def _organization():
    _investor()


BUILDERS = {
    "benefits": _benefit,
    "benefit-usages": _usage,
    "organization-benefits": _organization,
}


def _count(client: APIClient, endpoint: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/v1/{endpoint}/?page_size=100")
    assert response.status_code == 200, response.content
    return len(queries), len(response.json()["results"])


@pytest.mark.parametrize("endpoint", sorted(BUILDERS))
def test_it_lists_in_the_same_number_of_queries_at_3_and_30_rows(api_for, endpoint):
    client = api_for("Read-only")
    for _ in range(3):
        BUILDERS[endpoint]()
    at_3, rows_3 = _count(client, endpoint)
    for _ in range(27):
        BUILDERS[endpoint]()
    at_30, rows_30 = _count(client, endpoint)

    assert (rows_3, rows_30) == (3, 30)
    # The token and the user's permissions, the count, the page, and for an organization's
    # benefits its membership, pledges, grants and uses.
    assert at_3 == at_30 <= (10 if endpoint == "organization-benefits" else 8)
