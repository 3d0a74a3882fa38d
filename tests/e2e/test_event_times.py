"""Event times are Hartford's, whatever the visitor's device clock says, and say so (issue 18)."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import dateformat, timezone
from playwright.sync_api import expect

from events.models import Registration
from tests.e2e.conftest import DESKTOP, PHONE
from tests.factories import EventFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db(transaction=True)

HARTFORD = ZoneInfo("America/New_York")


@pytest.fixture
def coffee():
    day = timezone.localdate() + timedelta(days=40)
    starts = datetime.combine(day, time(8, 0), tzinfo=HARTFORD)
    event = EventFactory(
        slug="morning-coffee",
        title="Morning Coffee",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1, minutes=30),
    )
    TicketTypeFactory(event=event, code="free", member_price=0, non_member_price=0)
    return event


@pytest.mark.parametrize("zone", ["UTC", "America/Los_Angeles"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_it_shows_hartford_time_in_any_time_zone(open_page, screenshot, coffee, zone, viewport):
    day = dateformat.format(coffee.starts_at.astimezone(HARTFORD), "l, F j, Y")
    page = open_page(viewport, timezone_id=zone)
    assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == zone

    page.goto("/events/")
    card = page.locator(".event-card")
    expect(card.locator(".when")).to_have_text(f"{day}, 8:00 AM ET")
    expect(page.locator("main")).to_contain_text("All times are Hartford time (ET)")
    screenshot(page, "list")

    page.get_by_role("link", name="Register").click()
    expect(page.locator(".event-when")).to_have_text(f"{day}, 8:00 AM ET – 9:30 AM ET")
    page.get_by_label("First name", exact=True).fill("Ana")
    page.get_by_label("Last name", exact=True).fill("Diaz")
    page.get_by_label("Email").fill("ana@example.org")
    screenshot(page, "detail")
    # The script answers in place (#result); wait until it has taken the form over, or a slow
    # machine's click posts the form to the server instead (a page of its own, also in ET).
    expect(page.locator("form[data-enhanced]")).to_have_count(1)
    page.get_by_role("button", name="Register").click()

    expect(page.get_by_role("heading", name="You are registered")).to_be_visible()
    facts = page.locator("#result dl.facts")
    expect(facts).to_contain_text(f"{day}, 8:00 AM ET")
    screenshot(page, "registered")

    page.locator("#registration-link").click()
    expect(page.locator("#registration dl.facts")).to_contain_text(f"{day}, 8:00 AM ET")
    text = page.locator("main").inner_text()
    assert "1:00 PM" not in text and "5:00 AM" not in text
    screenshot(page, "registration")
    assert Registration.objects.get().status == Registration.Status.CONFIRMED
