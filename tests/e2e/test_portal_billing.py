"""The member portal's money in Chromium, on a phone (390 px) and a desktop (1280 px), with the
fake gateway playing Stripe: its pages (Checkout's setup page, the hosted invoice page) are
answered by the test, which plays the payer there and sends the member back, as Stripe does.
Save a card and switch automatic renewal on, then see the daily job charge the renewal; pay an
invoice online and download its receipt."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from billing.gateways import FakeGateway, use_gateway
from billing.models import Invoice
from billing.money import format_usd
from billing.services import invoice_resend
from crm.models import Membership
from crm.services.renewals import renewals_run
from tests.billing.stripe_payloads import WEBHOOK_SECRET, WEBHOOK_URL, event, sign, stripe_object
from tests.e2e.conftest import PHONE, fits
from tests.e2e.test_portal import sign_in_by_mail
from tests.factories import AffiliationFactory, MembershipFactory, OrganizationFactory, PlanFactory
from tests.portal.conftest import portal_world  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db(transaction=True)

LAPTOP = {"width": 1280, "height": 800}
VIEWPORTS = pytest.mark.parametrize("page", [PHONE, LAPTOP], indirect=True, ids=["390", "1280"])


@pytest.fixture
def fake_stripe(settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    with use_gateway(FakeGateway()) as gateway:
        yield gateway


def stripe_page(route, title: str, back: str) -> None:  # type: ignore[no-untyped-def]
    """Answer for Stripe's page: the payer has done what it asks, and follows its link back."""
    route.fulfill(
        status=200,
        content_type="text/html",
        body=f'<!doctype html><title>{title}</title><h1>{title}</h1><a href="{back}">Back</a>',
    )


@VIEWPORTS
def test_it_saves_a_card_switches_auto_renew_on_and_the_daily_job_charges_it(
    page, screenshot, fake_stripe
):
    today = timezone.localdate()
    organization = OrganizationFactory(name="Capitol Coffee", employees=8)
    contact = AffiliationFactory(
        organization=organization,
        contact__first_name="Bea",
        contact__email="bea@capitolcoffee.example.com",
        is_billing=True,
    ).contact
    membership = MembershipFactory(
        organization=organization,
        plan=PlanFactory(
            name="Small Business", flat_amount=Decimal("600.00"), renewal_lead_days=30
        ),
        status=Membership.Status.ACTIVE,
        start_date=today - timedelta(days=340),
    )
    Membership.objects.filter(pk=membership.pk).update(paid_through=today + timedelta(days=20))

    def checkout(route) -> None:  # type: ignore[no-untyped-def]
        if route.request.resource_type != "document":  # the page's icon
            return route.abort()
        session_id = route.request.url.rstrip("/").rsplit("/", 1)[1]
        stripe_page(route, "Card saved", fake_stripe.complete_setup(session_id))

    page.route("https://checkout.stripe.test/**", checkout)
    sign_in_by_mail(page, contact.email)
    page.get_by_role("link", name="Automatic renewal").click()
    expect(page.locator("#saved-method")).to_contain_text("No card or bank account is saved")
    screenshot(page, "nothing-saved")

    page.get_by_role("button", name="Save a card or bank account for automatic renewal").click()
    expect(page.get_by_role("heading", name="Card saved")).to_be_visible()
    page.get_by_role("link", name="Back").click()
    expect(page.get_by_text("Visa ending in 4242, expires 12/2030 is saved")).to_be_visible()
    page.get_by_label("Renew Capitol Coffee's membership automatically").check()
    page.get_by_role("button", name="Save automatic renewal").click()
    expect(page.locator("#auto-renew-status")).to_have_text("on")
    fits(page)
    screenshot(page, "auto-renew-on")

    report = renewals_run(today=today)
    assert report.errors == []

    page.get_by_role("link", name="Invoices and payments").first.click()
    invoice = Invoice.objects.get(organization=organization)
    row = page.locator(f"#invoice-{invoice.number}")
    expect(row).to_contain_text("Paid")
    expect(row).to_contain_text(f"Receipt {format_usd(invoice.total)}, card")
    assert fake_stripe.collection[invoice.stripe_invoice_id] == "charge_automatically"
    fits(page)
    screenshot(page, "renewal-charged")


@VIEWPORTS
def test_it_pays_an_invoice_on_stripes_page_and_downloads_the_receipt(
    page,
    screenshot,
    portal_world,  # noqa: F811
    fake_stripe,
    live_server,
):
    invoice = invoice_resend(invoice=portal_world.open_invoice)  # now payable online
    mail.outbox.clear()
    invoices_page = f"{live_server.url}/members/{portal_world.organization.pk}/invoices/"

    def hosted_invoice(route) -> None:  # type: ignore[no-untyped-def]
        if route.request.resource_type != "document":  # the page's icon
            return route.abort()
        fake_stripe.pay(invoice.stripe_invoice_id)
        paid = stripe_object("invoice", id=invoice.stripe_invoice_id, status="paid", metadata={})
        body = json.dumps(event("invoice.paid", paid))
        Client().post(
            WEBHOOK_URL,
            data=body,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=sign(body),
        )
        stripe_page(route, "Invoice paid", invoices_page)

    page.route("https://invoice.stripe.test/**", hosted_invoice)
    sign_in_by_mail(page, portal_world.billing.contact.email)
    page.get_by_role("link", name="Invoices and payments").first.click()
    row = page.locator(f"#invoice-{invoice.number}")
    screenshot(page, "to-pay")
    row.get_by_role("link", name="Pay online").click()
    expect(page.get_by_role("heading", name="Invoice paid")).to_be_visible()
    page.get_by_role("link", name="Back").click()

    expect(row).to_contain_text("Paid")
    with page.expect_download() as receipt:
        row.get_by_role("link", name=f"Receipt {format_usd(invoice.total)}, card").click()
    assert receipt.value.suggested_filename.startswith("receipt-")
    with open(receipt.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    fits(page)
    screenshot(page, "paid")
