"""Registrations in the staff API: read by every role, made and moved by events staff through
events.services (check in, undo, cancel, and refund with a cancellation, as in the admin)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from billing.models import Invoice, Refund
from crm.models import Membership
from events.models import Registration
from events.selectors import registration_invoice
from events.services import registration_check_in
from tests.api.staff.events_data import (
    free_ticket,
    make_confirmed_registration,
    make_registration,
)
from tests.api.staff.test_lists import _count_queries
from tests.factories import (
    AffiliationFactory,
    ContactFactory,
    MembershipFactory,
    OrganizationFactory,
    TicketTypeFactory,
)

pytestmark = pytest.mark.django_db

ROLES = ["Membership", "Finance", "Events", "Read-only"]
URL = "/api/v1/registrations/"
Status = Registration.Status


@pytest.fixture
def events_api(api_for) -> APIClient:
    return api_for("Events")


@pytest.fixture
def events_and_finance_api(make_staff) -> APIClient:
    """Someone who may both cancel registrations and refund."""
    user = make_staff("Events", username="box-office")
    user.groups.add(Group.objects.get(name="Finance"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def _status(registration: Registration) -> str:
    registration.refresh_from_db()
    return registration.status


# --- Reading ----------------------------------------------------------------------------------


def test_it_shows_a_registration_with_what_it_belongs_to(events_api):
    ticket = TicketTypeFactory(name="Breakfast", non_member_price=Decimal("50.00"))
    contact = ContactFactory(first_name="Dana", last_name="Reyes", email="dana@example.com")
    registration = make_registration(
        ticket,
        contact=contact,
        quantity=2,
        organization_name="Front Street Bakery",
        attendees=[],
    )
    invoice = registration_invoice(registration)
    body = events_api.get(f"{URL}{registration.pk}/").json()
    assert body["reference"] == registration.reference
    assert body["event"] == {
        "id": ticket.event_id,
        "slug": ticket.event.slug,
        "title": ticket.event.title,
        "starts_at": body["event"]["starts_at"],
        "status": "published",
    }
    assert body["ticket_type"] == {"id": ticket.pk, "code": ticket.code, "name": "Breakfast"}
    assert body["contact"] == {"id": contact.pk, "name": "Dana Reyes", "email": "dana@example.com"}
    # Not a member: the organization is as named (the invoice's payer is made apart).
    assert (body["organization"], body["organization_name"]) == (None, "Front Street Bakery")
    assert (body["status"], body["quantity"], body["price_each"], body["total"]) == (
        "pending_payment",
        2,
        "50.00",
        "100.00",
    )
    assert body["invoice"] == {
        "id": invoice.pk,
        "number": invoice.number,
        "status": "open",
        "total": "100.00",
    }
    assert body["attendees"] == [
        {"first_name": "Dana", "last_name": "Reyes", "email": "dana@example.com"}
    ]
    assert body["waitlist_position"] is None
    assert body["checked_in_by"] is None


def test_the_list_shows_each_invoice_to_the_cent(events_api):
    ticket = TicketTypeFactory(non_member_price=Decimal("12.34"))
    registrations = [make_registration(ticket, quantity=3, attendees=[]) for _ in range(3)]
    invoices = [registration_invoice(r) for r in registrations]

    body = events_api.get(URL).json()

    assert [row["invoice"] for row in body["results"]] == [
        {"id": i.pk, "number": i.number, "status": "open", "total": "37.02"}
        for i in reversed(invoices)
    ]


def test_it_shows_the_place_on_the_waitlist_and_no_invoice_for_a_free_ticket(events_api):
    ticket = free_ticket(capacity=1)
    make_registration(ticket)
    first, second = make_registration(ticket), make_registration(ticket)
    places = {r["id"]: r["waitlist_position"] for r in events_api.get(URL).json()["results"]}
    assert (places[first.pk], places[second.pk]) == (1, 2)
    assert events_api.get(f"{URL}{first.pk}/").json()["invoice"] is None


def test_it_shows_the_registration_on_its_invoice_line(api_for):
    registration = make_registration()
    invoice = registration_invoice(registration)
    body = api_for("Finance").get(f"/api/v1/invoices/{invoice.pk}/").json()
    assert [(line["kind"], line["registration"]) for line in body["lines"]] == [
        ("registration", registration.pk)
    ]
    assert body["lines"][0]["membership"] is None


@pytest.mark.parametrize("role", ROLES)
def test_it_lets_every_role_read_registrations(api_for, role):
    registration = make_registration()
    client = api_for(role)
    assert client.get(URL).status_code == 200
    assert client.get(f"{URL}{registration.pk}/").status_code == 200


def test_it_changes_no_registration_by_a_plain_request(superuser):
    registration = make_registration()
    client = APIClient()
    client.force_authenticate(superuser)
    assert client.patch(f"{URL}{registration.pk}/", {"quantity": 3}).status_code == 405
    assert client.delete(f"{URL}{registration.pk}/").status_code == 405
    registration.refresh_from_db()
    assert registration.quantity == 1


# --- Registering ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_it_lets_only_events_staff_register_someone(api_for, role):
    ticket = TicketTypeFactory(non_member_price=Decimal("50.00"))
    contact = ContactFactory()
    body = {
        "ticket_type": ticket.pk,
        "contact": contact.pk,
        "quantity": 2,
        "attendees": [
            {"first_name": "Ana", "last_name": "Diaz"},
            {"first_name": "Ben", "last_name": "Ode", "email": "ben@example.com"},
        ],
        "notify": False,
    }
    response = api_for(role).post(URL, body, format="json")
    if role == "Events":
        assert response.status_code == 201, response.json()
        registration = Registration.objects.get(contact=contact)
        answer = response.json()
        assert (answer["id"], answer["status"], answer["total"]) == (
            registration.pk,
            "pending_payment",
            "100.00",
        )
        assert answer["invoice"]["status"] == "open"
        assert [a["first_name"] for a in answer["attendees"]] == ["Ana", "Ben"]
    else:
        assert response.status_code == 403
        assert not Registration.objects.exists()


def test_it_gives_a_member_the_member_price(events_api):
    ticket = TicketTypeFactory(member_price=Decimal("35.00"), non_member_price=Decimal("50.00"))
    organization = OrganizationFactory(name="Capitol Insurance Group")
    MembershipFactory(organization=organization, status=Membership.Status.ACTIVE)
    contact = AffiliationFactory(organization=organization).contact
    body = {"ticket_type": ticket.pk, "contact": contact.pk, "notify": False}
    answer = events_api.post(URL, body, format="json").json()
    assert (answer["member_pricing"], answer["price_each"]) == (True, "35.00")
    assert answer["organization"]["name"] == "Capitol Insurance Group"


@pytest.mark.parametrize(
    ("ticket_options", "body", "field", "message"),
    [
        (
            {"members_only": True, "name": "Members"},
            {},
            "ticket_type",
            "Members tickets are for people of member organizations only.",
        ),
        (
            {"max_per_registration": 2},
            {"quantity": 3},
            "quantity",
            "At most 2 tickets of this type per registration.",
        ),
        (
            {},
            {"quantity": 1, "attendees": [{"first_name": "A", "last_name": "B"}] * 2},
            "attendees",
            "2 attendees were named for 1 tickets.",
        ),
    ],
)
def test_it_refuses_what_the_service_refuses(events_api, ticket_options, body, field, message):
    ticket = TicketTypeFactory(**ticket_options)
    contact = ContactFactory()
    response = events_api.post(
        URL, {"ticket_type": ticket.pk, "contact": contact.pk, **body}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["errors"][field][0].startswith(message)
    assert not Registration.objects.exists()


def test_it_refuses_a_sold_out_ticket_without_a_waitlist(events_api):
    ticket = free_ticket(capacity=1, name="Dinner", event__waitlist_enabled=False)
    make_registration(ticket)
    body = {"ticket_type": ticket.pk, "contact": ContactFactory().pk}
    response = events_api.post(URL, body, format="json")
    assert response.status_code == 409
    assert response.json() == {
        "errors": {
            "detail": ["Dinner tickets are sold out (none left) and this event keeps no waitlist."]
        }
    }
    assert Registration.objects.count() == 1


def test_it_refuses_an_unknown_ticket_type_or_contact(events_api):
    response = events_api.post(URL, {"ticket_type": 999, "contact": 999}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"ticket_type", "contact"}


def test_it_registers_once_for_one_idempotency_key(events_api):
    ticket = free_ticket()
    body = {"ticket_type": ticket.pk, "contact": ContactFactory().pk, "notify": False}
    first = events_api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="reg-1")
    again = events_api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="reg-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert Registration.objects.count() == 1


# --- Check-in ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_it_lets_only_events_staff_check_someone_in(api_for, role):
    registration = make_registration(free_ticket())
    response = api_for(role).post(f"{URL}{registration.pk}/check-in/")
    if role == "Events":
        assert response.status_code == 200
        body = response.json()
        assert (body["status"], body["checked_in_by"]) == ("checked_in", "staff-events")
        assert body["checked_in_at"]
    else:
        assert response.status_code == 403
    assert _status(registration) == (Status.CHECKED_IN if role == "Events" else Status.CONFIRMED)


def test_it_checks_in_twice_harmlessly_and_undoes_a_check_in(events_api):
    registration = make_registration(free_ticket())
    assert events_api.post(f"{URL}{registration.pk}/check-in/").status_code == 200
    assert events_api.post(f"{URL}{registration.pk}/check-in/").json()["status"] == "checked_in"
    response = events_api.post(f"{URL}{registration.pk}/undo-check-in/")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["checked_in_at"]) == ("confirmed", None)


@pytest.mark.parametrize("role", ["Membership", "Finance", "Read-only"])
def test_it_lets_no_other_role_undo_a_check_in(api_for, role):
    registration = make_registration(free_ticket())
    registration_check_in(registration=registration)
    assert api_for(role).post(f"{URL}{registration.pk}/undo-check-in/").status_code == 403
    assert _status(registration) == Status.CHECKED_IN


def test_it_refuses_to_check_in_someone_who_has_not_paid(events_api):
    registration = make_registration()
    response = events_api.post(f"{URL}{registration.pk}/check-in/")
    assert response.status_code == 409
    assert response.json() == {
        "errors": {"detail": ["Cannot check in: this registration is awaiting payment."]}
    }
    assert _status(registration) == Status.PENDING_PAYMENT


# --- Cancelling -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_it_lets_only_events_staff_cancel_and_the_waitlist_moves_up(api_for, role):
    ticket = free_ticket(capacity=1)
    registration = make_registration(ticket)
    waiting = make_registration(ticket)
    response = api_for(role).post(
        f"{URL}{registration.pk}/cancel/", {"reason": "Cannot come"}, format="json"
    )
    if role == "Events":
        assert response.status_code == 200
        assert (response.json()["status"], response.json()["status_reason"]) == (
            "cancelled",
            "Cannot come",
        )
        assert _status(waiting) == Status.CONFIRMED
    else:
        assert response.status_code == 403
        assert (_status(registration), _status(waiting)) == (Status.CONFIRMED, Status.WAITLISTED)


def test_it_wants_a_reason_to_cancel(events_api):
    registration = make_registration(free_ticket())
    response = events_api.post(f"{URL}{registration.pk}/cancel/", {}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]
    assert _status(registration) == Status.CONFIRMED


def test_it_refuses_to_cancel_a_checked_in_registration(events_api):
    registration = make_registration(free_ticket())
    registration_check_in(registration=registration)
    response = events_api.post(
        f"{URL}{registration.pk}/cancel/", {"reason": "Left early"}, format="json"
    )
    assert response.status_code == 409
    assert response.json() == {
        "errors": {
            "detail": ["This registration is checked in: undo the check-in before cancelling it."]
        }
    }
    assert _status(registration) == Status.CHECKED_IN


def test_it_voids_the_unpaid_invoice_of_a_cancelled_registration(events_api):
    registration = make_registration()
    response = events_api.post(
        f"{URL}{registration.pk}/cancel/", {"reason": "Changed plans"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["invoice"] is None  # the void invoice no longer stands
    assert Invoice.objects.get(lines__registration=registration).status == Invoice.Status.VOID


def test_it_cancels_a_paid_registration_without_a_refund_unless_asked(events_api):
    registration = make_confirmed_registration()
    response = events_api.post(
        f"{URL}{registration.pk}/cancel/", {"reason": "Credit for next time"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["invoice"]["status"] == "paid"
    assert not Refund.objects.exists()


@pytest.mark.parametrize("role", ["Membership", "Finance", "Read-only"])
def test_only_events_staff_cancel_and_refund(api_for, role):
    registration = make_confirmed_registration()
    response = api_for(role).post(
        f"{URL}{registration.pk}/cancel/",
        {"reason": "Double booked", "refund": "full"},
        format="json",
    )
    assert response.status_code == 403
    assert _status(registration) == Status.CONFIRMED
    assert not Refund.objects.exists()


def test_events_staff_refund_with_a_cancellation(events_api):
    registration = make_confirmed_registration()
    response = events_api.post(
        f"{URL}{registration.pk}/cancel/",
        {"reason": "Double booked", "refund": "full"},
        format="json",
    )
    assert response.status_code == 200
    assert _status(registration) == Status.CANCELLED
    invoice = Invoice.objects.get(lines__registration=registration)
    refund = Refund.objects.get(payment__invoice=invoice)
    assert refund.amount == invoice.total > 0


@pytest.mark.parametrize(
    ("body", "refunded"),
    [({"refund": "full"}, "100.00"), ({"refund": "part", "amount": "30.00"}, "30.00")],
)
def test_it_cancels_and_refunds_in_full_or_in_part(events_and_finance_api, body, refunded):
    registration = make_confirmed_registration(quantity=2)
    response = events_and_finance_api.post(
        f"{URL}{registration.pk}/cancel/", {"reason": "Double booked", **body}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "cancelled"
    refund = Refund.objects.get(payment__invoice__lines__registration=registration)
    assert refund.amount == Decimal(refunded)
    assert refund.reason == "Registration cancelled: Double booked"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"refund": "part"}, "amount"),
        ({"refund": "full", "amount": "10.00"}, "amount"),
        ({"refund": "part", "amount": "0.00"}, "amount"),
        ({"refund": "some"}, "refund"),
    ],
)
def test_it_refuses_a_muddled_refund(events_and_finance_api, body, field):
    registration = make_confirmed_registration()
    response = events_and_finance_api.post(
        f"{URL}{registration.pk}/cancel/", {"reason": "Double booked", **body}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert _status(registration) == Status.CONFIRMED


def test_it_refuses_a_refund_above_what_was_paid_before_cancelling(events_and_finance_api):
    registration = make_confirmed_registration()  # $50 paid
    response = events_and_finance_api.post(
        f"{URL}{registration.pk}/cancel/",
        {"reason": "Double booked", "refund": "part", "amount": "80.00"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "errors": {
            "amount": ["At most $50.00 can be refunded for this registration; $80.00 was asked."]
        }
    }
    assert _status(registration) == Status.CONFIRMED
    assert not Refund.objects.exists()


# --- Filters ----------------------------------------------------------------------------------


@pytest.fixture
def registrations():
    ticket = free_ticket(capacity=2)
    other = free_ticket()
    organization = OrganizationFactory(name="Capitol Insurance Group")
    MembershipFactory(organization=organization, status=Membership.Status.ACTIVE)
    member = AffiliationFactory(
        organization=organization, contact__first_name="Mia", contact__last_name="Lopez"
    ).contact
    at_door = make_registration(ticket, contact=member)
    registration_check_in(registration=at_door)
    coming = make_registration(ticket, contact=ContactFactory(first_name="Ben", last_name="Ode"))
    waiting = make_registration(ticket, contact=ContactFactory(first_name="Cy", last_name="Park"))
    elsewhere = make_registration(
        other,
        contact=ContactFactory(first_name="Di", last_name="Quinn"),
        organization_name="Quinn Consulting",
    )
    Registration.objects.filter(pk=at_door.pk).update(modified=timezone.now() - timedelta(days=3))
    return {
        "ticket": ticket,
        "other": other,
        "organization": organization,
        "member": member,
        "rows": {"Lopez": at_door, "Ode": coming, "Park": waiting, "Quinn": elsewhere},
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("event={ticket.event_id}", ["Lopez", "Ode", "Park"]),
        ("ticket_type={other.pk}", ["Quinn"]),
        ("status=waitlisted", ["Park"]),
        ("status=confirmed&status=checked_in", ["Lopez", "Ode", "Quinn"]),
        ("checked_in=true", ["Lopez"]),
        ("checked_in=false", ["Ode", "Park", "Quinn"]),
        ("organization={organization.pk}", ["Lopez"]),
        ("contact={member.pk}", ["Lopez"]),
        ("member_pricing=true", ["Lopez"]),
        ("search=quinn consulting", ["Quinn"]),
        ("search=park", ["Park"]),
        ("modified_since={recently}", ["Ode", "Park", "Quinn"]),
        ("ordering=created", ["Lopez", "Ode", "Park", "Quinn"]),
    ],
)
def test_it_filters_registrations(events_api, registrations, query, expected):
    recently = (timezone.now() - timedelta(days=1)).isoformat().replace("+", "%2B")
    query = query.format(recently=recently, **registrations)
    response = events_api.get(f"{URL}?{query}")
    assert response.status_code == 200, response.json()
    by_pk = {r.pk: name for name, r in registrations["rows"].items()}
    found = [by_pk[r["id"]] for r in response.json()["results"]]
    assert (found if "ordering" in query else sorted(found)) == expected


def test_it_finds_a_registration_by_its_reference(events_api, registrations):
    coming = registrations["rows"]["Ode"]
    response = events_api.get(URL, {"search": coming.reference})
    assert [r["id"] for r in response.json()["results"]] == [coming.pk]


# --- Lists in a fixed number of queries -------------------------------------------------------


def _registrations():
    ticket = free_ticket(capacity=1)
    make_registration(ticket, quantity=1)
    make_registration(ticket, quantity=2)  # waitlisted
    make_confirmed_registration()  # paid, with an invoice


def test_it_lists_in_the_same_number_of_queries_at_5_and_50_rows(api_for):
    client = api_for("Read-only")
    for _ in range(2):
        _registrations()
    at_6, rows_6 = _count_queries(client, "registrations")
    for _ in range(15):
        _registrations()
    at_51, rows_51 = _count_queries(client, "registrations")
    assert (rows_6, rows_51) == (6, 51)
    assert at_6 == at_51 <= 8
