"""The invest page, its status page and the member directory, rendered by the server (they work
without JavaScript): the form posted to the same input serializer and service as the API."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from crm.models import Membership, Pledge
from tests.factories import InvestorLevelFactory, MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

FORM = {
    "level": "leadership",
    "annual_amount": "30000",
    "term_years": "2",
    "installments_per_year": "2",
    "organization.name": "Capitol Insurance Group",
    "organization.address.state": "CT",
    "contact.first_name": "Sam",
    "contact.last_name": "Chen",
    "contact.email": "sam@capitolinsurance.example",
}


@pytest.fixture
def leadership():
    return InvestorLevelFactory(
        code="leadership", name="Leadership", minimum_annual_amount=Decimal("25000.00")
    )


def test_the_invest_page_lists_the_levels_as_a_form_that_posts(leadership):
    page = Client().get("/invest/").content.decode()

    assert '<form id="invest-form" method="post"' in page
    assert 'data-minimum="25000.00"' in page
    assert "from $25,000.00 a year" in page
    assert "needs JavaScript" not in page


def test_it_refuses_an_amount_below_the_level_and_keeps_what_was_typed(leadership):
    response = Client().post("/invest/", {**FORM, "annual_amount": "1000"})

    page = response.content.decode()
    assert response.status_code == 400
    assert "The Leadership level starts at $25,000.00 a year." in page
    assert 'value="sam@capitolinsurance.example"' in page
    assert '<option value="2" selected>Twice a year</option>' in page
    assert not Pledge.objects.exists()


def test_it_takes_the_commitment_and_shows_its_schedule(leadership):
    client = Client()
    response = client.post("/invest/", FORM)

    pledge = Pledge.objects.get()
    assert response.status_code == 303
    assert response["Location"] == f"/invest/{pledge.reference}/?new=1"
    page = client.get(response["Location"]).content.decode()
    assert pledge.reference in page
    assert "$60,000.00" in page  # the total commitment
    assert page.count("Not invoiced yet") == 4
    assert "sam@" not in page


def test_an_unknown_commitment_is_not_found():
    assert Client().get("/invest/nope/").status_code == 404


def test_the_directory_is_rendered_searched_and_paged_by_the_server():
    for n in range(21):
        organization = OrganizationFactory(
            name=f"Member {n:02d}", city="Enfield", directory_listed=True
        )
        MembershipFactory(
            organization=organization,
            status=Membership.Status.ACTIVE,
            member_since=date(2019, 5, 1),
        )
    client = Client()

    first = client.get("/directory/").content.decode()
    second = client.get("/directory/?page=2").content.decode()
    found = client.get("/directory/?q=member+07").content.decode()

    assert "21 members." in first and "Member 19" in first and "Member 20" not in first
    assert 'href="?page=2"' in first
    assert "Member 20" in second and "Previous page" in second
    assert "1 member match “member 07”." in found
    assert "Member since 2019" in found
