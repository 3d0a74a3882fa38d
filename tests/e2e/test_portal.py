"""The member portal in Chromium, on a phone and a desktop: sign in from the link in the mail,
see the membership, download an invoice PDF, edit one's own details."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from crm.models import Contact
from portal.models import PortalAccount
from tests.e2e.conftest import DESKTOP, PHONE, fits
from tests.portal.conftest import portal_world  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in_by_mail(page, email: str) -> str:  # type: ignore[no-untyped-def]
    """Ask for a link on the sign-in page, open the one in the mail, press Sign in; the link."""
    page.goto("/members/")
    expect(page.get_by_role("heading", name="Sign in to the member portal")).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    (message,) = mail.outbox
    link = re.search(r"/members/sign-in/[^/\s]+/", message.body)
    assert link and message.to == [email]
    page.goto(link.group(0))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("You are signed in.")).to_be_visible()
    return link.group(0)


@pytest.mark.parametrize("page", [PHONE, DESKTOP], indirect=True, ids=["phone", "desktop"])
def test_it_signs_in_by_mail_and_serves_the_member(page, screenshot, portal_world):  # noqa: F811
    billing = portal_world.billing.contact
    link = sign_in_by_mail(page, billing.email)
    screenshot(page, "signed-in")

    expect(page.get_by_role("heading", name="Front Street Bakery")).to_be_visible()
    expect(page.locator("#membership-status")).to_have_text("Active")
    expect(page.locator("#total-due")).to_have_text("$600.00")
    expect(page.locator("#renewal-amount")).to_have_text("$600.00")
    fits(page)
    screenshot(page, "membership")

    page.get_by_role("link", name="Invoices and payments").first.click()
    number = portal_world.paid_invoice.number
    with page.expect_download() as download:
        page.get_by_role("link", name=f"Invoice PDF {number}").click()
    assert download.value.suggested_filename == f"invoice-{number}.pdf"
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    with page.expect_download() as receipt:
        page.locator(f"#invoice-{number}").get_by_role("link", name=re.compile("^Receipt")).click()
    with open(receipt.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    fits(page)
    screenshot(page, "invoices")

    page.get_by_role("link", name="My details").click()
    page.get_by_label("Phone").fill("860-555-0199")
    page.get_by_label("Title").fill("Controller")
    page.get_by_role("button", name="Save my details").click()
    expect(page.get_by_text("Your details are saved.")).to_be_visible()
    expect(page.get_by_label("Phone")).to_have_value("860-555-0199")
    screenshot(page, "details")
    billing = Contact.objects.get(pk=billing.pk)
    assert (billing.phone, billing.title) == ("860-555-0199", "Controller")
    assert billing.history.latest().history_user == PortalAccount.objects.get(contact=billing).user

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    page.goto(link)  # the link worked once
    expect(page.get_by_role("alert")).to_contain_text("expired or has already been used")


LAPTOP = {"width": 1280, "height": 800}


def _logo() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (160, 80), (180, 90, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("page", [PHONE, LAPTOP], indirect=True, ids=["phone", "laptop"])
def test_it_edits_the_listing_and_shows_it_in_the_directory(page, screenshot, portal_world):  # noqa: F811
    from crm.models import DirectoryCategory

    DirectoryCategory.objects.create(name="Bakeries and cafés", slug="bakeries")
    sign_in_by_mail(page, portal_world.primary.contact.email)
    page.get_by_role("link", name="Directory listing").click()
    page.get_by_label("List Front Street Bakery in the member directory").check()
    page.get_by_label("Description").fill("Sourdough, rye and pastries, baked daily since 1921.")
    page.get_by_label("Logo").set_input_files(
        files=[{"name": "logo.png", "mimeType": "image/png", "buffer": _logo()}]
    )
    page.get_by_label("Bakeries and cafés").check()
    page.get_by_label("Instagram").fill("https://instagram.com/frontstreetbakery")
    page.get_by_role("button", name="Save the listing").click()
    expect(page.get_by_text("Your directory listing is saved.")).to_be_visible()
    expect(page.locator("img.logo-preview")).to_be_visible()
    fits(page)
    screenshot(page, "listing")

    page.goto("/directory/")
    member = page.locator("#directory li", has_text="Front Street Bakery")
    expect(member).to_contain_text("baked daily since 1921")
    expect(member).to_contain_text("Bakeries and cafés")
    expect(member.get_by_role("link", name="Instagram")).to_have_attribute(
        "href", "https://instagram.com/frontstreetbakery"
    )
    logo = member.get_by_role("img", name="Front Street Bakery logo")
    expect(logo).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth", logo.element_handle()) == 160
    fits(page)
    screenshot(page, "directory")
