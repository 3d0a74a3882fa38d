import csv
import io
from decimal import Decimal

import pytest
from django.core import mail

from events.models import Event, Registration
from events.services import AttendeeDetails, registration_create
from tests.factories import ContactFactory, OrganizationFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db
Status = Registration.Status


@pytest.fixture
def ticket():
    return TicketTypeFactory(
        event__title="Women in Business Lunch",
        member_price=Decimal(0),
        non_member_price=Decimal(0),
        capacity=20,
    )


def register(ticket, first, last, organization="", quantity=1, attendees=()):
    return registration_create(
        event=ticket.event,
        ticket_type=ticket,
        contact=ContactFactory(first_name=first, last_name=last),
        organization_name=organization,
        quantity=quantity,
        attendees=attendees,
    )


def check_in_url(event):
    return f"/admin/events/event/{event.pk}/check-in/"


def test_it_lists_events_with_seats_taken_and_a_check_in_link(client_for, ticket):
    register(ticket, "Ana", "Diaz", quantity=3)

    response = client_for("Events").get("/admin/events/event/")

    assert response.status_code == 200
    assert "3 of 20" in response.content.decode()
    assert check_in_url(ticket.event) in response.content.decode()


def test_it_finds_a_party_by_organization_and_checks_it_in_with_one_tap(client_for, ticket):
    OrganizationFactory(name="Travelers")
    ana = register(ticket, "Ana", "Diaz", organization="Travelers", quantity=2)
    register(ticket, "Ben", "Okafor")
    client = client_for("Events")

    found = client.get(check_in_url(ticket.event), {"q": "travel"})
    tapped = client.post(
        check_in_url(ticket.event) + "?q=travel", {"registration": ana.pk}, follow=True
    )

    page = found.content.decode()
    assert "Ana Diaz + 1" in page
    assert "Ben Okafor" not in page
    ana.refresh_from_db()
    assert ana.status == Status.CHECKED_IN
    assert "2</strong> of 3 people checked in" in tapped.content.decode()


def test_it_shows_who_is_still_to_come(client_for, ticket):
    ana = register(ticket, "Ana", "Diaz")
    register(ticket, "Ben", "Okafor")
    client = client_for("Events")
    client.post(check_in_url(ticket.event), {"registration": ana.pk}, follow=True)

    page = client.get(check_in_url(ticket.event), {"show": "todo"}).content.decode()

    assert "Ben Okafor" in page
    assert "Ana Diaz" not in page


def test_it_undoes_a_check_in(client_for, ticket):
    ana = register(ticket, "Ana", "Diaz")
    client = client_for("Events")
    client.post(check_in_url(ticket.event), {"registration": ana.pk})

    client.post(check_in_url(ticket.event), {"registration": ana.pk, "undo": "1"})

    ana.refresh_from_db()
    assert ana.status == Status.CONFIRMED


def test_it_keeps_the_read_only_role_away_from_the_door(client_for, ticket):
    ana = register(ticket, "Ana", "Diaz")
    client = client_for("Read-only")

    assert client.get(check_in_url(ticket.event)).status_code == 403
    assert client.post(check_in_url(ticket.event), {"registration": ana.pk}).status_code == 403
    ana.refresh_from_db()
    assert ana.status == Status.CONFIRMED


def test_it_downloads_one_csv_row_per_seat_safe_for_spreadsheets(client_for, ticket):
    register(
        ticket,
        "=HYPERLINK(1)",
        "Diaz",
        organization="Aetna",
        quantity=3,
        attendees=[AttendeeDetails("Ana", "Diaz", "ana@x.example"), AttendeeDetails("Lu", "Wu")],
    )

    response = client_for("Read-only").get(f"/admin/events/event/{ticket.event.pk}/attendees.csv")

    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["first name"], r["last name"]) for r in rows] == [
        ("Ana", "Diaz"),
        ("Lu", "Wu"),
        ("Guest 3 of", "'=HYPERLINK(1) Diaz"),
    ]
    assert rows[0]["registrant"] == "'=HYPERLINK(1) Diaz"
    assert rows[0]["organization"] == "Aetna"


def test_it_cancels_an_event_with_a_reason_through_the_action(client_for, ticket):
    ana = register(ticket, "Ana", "Diaz")
    client = client_for("Events")

    with_reason = client.post(
        "/admin/events/event/",
        {
            "action": "cancel_events",
            "_selected_action": [ticket.event.pk],
            "apply": "1",
            "reason": "Snow emergency",
        },
        follow=True,
    )

    assert with_reason.status_code == 200
    ticket.event.refresh_from_db()
    ana.refresh_from_db()
    assert ticket.event.status == Event.Status.CANCELLED
    assert ana.status == Status.CANCELLED


def test_it_cancels_registrations_through_the_action_and_promotes_the_waitlist(
    client_for, django_capture_on_commit_callbacks
):
    ticket = TicketTypeFactory(member_price=0, non_member_price=0, capacity=1)
    ana = register(ticket, "Ana", "Diaz")
    ben = register(ticket, "Ben", "Okafor")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        client_for("Events").post(
            "/admin/events/registration/",
            {
                "action": "cancel_registrations",
                "_selected_action": [ana.pk],
                "apply": "1",
                "reason": "Asked by phone",
                "refund": "none",
            },
        )

    ana.refresh_from_db()
    ben.refresh_from_db()
    assert (ana.status, ben.status) == (Status.CANCELLED, Status.CONFIRMED)
    assert len(mail.outbox) == 2


def test_it_shows_the_waitlist_in_order_on_the_event(client_for):
    ticket = TicketTypeFactory(member_price=0, non_member_price=0, capacity=1)
    register(ticket, "Ana", "Diaz")
    register(ticket, "Ben", "Okafor")
    register(ticket, "Cy", "Park")

    page = client_for("Events").get(f"/admin/events/event/{ticket.event.pk}/change/").content
    text = page.decode()

    assert text.index("Ben Okafor") < text.index("Cy Park")
    assert "waitlist, in order" in text.lower()


def test_it_refuses_to_cancel_an_event_by_editing_its_status(client_for, ticket):
    form = client_for("Events").get(f"/admin/events/event/{ticket.event.pk}/change/")

    assert 'value="cancelled"' not in form.content.decode()


@pytest.mark.parametrize("role", ["Membership", "Finance", "Read-only"])
def test_it_lets_only_events_staff_cancel_an_event(client_for, ticket, role):
    """Cancelling refunds everyone and mails them: it needs the events role's change permission,
    not just a view of the list."""
    registration = register(ticket, "Ana", "Diaz")
    form = {"action": "cancel_events", "_selected_action": [ticket.event.pk]}
    form |= {"apply": "1", "reason": "The venue flooded."}

    response = client_for(role).post("/admin/events/event/", form, follow=True)

    assert "No action selected." in response.content.decode()
    ticket.event.refresh_from_db()
    registration.refresh_from_db()
    assert ticket.event.status == Event.Status.PUBLISHED
    assert registration.status == Status.CONFIRMED
    assert len(mail.outbox) == 0
