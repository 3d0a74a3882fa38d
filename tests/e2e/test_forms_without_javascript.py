"""The public pages work with JavaScript turned off (issue 18): nothing says "Loading..." forever,
and the join and registration forms are posted (never sent by GET: no name or email in the
address), answered with each error beside its field and what was typed kept, then with the new
record's page."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from crm.models import Membership
from events.models import Registration
from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_join_page import fill_organization_and_contact, plans  # noqa: F401
from tests.factories import EventFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db(transaction=True)


def no_script_page(open_page, viewport):
    page = open_page(viewport, javascript=False)
    page.posts = []
    page.on("request", lambda r: page.posts.append(r.url) if r.method == "POST" else None)
    page.gets = []
    page.on("request", lambda r: page.gets.append(r.url) if r.method == "GET" else None)
    return page


def assert_nothing_personal_in_urls(page, *words):
    for url in page.gets + page.posts + [page.url]:
        for word in words:
            assert word.lower() not in url.lower(), f"{word!r} in {url}"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_it_takes_a_join_without_javascript(open_page, screenshot, plans, viewport):  # noqa: F811
    page = no_script_page(open_page, viewport)
    page.goto("/join/")
    expect(page.locator("article.plan")).to_have_count(2)
    expect(page.locator("article.plan").first).to_contain_text("$895.00")
    expect(page.locator("main")).not_to_contain_text("Loading")
    screenshot(page, "plans")

    page.locator('article.plan[data-plan="business"] a.choose').click()
    expect(page.get_by_label("Plan", exact=True)).to_have_value("business")
    fill_organization_and_contact(page)
    page.get_by_label("Website (optional)").fill("http://exa mple")
    page.get_by_label("Anything we should know? (optional)").fill("We bake.")
    page.get_by_role("button", name="Submit application").click()

    expect(page.locator("#org-website-error")).to_contain_text("address of your website")
    expect(page.get_by_label("Website (optional)")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#form-summary")).to_contain_text("Please correct")
    # What was typed is kept.
    expect(page.get_by_label("Organization name")).to_have_value("Riverfront Bakery")
    expect(page.get_by_label("Email")).to_have_value("ana@riverfrontbakery.example")
    expect(page.get_by_label("Plan", exact=True)).to_have_value("business")
    expect(page.get_by_label("Anything we should know? (optional)")).to_have_value("We bake.")
    assert not Membership.objects.exists()
    screenshot(page, "errors")

    page.get_by_label("Website (optional)").fill("riverfrontbakery.example")
    page.get_by_role("button", name="Submit application").click()

    expect(page.get_by_role("heading", name=re.compile("your application is in"))).to_be_visible()
    membership = Membership.objects.get()
    expect(page.locator("#reference")).to_have_text(membership.reference)
    expect(page.locator("#application-status")).to_have_text("Applied")
    assert membership.organization.name == "Riverfront Bakery"
    assert membership.organization.employees == 25
    assert len(page.posts) == 2 and all(url.endswith("/join/") for url in page.posts)
    assert_nothing_personal_in_urls(page, "Lopez", "ana@", "Riverfront")
    screenshot(page, "submitted")


@pytest.fixture
def lunch():
    event = EventFactory(slug="annual-lunch", title="Annual Lunch")
    TicketTypeFactory(
        event=event,
        code="general",
        member_price=Decimal("45.00"),
        non_member_price=Decimal("65.00"),
        capacity=10,
    )
    return event


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_it_registers_and_cancels_without_javascript(open_page, screenshot, lunch, viewport):
    page = no_script_page(open_page, viewport)
    page.goto("/events/")
    expect(page.locator(".event-card")).to_contain_text("$45.00 members · $65.00 non-members")
    expect(page.locator(".event-card")).to_contain_text("10 seats left")
    expect(page.locator("main")).not_to_contain_text("Loading")
    screenshot(page, "list")

    page.get_by_role("link", name="Register").click()
    expect(page.get_by_label(re.compile("^General admission"))).to_be_checked()
    page.get_by_label("Number of tickets").fill("2")
    page.get_by_label("First name", exact=True).fill("Maria")
    page.get_by_label("Last name", exact=True).fill("Santos")
    page.get_by_label("Email").fill("not an email")
    page.get_by_role("button", name="Register").click()

    expect(page.locator("#email-error")).to_contain_text("valid email")
    expect(page.get_by_label("First name", exact=True)).to_have_value("Maria")
    expect(page.get_by_label("Number of tickets")).to_have_value("2")
    assert not Registration.objects.exists()
    screenshot(page, "errors")

    page.get_by_label("Email").fill("maria@example.org")
    page.get_by_role("button", name="Register").click()

    expect(page.get_by_role("heading", name="Your seats are held")).to_be_visible()
    registration = Registration.objects.get()
    expect(page.locator("#reference")).to_have_text(registration.reference)
    expect(page.locator("#registration-status")).to_have_text("Awaiting payment")
    expect(page.locator("main")).to_contain_text("$130.00")
    assert registration.quantity == 2
    screenshot(page, "held")

    page.get_by_role("button", name="Cancel my registration").click()
    expect(page.locator("#registration-status")).to_have_text("Cancelled")
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED
    assert_nothing_personal_in_urls(page, "Santos", "maria")
    screenshot(page, "cancelled")
