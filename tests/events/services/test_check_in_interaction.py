"""A check-in at an event puts "event attended" on the organization's timeline: once per
registration, and withdrawn when the check-in is undone."""

from decimal import Decimal

import pytest

from crm.models import Interaction
from crm.selectors.timeline import organization_timeline
from events.services import (
    registration_check_in,
    registration_create,
    registration_undo_check_in,
)
from tests.factories import AffiliationFactory, ContactFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket():
    return TicketTypeFactory(
        event__title="Coffee Connections", member_price=Decimal(0), non_member_price=Decimal(0)
    )


def test_it_records_event_attended_once_per_registration_and_withdraws_it_on_undo(ticket):
    link = AffiliationFactory(organization__name="Riverfront Bakery")
    registration = registration_create(
        event=ticket.event,
        ticket_type=ticket,
        contact=link.contact,
        organization_name="Riverfront Bakery",
        quantity=2,
    )
    assert registration.organization_id == link.organization_id

    registration_check_in(registration=registration)
    registration_undo_check_in(registration=registration)
    registration_check_in(registration=registration)
    registration_check_in(registration=registration)

    attended = Interaction.objects.get(organization=link.organization)
    assert attended.kind == Interaction.Kind.EVENT
    assert attended.contact == link.contact
    assert "checked in at Coffee Connections with 1 more" in attended.summary
    timeline = organization_timeline(organization_id=link.organization_id)
    assert sum("checked in at Coffee Connections" in e.summary for e in timeline) == 1

    registration_undo_check_in(registration=registration)

    assert not Interaction.objects.filter(organization=link.organization).exists()


def test_it_records_nothing_for_a_party_without_an_organization(ticket):
    registration = registration_create(
        event=ticket.event, ticket_type=ticket, contact=ContactFactory()
    )

    registration_check_in(registration=registration)

    assert registration.status == "checked_in"
    assert not Interaction.objects.exists()
