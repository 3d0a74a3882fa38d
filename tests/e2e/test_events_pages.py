import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from billing.gateways import FakeGateway, use_gateway
from crm.models import Membership
from events.models import Registration
from tests.factories import EventFactory, MembershipFactory, OrganizationFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def breakfast():
    event = EventFactory(
        slug="legislative-breakfast",
        title="Legislative Breakfast",
        venue="Connecticut Convention Center",
        description="Meet the region's delegation.",
    )
    TicketTypeFactory(
        event=event,
        code="general",
        name="General admission",
        member_price=Decimal("45.00"),
        non_member_price=Decimal("65.00"),
        capacity=3,
    )
    organization = OrganizationFactory(name="Riverfront Dental")
    MembershipFactory(organization=organization, status=Membership.Status.ACTIVE)
    return event


def test_it_registers_and_shows_the_pay_link_a_typed_member_name_grants_no_member_price(
    page, screenshot, breakfast
):
    """Typing a member's name is not proof of membership (docs/public-api.md, verified
    membership): the non-member price is held; the member price needs the portal's sign-in or
    the confirmation link mailed to an address on file (test_public_verified_membership.py)."""
    with use_gateway(FakeGateway()):
        page.goto("/events/")
        expect(page.locator(".event-card")).to_have_count(1)
        expect(page.locator(".event-card")).to_contain_text("3 seats left")
        screenshot(page, "list")
        page.get_by_role("link", name="Register").click()

        expect(page.get_by_role("heading", name="Legislative Breakfast")).to_be_visible()
        page.get_by_label("Number of tickets").fill("2")
        expect(page.locator("#price")).to_contain_text("$130.00")
        page.get_by_label("First name", exact=True).fill("Maria")
        page.get_by_label("Last name", exact=True).fill("Santos")
        page.get_by_label("Email").fill("maria@riverfrontdental.example")
        page.get_by_label("Organization").fill("Riverfront Dental, LLC")
        page.get_by_label("Guest 1 first name").fill("Tom")
        page.get_by_label("Guest 1 last name").fill("Santos")
        screenshot(page, "form")
        page.get_by_role("button", name="Register").click()

        expect(page.get_by_role("heading", name="Your seats are held")).to_be_visible()
        registration = Registration.objects.get()
        expect(page.locator("#reference")).to_have_text(registration.reference)
        expect(page.locator("#pay-button")).to_have_text("Pay $130.00")
        expect(page.locator("#pay-button")).to_have_attribute("href", re.compile("^https://"))
        screenshot(page, "held")
        assert not registration.member_pricing
        assert [str(a) for a in registration.attendees.all()] == ["Maria Santos", "Tom Santos"]

        page.get_by_role("link", name=re.compile("Your registration page")).click()
        expect(page.locator("#registration-status")).to_have_text("Awaiting payment")
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Cancel my registration").click()
        expect(page.locator("#registration-status")).to_have_text("Cancelled")
        screenshot(page, "cancelled")
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED


def test_it_shows_what_is_wrong_beside_the_field_and_waitlists_when_full(page, breakfast):
    free = TicketTypeFactory(
        event=breakfast,
        code="student",
        name="Student",
        member_price=0,
        non_member_price=0,
        capacity=1,
        sort_order=5,
    )
    Registration.objects.create(
        event=breakfast,
        ticket_type=free,
        contact=_contact(),
        status=Registration.Status.CONFIRMED,
        price_each=0,
        total=0,
    )
    page.goto("/events/legislative-breakfast/")
    page.get_by_label(re.compile("^Student")).check()
    page.get_by_label("First name", exact=True).fill("Ana")
    page.get_by_label("Last name", exact=True).fill("Diaz")
    page.get_by_label("Email").fill("not an email")
    page.get_by_role("button", name="Register").click()
    # Checked on the page before anything is sent, as the server would say it.
    expect(page.locator("#email-error")).to_contain_text("email address")
    assert not Registration.objects.filter(ticket_type=free, status="waitlisted").exists()

    page.get_by_label("Email").fill("ana@example.org")
    page.get_by_role("button", name="Register").click()

    expect(page.get_by_role("heading", name="You are on the waitlist")).to_be_visible()
    expect(page.locator("#waitlist-position")).to_contain_text("number 1")


def _contact():
    from tests.factories import ContactFactory

    return ContactFactory()
