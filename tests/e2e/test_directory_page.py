from datetime import date

import pytest
from playwright.sync_api import expect

from crm.models import Membership
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_searches_the_member_directory(page, screenshot):
    for name, industry, city in [
        ("Acme Tools", "Manufacturing", "Enfield"),
        ("Crust Bakery", "Food", "Middletown"),
    ]:
        organization = OrganizationFactory(
            name=name, industry=industry, city=city, directory_listed=True
        )
        MembershipFactory(
            organization=organization,
            status=Membership.Status.ACTIVE,
            member_since=date(2019, 5, 1),
        )

    page.goto("/directory/")
    expect(page.locator("#directory li")).to_have_count(2)
    expect(page.locator("#directory-count")).to_have_text("2 members.")
    screenshot(page, "all")

    page.get_by_label("Search by name, industry or town").fill("middletown")
    page.keyboard.press("Enter")
    expect(page.locator("#directory li")).to_have_count(1)
    expect(page.locator("#directory")).to_contain_text("Crust Bakery")
    expect(page.locator("#directory")).to_contain_text("Member since 2019")
    assert page.url.endswith("/directory/?q=middletown")
    screenshot(page, "search")
