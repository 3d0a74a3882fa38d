import json
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from crm.models import Membership
from tests.factories import AffiliationFactory, MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/public/directory/"


def member(name, *, listed=True, status=Membership.Status.ACTIVE, **fields):
    organization = OrganizationFactory(
        name=name, directory_listed=listed, phone="860-555-0100", **fields
    )
    AffiliationFactory(organization=organization)
    MembershipFactory(organization=organization, status=status, member_since=date(2020, 3, 1))
    return organization


def test_it_lists_members_in_good_standing_that_opted_in():
    member("Acme Tools", website="https://acme.example", industry="Manufacturing", city="Enfield")
    member("Grace Period Co", status=Membership.Status.GRACE)
    member("Unlisted LLC", listed=False)
    member("Applicant Inc", status=Membership.Status.APPLIED)
    member("Lapsed Ltd", status=Membership.Status.LAPSED)

    response = APIClient().get(URL)

    assert response.status_code == 200
    body = response.json()
    assert [row["name"] for row in body["results"]] == ["Acme Tools", "Grace Period Co"]
    assert body["count"] == 2
    assert body["results"][0] == {
        "name": "Acme Tools",
        "website": "https://acme.example",
        "industry": "Manufacturing",
        "city": "Enfield",
        "member_since": "2020-03-01",
        "description": "",
        "logo_url": None,
        "categories": [],
        "social_links": {},
    }


def test_it_never_shows_contact_details():
    member("Acme Tools")

    text = json.dumps(APIClient().get(URL).json())

    assert "860-555" not in text and "@" not in text and "address" not in text


@pytest.mark.parametrize(
    "q, names",
    [
        ("acme", ["Acme Tools"]),
        ("bakery", ["Crust Bakery"]),
        ("middletown", ["Crust Bakery"]),
        ("food middletown", ["Crust Bakery"]),
        ("nothing", []),
    ],
)
def test_it_searches_by_name_industry_and_city(q, names):
    member("Acme Tools", industry="Manufacturing", city="Enfield")
    member("Crust Bakery", industry="Food", city="Middletown")

    response = APIClient().get(URL, {"q": q})

    assert [row["name"] for row in response.json()["results"]] == names


def test_it_pages_the_directory_in_a_fixed_number_of_queries():
    for n in range(7):
        member(f"Member {n}")

    with CaptureQueriesContext(connection) as queries:
        response = APIClient().get(URL, {"page_size": 5})

    body = response.json()
    assert len(body["results"]) == 5 and body["count"] == 7 and body["next"]
    assert len(queries) == 3  # the count, the page and its categories
    second = APIClient().get(URL, {"page_size": 5, "page": 2}).json()
    assert [r["name"] for r in second["results"]] == ["Member 5", "Member 6"]


def test_it_refuses_an_overlong_search():
    response = APIClient().get(URL, {"q": "x" * 101})

    assert response.status_code == 400
    assert "q" in response.json()["errors"]


def test_it_answers_404_for_a_page_past_the_end():
    response = APIClient().get(URL, {"page": 9})

    assert response.status_code == 404
