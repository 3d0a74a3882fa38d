"""Complimentary seats: a registration for a tagged event draws its organization's seats down
by itself, says so, and its cancellation gives them back."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from billing.gateways import FakeGateway, use_gateway
from crm.models import BenefitUsage, Pledge
from crm.selectors.benefits import organization_benefits_of
from events.models import Registration
from events.services import holds_expire, registration_cancel, registration_create
from tests.factories import (
    AffiliationFactory,
    BenefitGrantFactory,
    PledgeFactory,
    TicketTypeFactory,
)

pytestmark = pytest.mark.django_db
Status = Registration.Status


@pytest.fixture(autouse=True)
def fake_stripe():
    with use_gateway(FakeGateway()) as gateway:
        yield gateway


@pytest.fixture
def investor():
    """An investor whose level grants 2 luncheon seats a term, and one of its people."""
    grant = BenefitGrantFactory(quantity=2)
    pledge = PledgeFactory(
        level=grant.level,
        status=Pledge.Status.CONFIRMED,
        start_date=timezone.localdate() - timedelta(days=30),
        term_years=2,
    )
    return AffiliationFactory(organization=pledge.organization)


def luncheon(**kwargs):
    ticket = TicketTypeFactory(
        member_price=Decimal("35.00"), non_member_price=Decimal("50.00"), **kwargs
    )
    ticket.event.tags = "Luncheon, networking"
    ticket.event.save()
    return ticket


def register(ticket, affiliation, quantity):
    return registration_create(
        event=ticket.event,
        ticket_type=ticket,
        contact=affiliation.contact,
        quantity=quantity,
        organization_name=affiliation.organization.name,
    )


def left(affiliation):
    [seats] = organization_benefits_of(
        affiliation.organization, today=timezone.localdate()
    ).entitlements
    return seats.left


def test_it_confirms_a_registration_on_comp_seats_and_says_so(
    investor, django_capture_on_commit_callbacks
):
    ticket = luncheon()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        registration = register(ticket, investor, quantity=2)

    assert registration.status == Status.CONFIRMED
    assert (registration.comp_seats, registration.total) == (2, Decimal("0.00"))
    assert registration.benefit_usage.source == BenefitUsage.Source.REGISTRATION
    assert "2 complimentary" in registration.status_reason
    assert left(investor) == 0
    [sent] = mail.outbox
    benefit = registration.benefit_usage.benefit
    assert f"2 seats are complimentary, from your organization's {benefit} benefit." in sent.body


def test_it_charges_the_seats_past_what_is_left(investor):
    registration = register(luncheon(), investor, quantity=3)

    assert registration.status == Status.PENDING_PAYMENT
    assert (registration.comp_seats, registration.total) == (2, Decimal("50.00"))


def test_it_draws_for_a_tagged_ticket_type_of_an_untagged_event(investor):
    ticket = TicketTypeFactory(tags="luncheon")

    registration = register(ticket, investor, quantity=1)

    assert registration.comp_seats == 1
    assert left(investor) == 1


def test_it_draws_nothing_at_an_event_without_the_tag(investor):
    registration = register(TicketTypeFactory(), investor, quantity=1)

    assert (registration.comp_seats, registration.benefit_usage) == (0, None)
    assert left(investor) == 2


def test_it_gives_the_seats_back_when_the_registration_is_cancelled(investor):
    registration = register(luncheon(), investor, quantity=2)

    registration_cancel(registration=registration, reason="Cannot come", by=None)

    assert left(investor) == 2
    usage = BenefitUsage.objects.get()
    assert usage.returned_at is not None
    assert usage.history.first().history_change_reason.startswith("given back")
    again = register(luncheon(), investor, quantity=1)
    assert again.comp_seats == 1


def test_it_gives_the_seats_back_when_an_unpaid_hold_runs_out(investor):
    registration = register(luncheon(), investor, quantity=3)  # 2 comp, 1 to pay

    holds_expire(now=registration.hold_expires_at + timedelta(seconds=1))

    registration.refresh_from_db()
    assert registration.status == Status.CANCELLED
    assert left(investor) == 2


def test_it_shows_the_comp_seats_to_staff_and_to_the_registrant(investor, client):
    registration = register(luncheon(), investor, quantity=1)

    response = client.get(f"/api/v1/public/registrations/{registration.reference}/")
    body = response.json()
    assert response.status_code == 200, body

    assert body["comp_seats"] == 1
    assert body["comp_seats_note"].startswith("1 seat is complimentary, from your organization's")
