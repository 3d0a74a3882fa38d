import pytest

from crm.selectors import contact_duplicate_groups, organization_duplicate_groups
from tests.factories import AffiliationFactory, ContactFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def names(groups) -> list[tuple[str, list[str]]]:
    return [(g.reason, [str(r) for r in g.records]) for g in groups]


def test_it_finds_organizations_with_the_same_normalized_name_or_domain():
    OrganizationFactory(name="Acme Hardware LLC", website="https://acme.example")
    OrganizationFactory(name="The ACME Hardware Co.", website="")
    OrganizationFactory(name="Blue Sky Bakery", website="https://www.bluesky.example")
    OrganizationFactory(name="Sky Blue Baking", website="https://bluesky.example/shop")
    OrganizationFactory(name="Mail Only One", website="", email_domain="gmail.com")
    OrganizationFactory(name="Mail Only Two", website="", email_domain="gmail.com")
    OrganizationFactory(name="Unrelated Inc", website="https://unrelated.example")

    groups = names(organization_duplicate_groups())

    assert groups == [
        ("same name “acme hardware”", ["Acme Hardware LLC", "The ACME Hardware Co."]),
        ("same domain bluesky.example", ["Blue Sky Bakery", "Sky Blue Baking"]),
    ]


def test_it_reports_a_group_found_twice_once():
    OrganizationFactory(name="Acme", website="https://acme.example")
    OrganizationFactory(name="ACME Inc", website="https://acme.example")

    assert names(organization_duplicate_groups()) == [("same name “acme”", ["Acme", "ACME Inc"])]


def test_it_finds_contacts_with_the_same_name_at_one_organization_or_the_same_phone():
    shop = OrganizationFactory(name="Shop")
    AffiliationFactory(
        organization=shop, contact=ContactFactory(first_name="Jane", last_name="Doe")
    )
    AffiliationFactory(
        organization=shop,
        is_primary=False,
        contact=ContactFactory(first_name="JANE", last_name="doe", email=""),
    )
    ContactFactory(first_name="Sam", last_name="Lee", phone="860-555-0101")
    ContactFactory(first_name="sam", last_name="LEE", phone="860-555-0101")
    ContactFactory(first_name="Sam", last_name="Lee", phone="860-555-0199")

    groups = names(contact_duplicate_groups())

    assert groups == [
        ("same name at Shop", ["Jane Doe", "JANE doe"]),
        ("same name and phone 860-555-0101", ["Sam Lee", "sam LEE"]),
    ]


@pytest.mark.postgres
def test_it_finds_nearly_identical_names_with_trigrams_on_postgresql():
    OrganizationFactory(name="Connecticut Hardware Supply", website="")
    OrganizationFactory(name="Connecticut Hardware Supplies", website="")
    OrganizationFactory(name="Hartford Insurance Group", website="")

    groups = names(organization_duplicate_groups())

    assert len(groups) == 1
    reason, records = groups[0]
    assert reason.startswith("similar names (")
    assert records == ["Connecticut Hardware Supply", "Connecticut Hardware Supplies"]
