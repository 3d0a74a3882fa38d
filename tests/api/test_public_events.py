from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from billing.gateways import FakeGateway, use_gateway
from crm.models import Contact, Membership
from events.models import Event, Registration
from tests.factories import (
    ContactFactory,
    EventFactory,
    MembershipFactory,
    OrganizationFactory,
    TicketTypeFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def fake_stripe():
    with use_gateway(FakeGateway()) as gateway:
        yield gateway


@pytest.fixture
def gala():
    event = EventFactory(slug="annual-gala", title="Annual Gala", venue="The Bushnell")
    TicketTypeFactory(
        event=event,
        code="general",
        name="General",
        member_price=Decimal("75.00"),
        non_member_price=Decimal("95.00"),
        capacity=4,
        sort_order=1,
    )
    TicketTypeFactory(
        event=event,
        code="member-table",
        name="Member table",
        members_only=True,
        member_price=Decimal("60.00"),
        non_member_price=Decimal("60.00"),
        capacity=10,
        sort_order=2,
    )
    return event


def body(**overrides):
    data = {
        "ticket_type": "general",
        "quantity": 2,
        "contact": {"first_name": "Dana", "last_name": "Ortiz", "email": "dana@frontst.example"},
        "organization": "Front Street Bakery",
        "attendees": [{"first_name": "Dana", "last_name": "Ortiz", "email": ""}],
    }
    data.update(overrides)
    return data


def register(api, slug="annual-gala", **overrides):
    return api.post(
        f"/api/v1/public/events/{slug}/registrations/", body(**overrides), format="json"
    )


def test_it_lists_upcoming_published_events_with_seats_left(api, gala):
    EventFactory(status=Event.Status.DRAFT)
    EventFactory(
        starts_at=timezone.now() - timedelta(days=2), ends_at=timezone.now() - timedelta(days=1)
    )
    Registration.objects.create(
        event=gala,
        ticket_type=gala.ticket_types.get(code="general"),
        contact=ContactFactory(),
        quantity=3,
        status=Registration.Status.CONFIRMED,
        price_each=Decimal("95"),
        total=Decimal("285"),
    )

    response = api.get("/api/v1/public/events/")

    assert response.status_code == 200
    [event] = response.json()
    assert event["slug"] == "annual-gala"
    assert event["venue"] == "The Bushnell"
    assert event["waitlist_open"] is True
    assert event["ticket_types"][0] == {
        "code": "general",
        "name": "General",
        "description": "",
        "member_price": "75.00",
        "non_member_price": "95.00",
        "members_only": False,
        "available": 1,
        "limit_per_registration": 10,
    }
    assert {"starts_at", "ends_at", "title"} <= event.keys()


def test_it_lists_events_in_a_fixed_number_of_queries(api, gala, django_assert_num_queries):
    for _ in range(3):
        TicketTypeFactory(event=EventFactory())
    with django_assert_num_queries(2):
        api.get("/api/v1/public/events/")


def test_it_registers_and_answers_with_the_price_and_pay_link(api, gala, fake_stripe):
    response = register(api)

    assert response.status_code == 201, response.json()
    data = response.json()
    registration = Registration.objects.get()
    assert data["reference"] == registration.reference
    assert data["status"] == "pending_payment"
    assert data["price_each"] == "95.00"
    assert data["total"] == "190.00"
    assert data["pay_url"].startswith("https://")
    assert data["waitlist_position"] is None
    assert data["attendees"] == ["Dana Ortiz"]
    assert "email" not in str(data)


def test_it_never_gives_the_member_price_for_a_typed_member_name(api, gala):
    # A name typed into the form grants nothing (docs/public-api.md, verified membership).
    organization = OrganizationFactory(name="Front Street Bakery")
    MembershipFactory(organization=organization, status=Membership.Status.ACTIVE)

    data = register(api, organization="front street bakery, llc").json()

    assert data["price_each"] == "95.00"
    assert data["member_pricing"] is False
    assert data["organization"] == "front street bakery, llc"  # as typed, not the record's
    assert data["pay_url"] is None  # no Stripe here: instructions instead
    assert "check" in data["payment_instructions"]
    invoice_organization = Registration.objects.get().invoice_lines.get().invoice.organization
    assert invoice_organization != organization


def test_it_confirms_a_free_registration_at_once(api, django_capture_on_commit_callbacks):
    TicketTypeFactory(
        event__slug="coffee", code="free", member_price=0, non_member_price=0, capacity=5
    )

    with django_capture_on_commit_callbacks(execute=True):
        data = register(api, slug="coffee", ticket_type="free").json()

    assert (data["status"], data["total"], data["pay_url"]) == ("confirmed", "0.00", None)
    assert mail.outbox[0].to == ["dana@frontst.example"]


def test_it_waitlists_with_a_position_when_sold_out(api, gala):
    register(api, quantity=4, attendees=[])

    data = register(api, quantity=1, attendees=[]).json()

    assert data["status"] == "waitlisted"
    assert data["waitlist_position"] == 1


@pytest.mark.parametrize(
    ("setup", "overrides", "message"),
    [
        (
            lambda e: Event.objects.filter(pk=e.pk).update(waitlist_enabled=False),
            {"quantity": 5},
            "sold out",
        ),
        (
            lambda e: Event.objects.filter(pk=e.pk).update(
                registration_closes_at=timezone.now() - timedelta(minutes=1)
            ),
            {},
            "closed",
        ),
    ],
)
def test_it_answers_409_with_a_message(api, gala, setup, overrides, message):
    setup(gala)
    overrides.setdefault("attendees", [])
    response = register(api, **overrides)

    assert response.status_code == 409
    messages = [m for field in response.json()["errors"].values() for m in field]
    assert message in " ".join(messages)
    assert not Registration.objects.exists()
    assert not Contact.objects.filter(email="dana@frontst.example").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ticket_type": "vip"}, "ticket_type"),
        ({"quantity": 0}, "quantity"),
        ({"contact": {"first_name": "A", "last_name": "B", "email": "nope"}}, "contact.email"),
        ({"quantity": 1, "attendees": [{"first_name": "A", "last_name": "B"}] * 2}, "attendees"),
    ],
)
def test_it_answers_400_for_bad_input_and_creates_nothing(api, gala, overrides, field):
    response = register(api, **overrides)

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Registration.objects.exists()
    assert not Contact.objects.exists()


