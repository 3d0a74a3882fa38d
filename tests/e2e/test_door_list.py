"""The door list at 1400 and 390 px (issue 18): a party awaiting payment is on it, marked unpaid
with what it owes; staff take cash and the party is checked in, with the screen saying so."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from events.models import Registration
from events.services import registration_create
from tests.e2e.conftest import DESKTOP, PHONE, fits
from tests.factories import ContactFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a long enough passphrase"


@pytest.fixture
def unpaid(superuser):
    superuser.set_password(PASSWORD)
    superuser.save()
    ticket = TicketTypeFactory(event__title="Annual Dinner", non_member_price=Decimal("70.00"))
    return registration_create(
        event=ticket.event,
        ticket_type=ticket,
        contact=ContactFactory(first_name="Ana", last_name="Diaz"),
        quantity=2,
    )


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1400", "390"])
def test_an_unpaid_party_pays_at_the_door_and_is_checked_in(
    open_page, screenshot, superuser, unpaid, viewport
):
    door = f"/admin/events/event/{unpaid.event_id}/check-in/"
    page = open_page(viewport)
    page.goto(f"/admin/login/?next={door}")
    page.get_by_label("Username").fill(superuser.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    row = page.locator(".door-list li", has_text="Ana Diaz")
    expect(row).to_contain_text("Unpaid · $140.00 due")
    cash = row.get_by_role("button", name="Cash $140.00 from Ana Diaz, check in")
    expect(cash).to_be_visible()
    fits(page)
    screenshot(page, "unpaid")

    cash.click()

    expect(page.locator(".messagelist")).to_contain_text("Ana Diaz: payment recorded, checked in.")
    expect(page.locator(".door-list li", has_text="Ana Diaz")).to_contain_text("✓")
    expect(page.locator("#door-counts")).to_contain_text("2 of 2 people checked in")
    screenshot(page, "paid-and-checked-in")
    unpaid.refresh_from_db()
    assert unpaid.status == Registration.Status.CHECKED_IN
