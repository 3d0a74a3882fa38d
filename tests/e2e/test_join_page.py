import re
from datetime import date

import pytest
from django.core import mail
from playwright.sync_api import expect

from billing.gateways import FakeGateway, use_gateway
from billing.models import Invoice
from crm.models import Membership
from tests.factories import BracketPlanFactory, PlanFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def plans():
    BracketPlanFactory(
        code="business", name="Business", proration="none", description="For most businesses."
    )
    PlanFactory(
        code="nonprofit",
        name="Nonprofit",
        flat_amount="350.00",
        requires_review=False,
        description="For charities.",
    )


def fill_organization_and_contact(page, name="Riverfront Bakery", employees="25"):
    page.get_by_label("Organization name").fill(name)
    page.get_by_label("Website (optional)").fill("riverfrontbakery.example")
    page.get_by_label("Number of employees").fill(employees)
    page.get_by_label("City or town (optional)").fill("Hartford")
    page.get_by_label("ZIP code").fill("06103")
    page.get_by_label("First name").fill("Ana")
    page.get_by_label("Last name").fill("Lopez")
    page.get_by_label("Email").fill("ana@riverfrontbakery.example")


def test_it_completes_a_join_on_the_page(page, screenshot, plans):
    page.goto("/join/")
    expect(page.locator("article.plan")).to_have_count(2)
    expect(page.locator("article.plan").first).to_contain_text("$895.00")
    screenshot(page, "plans")

    page.locator('article.plan[data-plan="business"] a.choose').click()
    expect(page.get_by_label("Number of employees")).to_be_focused()
    page.get_by_label("Number of employees").fill("25")
    expect(page.locator("#quote-total")).to_have_text("$895.00")
    page.get_by_label("Number of employees").fill("300")
    expect(page.locator("#quote-total")).to_have_text("$2,850.00")
    expect(page.locator("#quote-explanation")).to_contain_text("300 employees")
    screenshot(page, "quote")

    page.get_by_label("Email").fill("not an email")
    page.get_by_label("Last name").focus()
    expect(page.locator("#contact-email-error")).to_contain_text("email address")
    expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "typing-error")

    fill_organization_and_contact(page, employees="300")
    expect(page.locator("#contact-email-error")).to_have_count(0)
    page.get_by_role("button", name="Submit application").click()

    expect(page.get_by_role("heading", name=re.compile("your application is in"))).to_be_focused()
    membership = Membership.objects.get()
    expect(page.locator("#reference")).to_have_text(membership.reference)
    expect(page.locator("#join-result")).to_contain_text("reviews every application")
    expect(page.locator("#payment-instructions")).to_be_visible()
    assert membership.organization.employees == 300
    assert len(mail.outbox) == 3  # confirmation, staff notice, the invoice
    screenshot(page, "submitted")

    page.locator("#status-link").click()
    expect(page.locator("#application-status")).to_have_text("Applied")
    screenshot(page, "status")


def test_it_shows_the_apis_errors_beside_their_fields(page, screenshot, plans):
    page.goto("/join/")
    page.get_by_label("Plan", exact=True).select_option("business")
    fill_organization_and_contact(page)
    page.get_by_label("Website (optional)").fill("http://exa mple")
    page.get_by_role("button", name="Submit application").click()

    error = page.locator("#org-website-error")
    expect(error).to_contain_text("address of your website")
    expect(page.get_by_label("Website (optional)")).to_be_focused()
    assert not Membership.objects.exists()
    screenshot(page, "server-error")


def test_it_shows_the_invoice_and_how_to_pay_for_a_plan_without_review(page, screenshot, plans):
    page.goto("/join/?plan=nonprofit")
    expect(page.get_by_label("Plan", exact=True)).to_have_value("nonprofit")
    page.get_by_label("Start date").fill(date.today().isoformat())
    fill_organization_and_contact(page)
    page.get_by_role("button", name="Submit application").click()

    expect(page.get_by_role("heading", name=re.compile("your application is in"))).to_be_visible()
    invoice = Invoice.objects.get()
    expect(page.get_by_role("heading", name=f"Invoice {invoice.number}")).to_be_visible()
    expect(page.locator("#invoice-amount")).to_have_text(f"${invoice.amount_due:,.2f}")
    expect(page.locator("#payment-instructions")).to_contain_text(invoice.number)
    assert Membership.objects.get().status == Membership.Status.APPROVED
    screenshot(page, "invoice-with-instructions")

    page.locator("#status-link").click()
    expect(page.locator("#application-status")).to_have_text("Approved, awaiting payment")
    expect(page.locator("#invoice-status")).to_contain_text("due")
    screenshot(page, "status-with-invoice")


def test_it_offers_stripes_pay_button_when_stripe_is_configured(page, screenshot, plans):
    with use_gateway(FakeGateway()):
        page.goto("/join/?plan=nonprofit")
        fill_organization_and_contact(page)
        page.get_by_role("button", name="Submit application").click()
        pay = page.get_by_role("link", name=re.compile(r"^Pay \$"))
        expect(pay).to_be_visible()

    invoice = Invoice.objects.get()
    assert pay.get_attribute("href") == invoice.pay_url
    assert invoice.pay_url.startswith("https://invoice.stripe.test/")
    screenshot(page, "pay-button")


def test_it_is_usable_with_the_keyboard_alone(page, plans):
    page.goto("/join/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    expect(page.locator("article.plan")).to_have_count(2)
    for label in ["Plan", "Start date", "Organization name", "Email", "First name"]:
        field = page.get_by_label(label, exact=True)
        assert field.get_attribute("id"), label
    page.get_by_role("button", name="Submit application").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#form-summary")).to_contain_text("Please correct")
    expect(page.get_by_label("Plan", exact=True)).to_be_focused()
