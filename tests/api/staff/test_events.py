"""Events and ticket types in the staff API: read by every role, written by events staff through
events.services, published, unpublished and cancelled through the actions."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from billing.models import Refund
from events.models import Event, Registration, TicketType
from tests.api.staff.events_data import free_ticket, make_confirmed_registration, make_registration
from tests.api.staff.test_lists import _count_queries
from tests.factories import EventFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db

ROLES = ["Membership", "Finance", "Events", "Read-only"]
EVENTS_URL = "/api/v1/events/"
TICKETS_URL = "/api/v1/ticket-types/"


@pytest.fixture
def events_api(api_for) -> APIClient:
    return api_for("Events")


def _at(day: str, hour: int = 8) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(f"{day}T{hour:02d}:00:00"))


def _event_body(**overrides) -> dict:
    body = {
        "slug": "annual-dinner-2027",
        "title": "Annual Dinner 2027",
        "venue": "Connecticut Convention Center",
        "starts_at": "2027-03-04T18:00:00-05:00",
        "ends_at": "2027-03-04T21:30:00-05:00",
    }
    body.update(overrides)
    return body


# --- Reading ----------------------------------------------------------------------------------


def test_it_shows_an_event_with_its_ticket_types_and_seats(events_api):
    ticket = TicketTypeFactory(capacity=10, name="Members and guests")
    make_registration(ticket, quantity=3)  # holds 3 seats awaiting payment
    TicketTypeFactory(event=ticket.event, capacity=5, code="vip", name="VIP")
    body = events_api.get(f"{EVENTS_URL}{ticket.event.pk}/").json()
    assert (body["slug"], body["status"]) == (ticket.event.slug, "published")
    assert (body["seats_capacity"], body["seats_taken"], body["people_waitlisted"]) == (15, 3, 0)
    assert [
        (t["name"], t["capacity"], t["seats_taken"], t["seats_available"])
        for t in body["ticket_types"]
    ] == [("Members and guests", 10, 3, 7), ("VIP", 5, 0, 5)]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ["events", "ticket-types"])
def test_it_lets_every_role_read_events(api_for, role, endpoint):
    ticket = TicketTypeFactory()
    record = ticket if endpoint == "ticket-types" else ticket.event
    client = api_for(role)
    assert client.get(f"/api/v1/{endpoint}/").status_code == 200
    assert client.get(f"/api/v1/{endpoint}/{record.pk}/").status_code == 200


# --- Writing events ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_it_lets_only_events_staff_create_an_event_as_a_draft(api_for, role):
    response = api_for(role).post(EVENTS_URL, _event_body(), format="json")
    if role == "Events":
        assert response.status_code == 201, response.json()
        event = Event.objects.get(slug="annual-dinner-2027")
        assert (response.json()["id"], response.json()["status"]) == (event.pk, "draft")
        assert event.history.first().history_user.username == "staff-events"
    else:
        assert response.status_code == 403
        assert not Event.objects.exists()


def test_it_refuses_a_status_on_create_or_edit_naming_the_actions(events_api):
    response = events_api.post(EVENTS_URL, _event_body(status="published"), format="json")
    assert response.status_code == 400
    assert "publish" in response.json()["errors"]["status"][0]
    event = EventFactory(status=Event.Status.DRAFT)
    response = events_api.patch(f"{EVENTS_URL}{event.pk}/", {"status": "cancelled"}, format="json")
    assert response.status_code == 400
    event.refresh_from_db()
    assert event.status == Event.Status.DRAFT


def test_it_refuses_an_event_that_ends_before_it_starts(events_api):
    body = _event_body(ends_at="2027-03-04T17:00:00-05:00")
    response = events_api.post(EVENTS_URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["ends_at"] == ["The event cannot end before it starts."]
    assert not Event.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_it_lets_only_events_staff_edit_an_event(api_for, role):
    event = EventFactory(venue="Old venue")
    response = api_for(role).patch(
        f"{EVENTS_URL}{event.pk}/", {"venue": "The Bushnell"}, format="json"
    )
    event.refresh_from_db()
    if role == "Events":
        assert response.status_code == 200
        assert response.json()["venue"] == event.venue == "The Bushnell"
    else:
        assert response.status_code == 403
        assert event.venue == "Old venue"


def test_it_deletes_no_event(superuser):
    event = EventFactory()
    client = APIClient()
    client.force_authenticate(superuser)
    assert client.delete(f"{EVENTS_URL}{event.pk}/").status_code == 405
    assert Event.objects.filter(pk=event.pk).exists()


# --- Event actions ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_it_lets_only_events_staff_publish_a_draft(api_for, role):
    event = EventFactory(status=Event.Status.DRAFT)
    response = api_for(role).post(f"{EVENTS_URL}{event.pk}/publish/")
    event.refresh_from_db()
    if role == "Events":
        assert response.status_code == 200
        assert response.json()["status"] == event.status == Event.Status.PUBLISHED
        assert event.status_changed_at is not None
    else:
        assert response.status_code == 403
        assert event.status == Event.Status.DRAFT


def test_it_publishes_twice_harmlessly_and_unpublishes(events_api):
    event = EventFactory(status=Event.Status.DRAFT)
    assert events_api.post(f"{EVENTS_URL}{event.pk}/publish/").json()["status"] == "published"
    assert events_api.post(f"{EVENTS_URL}{event.pk}/publish/").json()["status"] == "published"
    response = events_api.post(f"{EVENTS_URL}{event.pk}/unpublish/")
    assert response.status_code == 200
    assert response.json()["status"] == "draft"


def test_it_refuses_to_publish_a_cancelled_event(events_api):
    event = EventFactory(status=Event.Status.CANCELLED)
    response = events_api.post(f"{EVENTS_URL}{event.pk}/publish/")
    assert response.status_code == 409
    assert response.json() == {
        "errors": {"detail": ["An event that is cancelled cannot be published."]}
    }
    response = events_api.post(f"{EVENTS_URL}{event.pk}/unpublish/")
    assert response.status_code == 409
    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED


def test_it_cancels_an_event_refunding_and_telling_every_registrant(
    events_api, django_capture_on_commit_callbacks
):
    ticket = TicketTypeFactory(non_member_price=Decimal("50.00"))
    paid = make_confirmed_registration(ticket, quantity=2)
    unpaid = make_registration(ticket)
    with django_capture_on_commit_callbacks(execute=True):
        response = events_api.post(
            f"{EVENTS_URL}{ticket.event.pk}/cancel/", {"reason": "Snowstorm"}, format="json"
        )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["event"]["status"] == "cancelled"
    assert body["event"]["status_reason"] == "Snowstorm"
    assert (body["registrations_cancelled"], body["refunded"], body["problems"]) == (
        2,
        "100.00",
        [],
    )
    assert Refund.objects.get(payment__invoice__lines__registration=paid).amount == Decimal(
        "100.00"
    )
    for registration in (paid, unpaid):
        registration.refresh_from_db()
        assert registration.status == Registration.Status.CANCELLED
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.contact.email for r in (paid, unpaid))
    assert all("Snowstorm" in m.body for m in mail.outbox)


def test_it_wants_a_reason_to_cancel_an_event(events_api):
    event = EventFactory()
    response = events_api.post(f"{EVENTS_URL}{event.pk}/cancel/", {}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED


@pytest.mark.parametrize("role", ["Membership", "Finance", "Read-only"])
def test_it_lets_no_other_role_cancel_an_event(api_for, role):
    event = EventFactory()
    response = api_for(role).post(
        f"{EVENTS_URL}{event.pk}/cancel/", {"reason": "Snowstorm"}, format="json"
    )
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED


# --- Event filters ----------------------------------------------------------------------------


@pytest.fixture
def calendar():
    EventFactory(
        title="Business Breakfast", starts_at=_at("2027-01-12"), ends_at=_at("2027-01-12", 10)
    )
    EventFactory(
        title="Legislative Breakfast",
        status=Event.Status.DRAFT,
        starts_at=_at("2027-02-09"),
        ends_at=_at("2027-02-09", 10),
        waitlist_enabled=False,
    )
    EventFactory(
        title="Annual Dinner",
        venue="Connecticut Convention Center",
        status=Event.Status.CANCELLED,
        starts_at=_at("2027-03-04", 18),
        ends_at=_at("2027-03-04", 21),
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Business Breakfast", "Legislative Breakfast", "Annual Dinner"]),
        ("status=published", ["Business Breakfast"]),
        ("status=draft&status=cancelled", ["Legislative Breakfast", "Annual Dinner"]),
        ("starts_after=2027-02-09", ["Legislative Breakfast", "Annual Dinner"]),
        ("starts_before=2027-02-09", ["Business Breakfast", "Legislative Breakfast"]),
        ("starts_after=2027-01-13&starts_before=2027-03-03", ["Legislative Breakfast"]),
        ("search=breakfast", ["Business Breakfast", "Legislative Breakfast"]),
        ("search=convention", ["Annual Dinner"]),
        ("waitlist_enabled=false", ["Legislative Breakfast"]),
        ("ordering=title", ["Annual Dinner", "Business Breakfast", "Legislative Breakfast"]),
        ("ordering=-starts_at", ["Annual Dinner", "Legislative Breakfast", "Business Breakfast"]),
    ],
)
def test_it_filters_events(events_api, calendar, query, expected):
    response = events_api.get(f"{EVENTS_URL}?{query}")
    assert response.status_code == 200
    assert [e["title"] for e in response.json()["results"]] == expected


def test_it_finds_events_changed_since_a_moment(events_api):
    old = EventFactory(title="Old")
    Event.objects.filter(pk=old.pk).update(modified=timezone.now() - timedelta(days=3))
    EventFactory(title="New")
    since = (timezone.now() - timedelta(days=1)).isoformat()
    response = events_api.get(EVENTS_URL, {"modified_since": since})
    assert [e["title"] for e in response.json()["results"]] == ["New"]


def test_it_refuses_a_bad_filter_value(events_api):
    response = events_api.get(f"{EVENTS_URL}?status=postponed")
    assert response.status_code == 400
    assert "status" in response.json()["errors"]


# --- Ticket types -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_it_lets_only_events_staff_add_a_ticket_type(api_for, role):
    event = EventFactory()
    body = {
        "event": event.pk,
        "code": "member",
        "name": "Member",
        "member_price": "35.00",
        "non_member_price": "55.00",
        "capacity": 120,
    }
    response = api_for(role).post(TICKETS_URL, body, format="json")
    if role == "Events":
        assert response.status_code == 201, response.json()
        assert response.json()["seats_available"] == 120
        assert event.ticket_types.get().non_member_price == Decimal("55.00")
    else:
        assert response.status_code == 403
        assert not event.ticket_types.exists()


def test_it_keeps_ticket_codes_unique_within_an_event(events_api):
    ticket = TicketTypeFactory(code="member")
    body = {"event": ticket.event_id, "code": "member", "name": "Again", "capacity": 5}
    response = events_api.post(TICKETS_URL, body, format="json")
    assert response.status_code == 400
    assert ticket.event.ticket_types.count() == 1


def test_it_keeps_capacity_above_the_seats_taken(events_api):
    ticket = TicketTypeFactory(capacity=5)
    make_registration(ticket, quantity=3)
    response = events_api.patch(f"{TICKETS_URL}{ticket.pk}/", {"capacity": 2}, format="json")
    assert response.status_code == 409
    assert response.json() == {
        "errors": {"capacity": ["3 seats are already taken: the capacity cannot be lower."]}
    }
    ticket.refresh_from_db()
    assert ticket.capacity == 5


def test_it_gives_more_capacity_to_the_waitlist(events_api):
    ticket = free_ticket(capacity=1)
    make_registration(ticket)
    waiting = make_registration(ticket)
    assert waiting.status == Registration.Status.WAITLISTED
    response = events_api.patch(f"{TICKETS_URL}{ticket.pk}/", {"capacity": 2}, format="json")
    assert response.status_code == 200
    assert (response.json()["seats_taken"], response.json()["seats_waitlisted"]) == (2, 0)
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED


def test_it_keeps_a_ticket_type_with_its_event(events_api):
    ticket = TicketTypeFactory()
    other = EventFactory()
    response = events_api.patch(f"{TICKETS_URL}{ticket.pk}/", {"event": other.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["event"] == ["A ticket type stays with its event."]


@pytest.mark.parametrize("role", ROLES)
def test_it_lets_only_events_staff_delete_an_unused_ticket_type(api_for, role):
    ticket = TicketTypeFactory()
    response = api_for(role).delete(f"{TICKETS_URL}{ticket.pk}/")
    assert response.status_code == (204 if role == "Events" else 403)
    assert TicketType.objects.filter(pk=ticket.pk).exists() == (role != "Events")


def test_it_deletes_no_ticket_type_with_registrations(events_api):
    ticket = TicketTypeFactory(name="Member")
    make_registration(ticket)
    response = events_api.delete(f"{TICKETS_URL}{ticket.pk}/")
    assert response.status_code == 409
    assert response.json() == {
        "errors": {"detail": ["Member has registrations: it cannot be deleted."]}
    }
    assert TicketType.objects.filter(pk=ticket.pk).exists()


def test_it_filters_ticket_types_by_event_and_members_only(events_api):
    first = TicketTypeFactory(name="General")
    TicketTypeFactory(event=first.event, name="Members", code="members", members_only=True)
    TicketTypeFactory(name="Elsewhere")

    def names(query: str) -> list[str]:
        return [t["name"] for t in events_api.get(f"{TICKETS_URL}?{query}").json()["results"]]

    assert names(f"event={first.event_id}") == ["General", "Members"]
    assert names("members_only=true") == ["Members"]
    assert names("search=elsewhere") == ["Elsewhere"]


# --- Lists in a fixed number of queries -------------------------------------------------------


def _event_with_registrations():
    ticket = TicketTypeFactory()
    TicketTypeFactory(event=ticket.event, code=f"vip-{ticket.pk}")
    make_registration(free_ticket(event=ticket.event, code=f"free-{ticket.pk}"))


@pytest.mark.parametrize(
    ("endpoint", "build"),
    [("events", _event_with_registrations), ("ticket-types", TicketTypeFactory)],
)
def test_it_lists_in_the_same_number_of_queries_at_5_and_50_rows(api_for, endpoint, build):
    client = api_for("Read-only")
    for _ in range(5):
        build()
    at_5, rows_5 = _count_queries(client, endpoint)
    for _ in range(45):
        build()
    at_50, rows_50 = _count_queries(client, endpoint)
    assert (rows_5, rows_50) == (5, 50)
    assert at_5 == at_50 <= 8
