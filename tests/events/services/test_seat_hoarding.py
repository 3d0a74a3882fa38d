"""Seat hoarding: one person holds a limited number of seats of an event, and an unpaid hold
runs out without Stripe too (invoice payers), released by `expire_event_holds`."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from billing.models import Invoice
from core.exceptions import ServiceError
from events.models import Registration
from events.selectors import registration_invoice
from events.services import registration_create, registration_create_for_person
from tests.billing.stripe_payloads import committed
from tests.factories import AffiliationFactory, MembershipFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db
Status = Registration.Status


@pytest.fixture
def ticket(settings):
    settings.EVENT_MAX_SEATS_PER_PERSON = 10
    settings.EVENT_INVOICE_HOLD_DAYS = 7
    return TicketTypeFactory(
        capacity=105,
        max_per_registration=8,
        member_price=Decimal("40.00"),
        non_member_price=Decimal("50.00"),
        event__starts_at=timezone.now() + timedelta(days=30),
        event__ends_at=timezone.now() + timedelta(days=30, hours=3),
    )


def register(ticket, email: str, quantity: int) -> Registration:
    return registration_create_for_person(
        event=ticket.event,
        ticket_type=ticket,
        first_name="Pat",
        last_name="Hoarder",
        email=email,
        quantity=quantity,
        notify=False,
    )


def test_it_caps_the_seats_one_person_holds_across_registrations(ticket):
    register(ticket, "pat@example.com", 8)

    with pytest.raises(ServiceError, match="at most 10 seats") as refused:
        register(ticket, "PAT@Example.com", 3)  # the same address, written otherwise

    assert refused.value.field == "quantity"
    assert "so 2 more at most" in refused.value.message
    register(ticket, "pat@example.com", 2)
    assert sum(r.quantity for r in Registration.objects.all()) == 10


def test_it_counts_a_cancelled_registration_out(ticket):
    first = register(ticket, "pat@example.com", 8)
    Registration.objects.filter(pk=first.pk).update(status=Status.CANCELLED)

    assert register(ticket, "pat@example.com", 8).status == Status.PENDING_PAYMENT


def test_the_public_api_names_the_limit(ticket):
    url = f"/api/v1/public/events/{ticket.event.slug}/registrations/"
    body = {
        "ticket_type": ticket.code,
        "quantity": 8,
        "contact": {"first_name": "Pat", "last_name": "H", "email": "pat@example.com"},
    }
    with committed():
        assert Client().post(url, body, content_type="application/json").status_code == 201
        response = Client().post(url, body, content_type="application/json")

    assert response.status_code in (400, 409)
    assert "at most 10 seats" in str(response.json())
    assert Registration.objects.count() == 1


def test_staff_may_register_past_the_limit(ticket, make_staff):
    register(ticket, "pat@example.com", 8)
    contact = Registration.objects.get().contact
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=make_staff('Events'))}")

    with committed():
        response = api.post(
            "/api/v1/registrations/",
            {"ticket_type": ticket.pk, "contact": contact.pk, "quantity": 8, "notify": False},
            format="json",
        )

    assert response.status_code == 201, response.json()
    assert sum(r.quantity for r in Registration.objects.all()) == 16


def test_it_holds_an_unpaid_registration_without_stripe_for_the_set_days(ticket):
    registration = register(ticket, "pat@example.com", 2)

    assert registration.status == Status.PENDING_PAYMENT
    held = registration.hold_expires_at - timezone.now()
    assert timedelta(days=6, hours=23) < held <= timedelta(days=7)


def test_it_holds_an_invoiced_organization_until_its_invoice_is_due(ticket, settings):
    settings.INVOICE_DAYS_UNTIL_DUE = 3
    member = MembershipFactory(status="active").organization
    person = AffiliationFactory(organization=member, is_billing=True).contact

    registration = registration_create(
        event=ticket.event,
        ticket_type=ticket,
        contact=person,
        organization_name=member.name,
        payment="invoice",
        notify=False,
    )

    due = registration_invoice(registration).due_date
    assert due == timezone.localdate() + timedelta(days=3)
    assert timezone.localdate(registration.hold_expires_at) == due + timedelta(days=1)
    assert registration.hold_expires_at - timezone.now() < timedelta(days=5)


def test_it_never_holds_past_the_event(ticket):
    ticket.event.starts_at = timezone.now() + timedelta(days=2)
    ticket.event.save()

    registration = register(ticket, "pat@example.com", 2)

    assert registration.hold_expires_at == ticket.event.starts_at


def test_expire_event_holds_releases_an_unpaid_invoice_hold(ticket):
    with committed():
        registration = register(ticket, "pat@example.com", 2)
    invoice = registration_invoice(registration)
    mail.outbox.clear()

    with committed():
        call_command("expire_event_holds", stdout=StringIO())  # not yet: nothing is released
    registration.refresh_from_db()
    assert registration.status == Status.PENDING_PAYMENT

    Registration.objects.filter(pk=registration.pk).update(
        hold_expires_at=timezone.now() - timedelta(minutes=1)
    )
    out = StringIO()
    with committed():
        call_command("expire_event_holds", stdout=out)

    registration.refresh_from_db()
    invoice.refresh_from_db()
    assert registration.status == Status.CANCELLED
    assert invoice.status == Invoice.Status.VOID
    assert "1 unpaid hold(s) released" in out.getvalue()
    assert [m.subject for m in mail.outbox] == [
        f"Your held seats for {ticket.event.title} were released"
    ]
