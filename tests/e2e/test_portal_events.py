"""Registering a colleague for an event from the member portal, in Chromium at 390 and 1280 px:
the primary representative invites a colleague on the Colleagues page, registers them for a
paid event at the member price, and sees the registration and its invoice (payable on Stripe's
page: the fake gateway plays Stripe)."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from billing.models import Invoice
from events.models import Registration
from tests.e2e.test_portal import sign_in_by_mail
from tests.e2e.test_portal_billing import VIEWPORTS, fake_stripe, fits  # noqa: F401  (fixture)
from tests.factories import TicketTypeFactory
from tests.portal.conftest import portal_world  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db(transaction=True)


@VIEWPORTS
def test_the_primary_invites_a_colleague_and_registers_them_at_member_price(
    page,
    screenshot,
    portal_world,  # noqa: F811
    fake_stripe,  # noqa: F811
):
    TicketTypeFactory(
        event__title="Annual Gala",
        name="Dinner",
        member_price=Decimal("95.00"),
        non_member_price=Decimal("140.00"),
    )
    sign_in_by_mail(page, portal_world.primary.contact.email)
    tabs = page.get_by_role("navigation", name="Front Street Bakery")

    tabs.get_by_role("link", name="Colleagues").click()
    page.get_by_label("First name").fill("Ivy")
    page.get_by_label("Last name").fill("Nguyen")
    page.get_by_label("Email").fill("ivy@frontstreet.example.com")
    page.get_by_role("button", name="Invite and email a sign-in link").click()
    expect(page.get_by_text("ivy@frontstreet.example.com is invited")).to_be_visible()
    screenshot(page, "invited")

    tabs.get_by_role("link", name="Event registrations").click()
    expect(page.locator("#events")).to_contain_text("Dinner: $95.00 member price")
    fits(page)
    screenshot(page, "events")
    page.get_by_role("link", name="Register for Annual Gala").click()
    page.get_by_label(re.compile(r"^Dinner: \$95\.00 member price")).check()
    page.get_by_label("Dana", exact=False).uncheck()  # ticked for oneself by default
    page.get_by_label("Ivy Nguyen").check()
    fits(page)
    screenshot(page, "register")
    page.get_by_role("button", name="Register at the member price").click()
    expect(page.get_by_text("Registered for Annual Gala: Ivy Nguyen.")).to_be_visible()

    registration = Registration.objects.get(event__title="Annual Gala")
    assert registration.contact.email == "ivy@frontstreet.example.com"
    assert (registration.price_each, registration.member_pricing) == (Decimal("95.00"), True)
    invoice = Invoice.objects.get(lines__registration=registration)
    assert invoice.organization == portal_world.organization
    row = page.locator(f"#registration-{registration.pk}")
    expect(row).to_contain_text("Ivy Nguyen")
    expect(row).to_contain_text("$95.00 (member price)")
    expect(row).to_contain_text(f"invoice {invoice.number}")
    expect(row.get_by_role("button", name="Cancel the registration of Ivy Nguyen")).to_be_visible()
    fits(page)
    screenshot(page, "registered")

    row.get_by_role("link", name=invoice.number).click()
    invoice_row = page.locator(f"#invoice-{invoice.number}")
    expect(invoice_row).to_contain_text("$95.00")
    pay = invoice_row.get_by_role("link", name=re.compile("^Pay online"))
    expect(pay).to_have_attribute("href", invoice.pay_url)
    fits(page)
    screenshot(page, "invoice")
