"""The lists staff work from: organizations and memberships by the month they are paid through
or renew in (any month), contacts by their organizations' membership, role, county and ZIP code,
by having an email address and by when they were added, and organizations found by ZIP code."""

from datetime import date

import pytest
from django.utils import timezone

from crm.models import Contact, County, Membership
from crm.roles import MEMBERSHIP
from tests.api.staff.conftest import api_for  # noqa: F401 - the fixture
from tests.factories import (
    AffiliationFactory,
    ContactFactory,
    MembershipFactory,
    OrganizationFactory,
)

pytestmark = pytest.mark.django_db


def names(response) -> set[str]:
    assert response.status_code == 200
    return {str(row) for row in response.context["cl"].result_list}


@pytest.fixture
def members():
    """Paid through June 30, 2029 (renewing July 1) and through July 31, 2029."""
    june = MembershipFactory(
        organization__name="Riverfront Bakery", status=Membership.Status.ACTIVE
    )
    july = MembershipFactory(
        organization__name="Capitol Insurance", status=Membership.Status.ACTIVE
    )
    Membership.objects.filter(pk=june.pk).update(paid_through=date(2029, 6, 30))
    Membership.objects.filter(pk=july.pk).update(paid_through=date(2029, 7, 31))
    return june, july


def test_it_filters_organizations_by_paid_through_and_renewal_month(client_for, members):
    client = client_for(MEMBERSHIP)
    url = "/admin/crm/organization/"

    paid_june = names(client.get(url, {"paid_through_month": "2029-06"}))
    renewing_july = names(client.get(url, {"renewal_month": "2029-07"}))
    renewing_august = names(client.get(url, {"renewal_month": "2029-08"}))
    page = client.get(url).content.decode()

    assert paid_june == {"Riverfront Bakery"}
    assert renewing_july == {"Riverfront Bakery"}
    assert renewing_august == {"Capitol Insurance"}
    assert "?renewal_month=2029-08" in page and "August 2029" in page


def test_it_filters_memberships_by_the_same_months(client_for, members):
    client = client_for(MEMBERSHIP)

    paid_july = client.get("/admin/crm/membership/", {"paid_through_month": "2029-07"})
    nonsense = client.get("/admin/crm/membership/", {"renewal_month": "July"})

    assert [m.pk for m in paid_july.context["cl"].result_list] == [members[1].pk]
    assert len(nonsense.context["cl"].result_list) == 2


def test_it_finds_an_organization_by_zip_code_in_the_admin_and_the_api(
    client_for,
    api_for,  # noqa: F811 - the staff API fixture
):
    OrganizationFactory(name="Middletown Hardware", postal_code="06457", county=County.MIDDLESEX)
    OrganizationFactory(name="Hartford Printing", postal_code="06103")

    found = names(client_for(MEMBERSHIP).get("/admin/crm/organization/", {"q": "06457"}))
    api = api_for(MEMBERSHIP).get("/api/v1/organizations/", {"search": "06457"}).json()

    assert found == {"Middletown Hardware"}
    assert [row["name"] for row in api["results"]] == ["Middletown Hardware"]


def test_it_filters_contacts_by_their_organizations_role_county_zip_and_email(client_for):
    ana = AffiliationFactory(
        contact__first_name="Ana",
        contact__last_name="Diaz",
        is_primary=True,
        organization__postal_code="06457",
        organization__county=County.MIDDLESEX,
    )
    MembershipFactory(organization=ana.organization, status=Membership.Status.ACTIVE)
    AffiliationFactory(
        contact__first_name="Ben",
        contact__last_name="Okafor",
        contact__email="",
        is_primary=False,
        is_billing=True,
    )
    ContactFactory(first_name="Cy", last_name="Young")
    client = client_for(MEMBERSHIP)
    url = "/admin/crm/contact/"

    assert names(client.get(url, {"member_status": "active"})) == {"Ana Diaz"}
    assert names(client.get(url, {"member_status": "none"})) == {"Ben Okafor", "Cy Young"}
    assert names(client.get(url, {"role": "billing"})) == {"Ben Okafor"}
    assert names(client.get(url, {"role": "primary"})) == {"Ana Diaz"}
    assert names(client.get(url, {"has_email": "no"})) == {"Ben Okafor"}
    assert names(client.get(url, {"county": "middlesex"})) == {"Ana Diaz"}
    assert names(client.get(url, {"zip": "06457"})) == {"Ana Diaz"}
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    assert len(names(client.get(url, {"created__gte": str(today)}))) == 3
    assert names(client.get(url, {"created__lt": str(today)})) == set()
    assert Contact.objects.count() == 3
