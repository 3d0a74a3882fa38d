from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from billing.gateways import FakeGateway, use_gateway
from events.models import Registration
from events.services import registration_create
from tests.factories import ContactFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db


def test_it_releases_expired_holds_once():
    ticket = TicketTypeFactory(capacity=2)
    with use_gateway(FakeGateway()):
        stale = registration_create(
            event=ticket.event,
            ticket_type=ticket,
            contact=ContactFactory(),
            now=timezone.now() - timedelta(hours=1),
        )
        fresh = registration_create(
            event=ticket.event, ticket_type=ticket, contact=ContactFactory()
        )
        first, second = StringIO(), StringIO()

        call_command("expire_event_holds", stdout=first)
        call_command("expire_event_holds", stdout=second)

    assert "1 unpaid hold(s) released" in first.getvalue()
    assert stale.reference in first.getvalue()
    assert "0 unpaid hold(s) released" in second.getvalue()
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.status, fresh.status) == (
        Registration.Status.CANCELLED,
        Registration.Status.PENDING_PAYMENT,
    )
