"""Webhooks end to end: each action's service announces its event once, signed so that the
standardwebhooks library verifies it, to an HTTP server on 127.0.0.1; a failing endpoint is
retried on its schedule and finally marked failed while the action stands; a delivery can be
replayed; no payload carries more than the public directory shows."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from standardwebhooks import Webhook

from billing import services as billing
from crm import services as crm
from crm.models import Membership, Pledge
from crm.services.applications import investment_confirm
from events.models import Registration
from events.services import registration_cancel, registration_create
from outreach.models import ConsentRecord, NewsletterList
from outreach.services import (
    ConsentSource,
    subscription_confirm,
    subscription_request,
    subscription_unsubscribe,
)
from tests.api.staff.conftest import make_invoice
from tests.factories import (
    ContactFactory,
    MembershipFactory,
    OrganizationFactory,
    PledgeFactory,
    TicketTypeFactory,
)
from webhooks.events import EVENT_TYPES
from webhooks.models import WebhookDelivery
from webhooks.services import MAX_ATTEMPTS, RETRY_DELAYS, webhook_delivery_replay


@pytest.fixture(autouse=True)
def _hartbeat_list(hartbeat):
    """Every test here may sign up to the HartBeat (see tests/conftest.py)."""


pytestmark = pytest.mark.django_db

FORBIDDEN_KEYS = {"email", "phone", "notes", "note", "status_reason", "reason", "memo"}
WEBSITE = ConsentSource(source=ConsentRecord.Source.WEBSITE, ip_address="203.0.113.7")


def keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys(v)}
    return set()


def member(**organization):
    organization = OrganizationFactory(
        name="Riverfront Bakery",
        phone="860-555-0100",
        directory_listed=True,
        city="Hartford",
        **organization,
    )
    return MembershipFactory(organization=organization, status=Membership.Status.APPROVED)


def run_every_action(committed) -> dict[str, int]:
    """Each action once; returns the id of the record each event is about."""
    subjects = {}
    membership = member()
    with committed():
        crm.membership_record_payment(membership=membership, period_end=date(2026, 12, 31))
    subjects["membership.activated"] = membership.pk
    with committed():
        crm.membership_record_payment(membership=membership, period_end=date(2027, 12, 31))
    subjects["membership.renewed"] = membership.pk
    with committed():
        organization = membership.organization
        organization.industry = "Food and drink"
        crm.organization_save(organization=organization)
    subjects["organization.updated"] = organization.pk

    lapsing = MembershipFactory(status=Membership.Status.ACTIVE, paid_through=date(2026, 1, 31))
    with committed():
        crm.membership_enter_grace(membership=lapsing)
        crm.membership_lapse(membership=lapsing)
    subjects["membership.lapsed"] = lapsing.pk
    dropped = MembershipFactory(status=Membership.Status.ACTIVE)
    with committed():
        crm.membership_cancel(membership=dropped, reason="Closed the business; call notes here")
    subjects["membership.cancelled"] = dropped.pk

    ticket = TicketTypeFactory(member_price=Decimal("0"), non_member_price=Decimal("0"))
    with committed():
        registration = registration_create(
            event=ticket.event, ticket_type=ticket, contact=ContactFactory(phone="860-555-0199")
        )
    assert registration.status == Registration.Status.CONFIRMED
    subjects["registration.confirmed"] = registration.pk
    with committed():
        registration_cancel(registration=registration, reason="Cannot come")
    subjects["registration.cancelled"] = registration.pk

    invoice = make_invoice()
    with committed():
        billing.payment_record_offline(
            invoice=invoice,
            amount=invoice.total,
            method="check",
            received_on=timezone.localdate(),
            check_number="1001",
        )
    subjects["invoice.paid"] = invoice.pk

    pledge = PledgeFactory()
    with committed():
        investment_confirm(pledge=pledge)
    assert pledge.status == Pledge.Status.CONFIRMED
    subjects["pledge.confirmed"] = pledge.pk

    hartbeat = NewsletterList.objects.get(code="hartbeat")
    with committed():
        subscription = subscription_request(
            newsletter=hartbeat, email="dana@riverfront.example", consent=WEBSITE
        )
    with committed():
        subscription_confirm(subscription=subscription, consent=WEBSITE)
    subjects["subscription.confirmed"] = subscription.pk
    with committed():
        subscription_unsubscribe(subscription=subscription, consent=WEBSITE)
    subjects["subscription.cancelled"] = subscription.pk
    return subjects


def subject_id(received) -> int:
    data = received.json["data"]
    kind = received.json["type"].split(".")[0]
    return data[kind]["id"]


def test_it_delivers_each_event_type_once_per_change_signed(endpoint, receiver, committed):
    subjects = run_every_action(committed)

    assert set(subjects) == set(EVENT_TYPES)
    for event_type, pk in subjects.items():
        about = [r for r in receiver.of_type(event_type) if subject_id(r) == pk]
        assert len(about) == 1, (event_type, [r.json for r in receiver.of_type(event_type)])
    # The membership paid by make_invoice's invoice activates too; nothing else arrives twice.
    seen = [(r.json["type"], subject_id(r)) for r in receiver.requests]
    assert len(seen) == len(set(seen))
    verifier = Webhook(endpoint.secret)
    for received in receiver.requests:
        assert verifier.verify(received.body, received.headers) == received.json
        assert received.headers["webhook-id"].startswith("msg_")
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"succeeded"}
    delivery = WebhookDelivery.objects.first()
    assert delivery.attempts == 1 and delivery.response_code == 204
    assert delivery.duration_ms is not None


def test_it_refuses_a_tampered_body_or_another_secret(endpoint, receiver, committed):
    membership = member()
    with committed():
        crm.membership_record_payment(membership=membership, period_end=date(2026, 12, 31))
    (received,) = receiver.requests

    with pytest.raises(Exception, match="signature"):
        Webhook(endpoint.secret).verify(
            received.body.replace(b"active", b"lapsed"), received.headers
        )
    with pytest.raises(Exception, match="signature"):
        Webhook("whsec_" + "A" * 43 + "=").verify(received.body, received.headers)


def test_it_sends_only_what_the_directory_shows(endpoint, receiver, committed):
    run_every_action(committed)

    for received in receiver.requests:
        if received.json["type"].startswith("subscription."):
            # The list's own record, for the mailing platform that sends it (docs/webhooks.md).
            assert set(received.json["data"]["subscriber"]) == {"email", "first_name", "last_name"}
            continue
        assert not keys(received.json) & FORBIDDEN_KEYS, received.json
        assert b"860-555" not in received.body
        assert b"call notes" not in received.body


def test_it_names_an_organization_only_when_it_is_listed(endpoint, receiver, committed):
    unlisted = MembershipFactory(
        organization=OrganizationFactory(name="Quiet Holdings", directory_listed=False),
        status=Membership.Status.APPROVED,
    )
    with committed():
        crm.membership_record_payment(membership=unlisted, period_end=date(2026, 12, 31))

    (received,) = receiver.requests
    assert received.json["data"]["organization"] == {
        "id": unlisted.organization_id,
        "name": None,
        "directory_listed": False,
    }
    assert b"Quiet Holdings" not in received.body


def test_it_announces_only_directory_changes_of_members(endpoint, receiver, committed):
    membership = member()
    with committed():
        crm.membership_record_payment(membership=membership, period_end=date(2026, 12, 31))
    organization = membership.organization
    receiver.requests.clear()

    with committed():
        organization.phone = "860-555-0111"  # not a directory field
        crm.organization_save(organization=organization)
    assert receiver.requests == []

    with committed():
        organization.directory_listed = False
        crm.organization_save(organization=organization)
    (left,) = receiver.requests
    assert left.json["data"]["organization"] == {"id": organization.pk, "directory_listed": False}

    prospect = OrganizationFactory(directory_listed=True)
    with committed():
        prospect.city = "Middletown"
        crm.organization_save(organization=prospect)
    assert len(receiver.requests) == 1  # not a member: not in the directory


def test_it_sends_nothing_to_an_inactive_endpoint_or_for_an_event_not_chosen(
    endpoint, receiver, committed
):
    endpoint.event_types = ["invoice.paid"]
    endpoint.save()
    membership = member()
    with committed():
        crm.membership_record_payment(membership=membership, period_end=date(2026, 12, 31))
    assert receiver.requests == []
    assert not WebhookDelivery.objects.exists()


def test_it_retries_a_failing_endpoint_then_marks_it_failed_and_the_action_stands(
    endpoint, receiver, committed
):
    receiver.status = 500
    membership = member()
    start = timezone.now()

    with time_machine.travel(start, tick=False), committed():
        crm.membership_record_payment(membership=membership, period_end=date(2026, 12, 31))

    membership.refresh_from_db()
    assert membership.status == Membership.Status.ACTIVE  # the action is done regardless
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert delivery.attempts == 1
    assert delivery.response_code == 500
    assert delivery.next_attempt_at == start + RETRY_DELAYS[0]

    # Not due yet: the retry job leaves it alone.
    with time_machine.travel(start + RETRY_DELAYS[0] - timedelta(seconds=1), tick=False):
        call_command("webhook_retry", stdout=io.StringIO())
    assert WebhookDelivery.objects.get().attempts == 1

    now = start
    for delay in RETRY_DELAYS:
        now += delay
        with time_machine.travel(now, tick=False):
            call_command("webhook_retry", stdout=io.StringIO())
    delivery.refresh_from_db()
    assert delivery.attempts == MAX_ATTEMPTS == len(receiver.requests)
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.next_attempt_at is None
    assert "HTTP 500" in delivery.last_error
    assert now - start < timedelta(days=1)
    # Every attempt was the same message.
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1

    # Later runs of the job leave a failed delivery alone.
    with time_machine.travel(now + timedelta(days=2), tick=False):
        call_command("webhook_retry", stdout=io.StringIO())
    assert len(receiver.requests) == MAX_ATTEMPTS


def test_it_records_an_endpoint_that_does_not_answer(db, committed, settings):
    from webhooks.models import WebhookEndpoint

    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    WebhookEndpoint.objects.create(url="http://127.0.0.1:9/nothing", event_types=list(EVENT_TYPES))
    membership = member()

    with committed():
        crm.membership_record_payment(membership=membership, period_end=date(2026, 12, 31))

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert delivery.response_code is None
    assert delivery.last_error  # connection refused, said in words


def test_it_replays_a_delivery_with_the_same_message(endpoint, receiver, committed):
    receiver.status = 503
    membership = member()
    with committed():
        crm.membership_record_payment(membership=membership, period_end=date(2026, 12, 31))
    failed = WebhookDelivery.objects.get()
    receiver.status = 200

    with committed():
        replay = webhook_delivery_replay(delivery=failed)

    replay.refresh_from_db()
    assert replay.status == WebhookDelivery.Status.SUCCEEDED
    assert replay.replay_of == failed
    first, second = receiver.requests
    assert first.body == second.body
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert Webhook(endpoint.secret).verify(second.body, second.headers)
