"""The door list shows the parties whose payment is still to be taken, with what they owe; staff
take cash or a check (through billing's payment service) and check them in with one tap."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission

from billing.models import Invoice, Payment
from crm.roles import EVENTS, READ_ONLY
from events.models import Registration
from events.services import registration_create
from tests.factories import ContactFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db
Status = Registration.Status


@pytest.fixture
def unpaid():
    ticket = TicketTypeFactory(event__title="Annual Dinner", non_member_price=Decimal("70.00"))
    registration = registration_create(
        event=ticket.event,
        ticket_type=ticket,
        contact=ContactFactory(first_name="Ana", last_name="Diaz"),
        quantity=2,
    )
    assert registration.status == Status.PENDING_PAYMENT
    return registration


def door(registration):
    return f"/admin/events/event/{registration.event_id}/check-in/"


def test_it_lists_an_unpaid_party_with_what_it_owes(client_for, unpaid):
    page = client_for(EVENTS).get(door(unpaid), {"show": "todo"}).content.decode()

    assert "Ana Diaz + 1" in page
    assert "Unpaid · $140.00 due" in page
    assert 'name="pay" value="cash"' in page and 'name="pay" value="check"' in page


def test_it_takes_a_check_at_the_door_and_checks_the_party_in(client_for, unpaid):
    page = client_for(EVENTS).post(
        door(unpaid),
        {"registration": unpaid.pk, "pay": "check", "check_number": "1042"},
        follow=True,
    )

    unpaid.refresh_from_db()
    payment = Payment.objects.get()
    assert unpaid.status == Status.CHECKED_IN
    assert (payment.method, payment.amount, payment.check_number) == (
        "check",
        Decimal("140.00"),
        "1042",
    )
    assert payment.invoice.status == Invoice.Status.PAID
    assert "Ana Diaz: payment recorded, checked in." in page.content.decode()


def test_it_refuses_a_check_without_its_number_and_changes_nothing(client_for, unpaid):
    page = client_for(EVENTS).post(
        door(unpaid), {"registration": unpaid.pk, "pay": "check"}, follow=True
    )

    unpaid.refresh_from_db()
    assert unpaid.status == Status.PENDING_PAYMENT
    assert not Payment.objects.exists()
    assert "Enter the check number." in page.content.decode()


def test_it_says_a_card_needs_stripe_when_there_is_none(client_for, unpaid):
    page = client_for(EVENTS).post(
        door(unpaid), {"registration": unpaid.pk, "pay": "card"}, follow=True
    )

    assert "Card payments need Stripe" in page.content.decode()
    unpaid.refresh_from_db()
    assert unpaid.status == Status.PENDING_PAYMENT


def test_it_refuses_a_plain_check_in_of_an_unpaid_party(client_for, unpaid):
    page = client_for(EVENTS).post(door(unpaid), {"registration": unpaid.pk}, follow=True)

    unpaid.refresh_from_db()
    assert unpaid.status == Status.PENDING_PAYMENT
    assert "Cannot check in: this registration is awaiting payment." in page.content.decode()


def test_only_those_who_may_take_payments_do(make_staff, client, unpaid):
    reader = make_staff(READ_ONLY)
    reader.user_permissions.add(Permission.objects.get(codename="change_registration"))
    client.force_login(reader)

    response = client.post(door(unpaid), {"registration": unpaid.pk, "pay": "cash"})

    assert response.status_code == 403
    assert not Payment.objects.exists()
