"""Investing, its status page and the member directory work with JavaScript turned off (issue 18):
server-rendered, the commitment posted (no name or email in the address), errors shown beside
their fields with what was typed kept; at a desktop's and a phone's width."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from crm.models import Membership, Pledge
from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_forms_without_javascript import assert_nothing_personal_in_urls, no_script_page
from tests.e2e.test_invest_page import levels  # noqa: F401
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_it_takes_an_investment_without_javascript(open_page, screenshot, levels, viewport):  # noqa: F811
    page = no_script_page(open_page, viewport)
    page.goto("/invest/")
    expect(page.locator(".level")).to_have_count(2)
    expect(page.locator(".level").nth(1)).to_contain_text("from $25,000.00 a year")
    expect(page.locator("main")).not_to_contain_text("Loading")
    expect(page.locator("main")).not_to_contain_text("needs JavaScript")
    screenshot(page, "form")

    page.get_by_label(re.compile("^Leadership")).check()
    page.get_by_label("Annual amount (US dollars)").fill("10000")
    page.get_by_label("Term").select_option("2")
    page.get_by_label("Payments").select_option("4")
    page.get_by_label("Organization name").fill("Capitol Insurance Group")
    page.get_by_label("First name").fill("Sam")
    page.get_by_label("Last name").fill("Chen")
    page.get_by_label("Email").fill("sam@capitolinsurance.example")
    page.get_by_role("button", name="Commit to invest").click()

    expect(page.locator("#annual-amount-error")).to_contain_text(
        "The Leadership level starts at $25,000.00 a year."
    )
    expect(page.locator("#form-summary")).to_contain_text("Please correct")
    # What was typed is kept.
    expect(page.get_by_label(re.compile("^Leadership"))).to_be_checked()
    expect(page.get_by_label("Term")).to_have_value("2")
    expect(page.get_by_label("Payments")).to_have_value("4")
    expect(page.get_by_label("Email")).to_have_value("sam@capitolinsurance.example")
    assert not Pledge.objects.exists()
    screenshot(page, "below-minimum")

    page.get_by_label(re.compile("^Partner")).check()
    page.get_by_role("button", name="Commit to invest").click()

    expect(page.get_by_role("heading", name="Thank you for your commitment")).to_be_visible()
    pledge = Pledge.objects.get()
    expect(page.locator("#reference")).to_have_text(pledge.reference)
    expect(page.locator("#pledge-status")).to_have_text("Submitted, awaiting confirmation")
    expect(page.locator("#commitment-total")).to_have_text("$20,000.00")
    expect(page.locator("#status tbody tr")).to_have_count(8)
    assert pledge.level.code == "partner"
    assert len(page.posts) == 2 and all(url.endswith("/invest/") for url in page.posts)
    assert_nothing_personal_in_urls(page, "Chen", "sam@", "Capitol")
    screenshot(page, "committed")

    page.goto(f"/invest/{pledge.reference}/")
    expect(page.get_by_role("heading", name="Your investment commitment")).to_be_visible()
    expect(page.locator("#status")).to_contain_text("Not invoiced yet")
    screenshot(page, "status")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_it_searches_and_pages_the_directory_without_javascript(open_page, screenshot, viewport):
    for n in range(23):
        organization = OrganizationFactory(
            name=f"Member {n:02d}", city="Enfield" if n else "Middletown", directory_listed=True
        )
        MembershipFactory(
            organization=organization,
            status=Membership.Status.ACTIVE,
            member_since=date(2019, 5, 1),
        )
    page = no_script_page(open_page, viewport)
    page.goto("/directory/")
    expect(page.locator("#directory li")).to_have_count(20)
    expect(page.locator("#directory-count")).to_have_text("23 members.")
    screenshot(page, "first-page")

    page.get_by_role("link", name="Next page").click()
    expect(page.locator("#directory li")).to_have_count(3)
    expect(page.locator("#directory")).to_contain_text("Member 22")
    screenshot(page, "second-page")

    page.get_by_label("Search by name, industry or town").fill("middletown")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#directory li")).to_have_count(1)
    expect(page.locator("#directory")).to_contain_text("Member since 2019")
    expect(page.locator("#directory-count")).to_have_text("1 member match “middletown”.")
    assert page.url.endswith("/directory/?q=middletown")
    screenshot(page, "search")


def test_the_directory_follows_the_search_box_with_javascript(page, screenshot):
    for name in ("Acme Tools", "Crust Bakery"):
        organization = OrganizationFactory(name=name, directory_listed=True)
        MembershipFactory(organization=organization, status=Membership.Status.ACTIVE)
    page.goto("/directory/")
    expect(page.locator("#directory-search")).to_have_attribute("data-enhanced", "true")
    page.get_by_label("Search by name, industry or town").fill("crust")
    expect(page.locator("#directory li")).to_have_count(1)
    expect(page.locator("#directory")).to_contain_text("Crust Bakery")
    expect(page.get_by_label("Search by name, industry or town")).to_have_value("crust")
    screenshot(page, "typed")
