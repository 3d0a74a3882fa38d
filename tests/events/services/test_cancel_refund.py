"""A staff cancellation with a refund: the refund is checked before anything changes, and
cancelling again finishes a refund that failed, or refuses one that would be a second refund.
The admin and the staff API call the same service and answer the same way."""

from decimal import Decimal

import pytest
from django.core import mail
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from billing import services as billing
from billing.gateways import FakeGateway, use_gateway
from billing.models import Refund
from core.exceptions import InvalidData, ServiceError
from events.models import Registration
from events.selectors import registration_invoice
from events.services import registration_cancel, registration_create
from tests.billing.stripe_payloads import committed
from tests.factories import ContactFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db
Status = Registration.Status


@pytest.fixture
def fake_stripe():
    with use_gateway(FakeGateway()) as gateway:
        yield gateway


@pytest.fixture
def events_api(make_staff) -> APIClient:
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=make_staff('Events'))}"
    )
    return client


@pytest.fixture
def ticket():
    return TicketTypeFactory(
        event__title="Annual Meeting",
        member_price=Decimal("60.00"),
        non_member_price=Decimal("90.00"),
        capacity=1,
    )


def register(ticket, email: str) -> Registration:
    return registration_create(
        event=ticket.event,
        ticket_type=ticket,
        contact=ContactFactory(email=email),
        notify=False,
    )


@pytest.fixture
def paid_with_waitlist(fake_stripe, ticket):
    """Ana paid $90 online for the only seat; Ben waits for it."""
    ana = register(ticket, "ana@example.com")
    invoice = registration_invoice(ana)
    fake_stripe.pay(invoice.stripe_invoice_id)
    billing.invoice_sync_from_stripe(invoice=invoice)
    ana.refresh_from_db()
    ben = register(ticket, "ben@example.com")
    assert (ana.status, ben.status) == (Status.CONFIRMED, Status.WAITLISTED)
    mail.outbox.clear()
    return ana, ben


def test_it_refuses_a_refund_above_what_was_paid_and_changes_nothing(paid_with_waitlist):
    ana, ben = paid_with_waitlist

    with pytest.raises(InvalidData, match=r"At most \$90.00") as refused, committed():
        registration_cancel(registration=ana, reason="Typo", refund_amount=Decimal("900.00"))

    assert refused.value.field == "amount"
    ana.refresh_from_db()
    ben.refresh_from_db()
    assert (ana.status, ben.status) == (Status.CONFIRMED, Status.WAITLISTED)
    assert not Refund.objects.exists()
    assert mail.outbox == []


def test_it_refuses_a_refund_of_a_registration_nobody_paid_for(fake_stripe, ticket):
    ana = register(ticket, "ana@example.com")  # awaiting payment

    with pytest.raises(InvalidData, match="Nothing paid"):
        registration_cancel(registration=ana, reason="x", refund_amount=Decimal("10.00"))

    ana.refresh_from_db()
    assert ana.status == Status.PENDING_PAYMENT


def test_it_finishes_a_failed_refund_when_the_cancellation_is_retried(
    fake_stripe, paid_with_waitlist
):
    ana, _ben = paid_with_waitlist
    fake_stripe.outage = "Stripe is unreachable"

    with pytest.raises(ServiceError, match="Cancel it again to retry"), committed():
        registration_cancel(registration=ana, reason="Asked by phone")

    ana.refresh_from_db()
    assert ana.status == Status.CANCELLED
    assert not Refund.objects.filter(status__in=Refund.COUNTED_STATUSES).exists()

    fake_stripe.outage = ""
    with committed():
        registration_cancel(registration=ana, reason="Asked by phone")
        registration_cancel(registration=ana, reason="Asked by phone")  # a double click

    counted = Refund.objects.filter(status__in=Refund.COUNTED_STATUSES)
    assert [r.amount for r in counted] == [Decimal("90.00")]
    assert "refunding $90.00" in mail.outbox[-1].body


def test_it_refuses_a_second_different_refund_on_a_cancellation(paid_with_waitlist):
    ana, _ben = paid_with_waitlist
    with committed():
        registration_cancel(registration=ana, reason="Late", refund_amount=Decimal("50.00"))

    registration_cancel(registration=ana, reason="Late", refund_amount=Decimal("50.00"))  # retry
    with pytest.raises(ServiceError, match=r"\$50.00 was refunded"):
        registration_cancel(registration=ana, reason="Late")

    assert [r.amount for r in Refund.objects.all()] == [Decimal("50.00")]


def test_the_staff_api_refuses_the_mistyped_refund_before_cancelling(
    events_api, paid_with_waitlist
):
    ana, _ben = paid_with_waitlist

    with committed():
        response = events_api.post(
            f"/api/v1/registrations/{ana.pk}/cancel/",
            {"reason": "Typo", "refund": "part", "amount": "900.00"},
            format="json",
        )

    assert response.status_code == 400
    assert "At most $90.00" in response.json()["errors"]["amount"][0]
    ana.refresh_from_db()
    assert ana.status == Status.CONFIRMED
    assert mail.outbox == []


def test_the_admin_refuses_the_mistyped_refund_before_cancelling(client_for, paid_with_waitlist):
    ana, ben = paid_with_waitlist

    with committed():
        page = client_for("Events").post(
            "/admin/events/registration/",
            {
                "action": "cancel_registrations",
                "_selected_action": [ana.pk],
                "apply": "1",
                "reason": "Typo",
                "refund": "part",
                "amount": "900.00",
            },
            follow=True,
        )

    assert "At most $90.00" in page.content.decode()
    ana.refresh_from_db()
    ben.refresh_from_db()
    assert (ana.status, ben.status) == (Status.CONFIRMED, Status.WAITLISTED)
    assert mail.outbox == []
