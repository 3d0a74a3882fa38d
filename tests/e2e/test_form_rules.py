"""The public forms' rules in the browser (issue 18): a plan asks only for what it needs, an empty
form names each missing field, the price never shows a ticket at a count of 0, the level's
minimum is said as one types, and the inputs carry their length limits."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from crm.models import Membership
from events.models import Registration
from tests.e2e.test_invest_page import levels  # noqa: F401
from tests.factories import BracketPlanFactory, EventFactory, PlanFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_individual_joins_without_an_organization_and_a_nonprofit_without_employees(
    page, screenshot
):
    BracketPlanFactory(code="business", name="Business", proration="none")
    PlanFactory(code="nonprofit", name="Nonprofit", flat_amount="395.00", proration="none")
    PlanFactory(
        code="individual", name="Individual / Associate", flat_amount="275.00", proration="none"
    )
    page.goto("/join/")

    page.get_by_label("Plan", exact=True).select_option("business")
    expect(page.locator("#org-name")).to_have_attribute("required", "")
    expect(page.locator("#org-employees")).to_have_attribute("required", "")

    page.get_by_label("Plan", exact=True).select_option("nonprofit")
    expect(page.locator('label[for="org-employees"]')).to_have_text(
        "Number of employees (optional)"
    )
    expect(page.locator("#org-employees")).not_to_have_attribute("required", "")
    expect(page.locator("#org-name")).to_have_attribute("required", "")
    # A flat plan's dues need no headcount.
    expect(page.locator("#quote-total")).to_have_text(re.compile(r"^\$"))

    page.get_by_label("Plan", exact=True).select_option("individual")
    expect(page.locator("#org-name")).not_to_have_attribute("required", "")
    expect(page.locator('label[for="org-name"]')).to_contain_text("(optional")
    page.get_by_role("button", name="Submit application").click()
    expect(page.locator("#form-summary")).to_contain_text("First name, Last name, Email")
    expect(page.locator("#contact-first-error")).to_have_text("First name: this field is required.")
    expect(page.locator("#org-name-error")).to_have_count(0)
    screenshot(page, "empty-individual")

    page.get_by_label("First name").fill("Ana")
    page.get_by_label("Last name").fill("Lopez")
    page.get_by_label("Email").fill("ana@example.org")
    page.get_by_role("button", name="Submit application").click()

    expect(page.get_by_role("heading", name=re.compile("your application is in"))).to_be_focused()
    assert Membership.objects.get().organization.name == "Ana Lopez"
    screenshot(page, "individual-joined")


def test_the_investor_minimum_is_said_as_one_types(page, screenshot, levels):  # noqa: F811
    page.goto("/invest/")
    page.get_by_label(re.compile("^Leadership")).check()
    amount = page.get_by_label("Annual amount (US dollars)")
    expect(amount).to_have_value("25000.00")
    expect(page.locator("#annual-amount-error")).to_have_count(0)

    amount.fill("10000")
    expect(page.locator("#annual-amount-error")).to_have_text(
        "The Leadership level starts at $25,000.00 a year."
    )
    expect(amount).to_have_attribute("aria-invalid", "true")
    screenshot(page, "below-minimum-live")

    page.get_by_label(re.compile("^Partner")).check()
    expect(page.locator("#annual-amount-error")).to_have_count(0)


def test_the_registration_form_names_missing_fields_and_prices_no_ticket_at_zero(page, screenshot):
    event = EventFactory(slug="coffee", title="Coffee")
    TicketTypeFactory(
        event=event,
        code="general",
        member_price=Decimal("40.00"),
        non_member_price=Decimal("40.00"),
    )
    page.goto("/events/coffee/")
    expect(page.locator("#registration-form")).to_have_attribute("data-enhanced", "true")
    expect(page.locator("#price")).to_have_text("1 × $40.00 = $40.00")

    page.get_by_label("Number of tickets").fill("0")
    expect(page.locator("#price")).to_have_text("Choose at least one ticket.")
    page.get_by_label("Number of tickets").fill("1")
    page.get_by_role("button", name="Register").click()

    expect(page.locator("#form-summary")).to_contain_text("First name, Last name, Email")
    expect(page.locator("#first-name-error")).to_have_text("First name: this field is required.")
    expect(page.locator("#last-name-error")).to_have_text("Last name: this field is required.")
    expect(page.locator("main")).not_to_contain_text("may not be blank")
    assert not Registration.objects.exists()
    screenshot(page, "empty-registration")

    page.get_by_label("Number of tickets").fill("2")
    expect(page.locator("#guest-1-first")).to_have_attribute("maxlength", "100")
    for selector in ("#first-name", "#last-name", "#organization"):
        assert page.locator(selector).get_attribute("maxlength")
