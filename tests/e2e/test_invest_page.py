import re
from decimal import Decimal

import pytest
from django.core import mail
from playwright.sync_api import expect

from crm.models import Pledge
from tests.factories import InvestorLevelFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def levels():
    InvestorLevelFactory(
        code="partner", name="Partner", minimum_annual_amount=Decimal("5000.00"), sort_order=1
    )
    InvestorLevelFactory(
        code="leadership",
        name="Leadership",
        minimum_annual_amount=Decimal("25000.00"),
        benefits="A seat on the investor council\nRecognition at the annual meeting",
        sort_order=2,
    )


def test_it_completes_an_investment_commitment_on_the_page(page, screenshot, levels):
    page.goto("/invest/")
    expect(page.locator(".level")).to_have_count(2)
    expect(page.locator(".level").nth(1)).to_contain_text("A seat on the investor council")
    screenshot(page, "levels")

    page.get_by_label(re.compile("^Leadership")).check()
    expect(page.get_by_label("Annual amount (US dollars)")).to_have_value("25000.00")
    page.get_by_label("Annual amount (US dollars)").fill("10000")
    page.get_by_label("Term").select_option("2")
    page.get_by_label("Payments").select_option("4")
    page.get_by_label("First payment").fill("2027-01-31")
    expect(page.locator("#schedule tbody tr")).to_have_count(9)  # eight and the total
    expect(page.locator("#schedule-total")).to_have_text("$20,000.00")
    expect(page.locator("#schedule")).to_contain_text("April 30, 2027")
    screenshot(page, "schedule")

    page.get_by_label("Organization name").fill("Capitol Insurance Group")
    page.get_by_label("First name").fill("Sam")
    page.get_by_label("Last name").fill("Chen")
    page.get_by_label("Email").fill("sam@capitolinsurance.example")
    page.get_by_role("button", name="Commit to invest").click()
    expect(page.locator("#annual-amount-error")).to_contain_text("starts at $25,000.00")
    expect(page.get_by_label("Annual amount (US dollars)")).to_be_focused()
    assert not Pledge.objects.exists()
    screenshot(page, "below-minimum")

    page.get_by_label(re.compile("^Partner")).check()
    page.get_by_role("button", name="Commit to invest").click()

    expect(page.get_by_role("heading", name="Thank you for your commitment")).to_be_focused()
    pledge = Pledge.objects.get()
    expect(page.locator("#reference")).to_have_text(pledge.reference)
    expect(page.locator("#commitment-total")).to_have_text("$20,000.00")
    assert pledge.level.code == "partner"
    assert pledge.total_commitment == Decimal("20000.00")
    assert [i.due_date.isoformat() for i in pledge.installments.all()][:2] == [
        "2027-01-31",
        "2027-04-30",
    ]
    assert len(mail.outbox) == 2
    screenshot(page, "committed")

    page.locator("#status-link").click()
    expect(page.locator("#pledge-status")).to_have_text("Submitted, awaiting confirmation")
    screenshot(page, "status")