def test_it_answers_404_for_an_unknown_or_draft_event(api, gala):
    draft = EventFactory(slug="draft", status=Event.Status.DRAFT)
    TicketTypeFactory(event=draft, code="general")

    assert register(api, slug="nope").status_code == 404
    assert register(api, slug="draft").status_code == 404
    # Before the body is checked, whatever ticket it names.
    assert register(api, slug="nope", ticket_type=["general"], quantity=0).status_code == 404
    assert register(api, slug="draft", ticket_type="vip").status_code == 404


def test_it_refuses_another_events_ticket_naming_the_field(api, gala):
    TicketTypeFactory(event=EventFactory(slug="breakfast"), code="breakfast-seat")

    response = register(api, ticket_type="breakfast-seat")

    assert response.status_code == 400
    assert response.json()["errors"] == {"ticket_type": ["This event has no such ticket."]}
    assert not Registration.objects.exists()


def test_it_replays_an_idempotent_registration(api, gala):
    url = "/api/v1/public/events/annual-gala/registrations/"
    first = api.post(url, body(), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    second = api.post(url, body(), format="json", HTTP_IDEMPOTENCY_KEY="k1")

    assert first.json() == second.json()
    assert Registration.objects.count() == 1


def test_it_shows_and_cancels_a_registration_by_its_reference(api, gala):
    reference = register(api).json()["reference"]

    shown = api.get(f"/api/v1/public/registrations/{reference}/").json()
    cancelled = api.post(f"/api/v1/public/registrations/{reference}/cancel/")

    assert shown["status"] == "pending_payment"
    assert shown["can_cancel"] is True
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert api.get("/api/v1/public/registrations/not-a-reference/").status_code == 404


def test_it_refuses_to_cancel_online_after_the_cutoff(api, gala):
    reference = register(api).json()["reference"]
    Event.objects.filter(pk=gala.pk).update(
        starts_at=timezone.now() + timedelta(hours=2), ends_at=timezone.now() + timedelta(hours=4)
    )

    response = api.post(f"/api/v1/public/registrations/{reference}/cancel/")

    assert response.status_code == 409
    assert "contact the chamber" in response.json()["errors"]["detail"][0]
