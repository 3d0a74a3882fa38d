"""An organization's county comes from its ZIP code when nobody gave one: saved through the
service, joining online, and for the organizations already on record (the data migration)."""

import importlib

import pytest
from django.apps import apps as django_apps

from crm.geography import county_for_postal_code
from crm.models import County, Organization
from crm.services import organization_save
from tests.api.public_helpers import JOIN, join_body
from tests.factories import BracketPlanFactory, OrganizationFactory


@pytest.mark.parametrize(
    ("postal_code", "county"),
    [
        ("06103", County.HARTFORD),
        ("06103-1234", County.HARTFORD),
        ("06457", County.MIDDLESEX),
        ("06029", County.TOLLAND),
        ("10001", County.OTHER),
        ("00000", ""),
        ("K1A 0B1", ""),
        ("", ""),
    ],
)
def test_it_knows_the_county_of_a_zip_code(postal_code, county):
    assert county_for_postal_code(postal_code) == county


@pytest.mark.django_db
def test_the_service_fills_an_empty_county_and_keeps_one_given():
    derived = organization_save(organization=Organization(name="Vernon Dairy", postal_code="06066"))
    given = organization_save(
        organization=Organization(name="Elsewhere Co", postal_code="06066", county=County.OTHER)
    )

    assert derived.county == County.TOLLAND
    assert given.county == County.OTHER
    assert derived.history.latest().county == County.TOLLAND


@pytest.mark.django_db
def test_an_online_joiner_falls_inside_the_county_filter(client):
    BracketPlanFactory(code="business", name="Business", proration="none")
    body = join_body("business")
    body["organization"]["address"]["postal_code"] = "06457"

    response = client.post(JOIN, body, content_type="application/json")

    assert response.status_code == 201, response.content
    assert Organization.objects.get().county == County.MIDDLESEX


@pytest.mark.django_db
def test_the_migration_fills_the_organizations_on_record():
    blank = OrganizationFactory(county="", postal_code="06457")
    unknown = OrganizationFactory(county="", postal_code="99999")
    kept = OrganizationFactory(county=County.OTHER, postal_code="06103")
    migration = importlib.import_module("crm.migrations.0016_county_from_zip")

    migration.fill_counties(django_apps, None)

    counties = dict(Organization.objects.values_list("pk", "county"))
    assert counties == {blank.pk: County.MIDDLESEX, unknown.pk: "", kept.pk: County.OTHER}
