from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.gateways import FakeGateway, use_gateway
from core.exceptions import ServiceError, TransitionNotAllowed
from crm.models import Membership
from events.models import Event, Registration
from events.selectors import registration_waitlist_position
from events.services import (
    AttendeeDetails,
    event_cancel,
    holds_expire,
    registration_cancel,
    registration_check_in,
    registration_confirm_payment,
    registration_contact,
    registration_create,
    registration_undo_check_in,
    ticket_type_save,
    waitlist_promote,
)
from tests.factories import (
    AffiliationFactory,
    ContactFactory,
    MembershipFactory,
    OrganizationFactory,
    TicketTypeFactory,
)

pytestmark = pytest.mark.django_db
Status = Registration.Status


@pytest.fixture(autouse=True)
def fake_stripe():
    """Stripe configured, played by billing's in-memory fake."""
    with use_gateway(FakeGateway()) as gateway:
        yield gateway


def register(ticket, *, quantity=1, contact=None, organization_name="", attendees=(), now=None):
    return registration_create(
        event=ticket.event,
        ticket_type=ticket,
        contact=contact or ContactFactory(),
        quantity=quantity,
        organization_name=organization_name,
        attendees=attendees,
        now=now,
    )


def member_organization(name="Capitol Insurance Group"):
    organization = OrganizationFactory(name=name)
    MembershipFactory(organization=organization, status=Membership.Status.ACTIVE)
    return organization


@pytest.fixture
def free_ticket():
    return TicketTypeFactory(member_price=Decimal("0"), non_member_price=Decimal("0"), capacity=3)


@pytest.fixture
def paid_ticket():
    return TicketTypeFactory(
        member_price=Decimal("35.00"), non_member_price=Decimal("50.00"), capacity=3
    )


# --- Registering and pricing ------------------------------------------------------------------


def test_it_confirms_a_free_ticket_at_once(free_ticket):
    registration = register(free_ticket, quantity=2)

    assert registration.status == Status.CONFIRMED
    assert registration.total == Decimal("0.00")
    assert registration.hold_expires_at is None


def test_it_holds_seats_of_a_paid_ticket_until_the_hold_time(paid_ticket, settings):
    settings.EVENT_HOLD_MINUTES = 45
    now = timezone.now()

    registration = register(paid_ticket, quantity=2, now=now)

    assert registration.status == Status.PENDING_PAYMENT
    assert registration.price_each == Decimal("50.00")
    assert registration.total == Decimal("100.00")
    assert registration.hold_expires_at == now + timedelta(minutes=45)


def test_it_gives_the_member_price_to_a_contact_of_a_member_organization(paid_ticket):
    contact = AffiliationFactory(organization=member_organization()).contact

    registration = register(paid_ticket, quantity=2, contact=contact)

    assert registration.member_pricing is True
    assert registration.price_each == Decimal("35.00")
    assert registration.total == Decimal("70.00")


def test_it_gives_the_member_price_when_the_named_organization_is_a_member(paid_ticket):
    organization = member_organization("The Capitol Insurance Group, LLC")

    registration = register(paid_ticket, organization_name="capitol insurance group")

    assert registration.price_each == Decimal("35.00")
    assert registration.organization == organization
    assert registration.organization_name == "capitol insurance group"


def test_it_charges_the_non_member_price_when_the_membership_has_lapsed(paid_ticket):
    organization = OrganizationFactory(name="Lapsed Co")
    MembershipFactory(organization=organization, status=Membership.Status.LAPSED)
    contact = AffiliationFactory(organization=organization).contact

    registration = register(paid_ticket, contact=contact, organization_name="Lapsed Co")

    assert registration.price_each == Decimal("50.00")
    assert registration.member_pricing is False
    assert registration.organization == organization


def test_it_refuses_a_members_only_ticket_to_a_non_member_and_creates_nothing():
    ticket = TicketTypeFactory(members_only=True, name="Member lunch")

    with pytest.raises(ServiceError, match="member organizations only"):
        register(ticket, organization_name="Not A Member Inc")

    assert not Registration.objects.exists()


def test_it_sells_a_members_only_ticket_to_a_member():
    ticket = TicketTypeFactory(members_only=True)
    member_organization("Members Bank")

    registration = register(ticket, organization_name="Members Bank")

    assert registration.status == Status.PENDING_PAYMENT
    assert registration.price_each == ticket.member_price


def test_it_refuses_more_tickets_than_the_limit_per_registration():
    ticket = TicketTypeFactory(max_per_registration=4)

    with pytest.raises(ServiceError, match="At most 4") as caught:
        register(ticket, quantity=5)

    assert caught.value.field == "quantity"


def test_it_refuses_more_attendees_than_tickets(free_ticket):
    people = [AttendeeDetails("A", "One"), AttendeeDetails("B", "Two")]

    with pytest.raises(ServiceError, match="2 attendees were named for 1 tickets"):
        register(free_ticket, attendees=people)


def test_it_keeps_the_named_attendees_and_else_the_contact(free_ticket):
    contact = ContactFactory(first_name="Dana", last_name="Ortiz")
    named = register(free_ticket, quantity=2, attendees=[AttendeeDetails("Lee", "Park", "L@X.org")])
    alone = register(free_ticket, contact=contact)

    assert [(a.first_name, a.email) for a in named.attendees.all()] == [("Lee", "l@x.org")]
    assert [str(a) for a in alone.attendees.all()] == ["Dana Ortiz"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"status": Event.Status.DRAFT}, "not open for registration"),
        ({"status": Event.Status.CANCELLED}, "is cancelled"),
        ({"registration_closes_at": timezone.now() - timedelta(hours=1)}, "is closed"),
        ({"registration_opens_at": timezone.now() + timedelta(days=2)}, "opens"),
    ],
)
def test_it_refuses_registration_when_it_is_not_open(free_ticket, changes, message):
    Event.objects.filter(pk=free_ticket.event_id).update(**changes)

    with pytest.raises(ServiceError, match=message):
        register(free_ticket)

    assert not Registration.objects.exists()


def test_it_refuses_registration_once_the_event_has_started(free_ticket):
    with pytest.raises(ServiceError, match="is closed"):
        register(free_ticket, now=free_ticket.event.starts_at + timedelta(minutes=1))


# --- Capacity and the waitlist ----------------------------------------------------------------


def test_it_waitlists_when_sold_out_and_numbers_the_line(free_ticket):
    register(free_ticket, quantity=3)

    first = register(free_ticket, quantity=2)
    second = register(free_ticket)

    assert (first.status, second.status) == (Status.WAITLISTED, Status.WAITLISTED)
    assert registration_waitlist_position(first) == 1
    assert registration_waitlist_position(second) == 2


def test_it_waitlists_a_party_bigger_than_the_seats_left(free_ticket):
    register(free_ticket, quantity=2)

    registration = register(free_ticket, quantity=2)

    assert registration.status == Status.WAITLISTED


def test_it_refuses_when_sold_out_and_the_event_keeps_no_waitlist(free_ticket):
    Event.objects.filter(pk=free_ticket.event_id).update(waitlist_enabled=False)
    register(free_ticket, quantity=3)

    with pytest.raises(ServiceError, match="sold out"):
        register(free_ticket)

    assert Registration.objects.count() == 1


def test_it_promotes_the_first_waiting_party_that_fits_when_someone_cancels(free_ticket):
    pair = register(free_ticket, quantity=2)
    register(free_ticket)
    big = register(free_ticket, quantity=3)  # waits: 3 seats will never be free at once here
    small = register(free_ticket, quantity=2)

    registration_cancel(registration=pair, reason="Cannot make it")

    big.refresh_from_db()
    small.refresh_from_db()
    assert big.status == Status.WAITLISTED
    assert registration_waitlist_position(big) == 1
    assert small.status == Status.CONFIRMED
    assert small.status_reason == "Promoted from the waitlist."


def test_it_gives_a_promoted_paid_party_a_payment_deadline(paid_ticket, settings):
    settings.EVENT_WAITLIST_OFFER_HOURS = 24
    holder = register(paid_ticket, quantity=3)
    waiting = register(paid_ticket, quantity=1)
    now = timezone.now()

    registration_cancel(registration=holder, reason="Changed plans", now=now)

    waiting.refresh_from_db()
    assert waiting.status == Status.PENDING_PAYMENT
    assert waiting.hold_expires_at == now + timedelta(hours=24)


def test_it_never_sets_a_payment_deadline_after_the_event_starts(paid_ticket, settings):
    settings.EVENT_WAITLIST_OFFER_HOURS = 24 * 60
    holder = register(paid_ticket, quantity=3)
    waiting = register(paid_ticket)

    registration_cancel(registration=holder, reason="Changed plans")

    waiting.refresh_from_db()
    assert waiting.hold_expires_at == paid_ticket.event.starts_at


def test_it_promotes_nobody_when_nothing_is_free(free_ticket):
    register(free_ticket, quantity=3)
    waiting = register(free_ticket)

    assert waitlist_promote(ticket_type=free_ticket) == []
    waiting.refresh_from_db()
    assert waiting.status == Status.WAITLISTED


def test_it_gives_new_capacity_to_the_waitlist(free_ticket):
    register(free_ticket, quantity=3)
    waiting = register(free_ticket, quantity=2)

    free_ticket.capacity = 5
    ticket_type_save(ticket_type=free_ticket)

    waiting.refresh_from_db()
    assert waiting.status == Status.CONFIRMED


def test_it_refuses_a_capacity_below_the_seats_taken(free_ticket):
    register(free_ticket, quantity=2)
    free_ticket.capacity = 1

    with pytest.raises(ServiceError, match="2 seats are already taken"):
        ticket_type_save(ticket_type=free_ticket)

    free_ticket.refresh_from_db()
    assert free_ticket.capacity == 3


# --- Unpaid holds -----------------------------------------------------------------------------


def test_it_releases_expired_holds_to_the_waitlist_once(paid_ticket):
    now = timezone.now()
    stale = register(paid_ticket, quantity=2, now=now - timedelta(hours=2))
    fresh = register(paid_ticket, quantity=1, now=now)
    waiting = register(paid_ticket, quantity=2, now=now)

    expired = holds_expire(now=now)
    again = holds_expire(now=now)

    assert [r.pk for r in expired] == [stale.pk]
    assert again == []
    stale.refresh_from_db()
    fresh.refresh_from_db()
    waiting.refresh_from_db()
    assert stale.status == Status.CANCELLED
    assert "Not paid in time" in stale.status_reason
    assert fresh.status == Status.PENDING_PAYMENT
    assert waiting.status == Status.PENDING_PAYMENT


def test_it_leaves_a_hold_that_was_paid_before_it_expired(paid_ticket):
    now = timezone.now()
    registration = register(paid_ticket, now=now - timedelta(hours=2))
    registration_confirm_payment(registration=registration)

    assert holds_expire(now=now) == []
    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED


# --- Payment ----------------------------------------------------------------------------------


def test_it_confirms_a_paid_registration_once(paid_ticket):
    registration = register(paid_ticket)

    registration_confirm_payment(registration=registration)
    registration_confirm_payment(registration=registration)

    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED
    assert registration.hold_expires_at is None
    assert registration.history.filter(status=Status.CONFIRMED).count() == 1


def test_it_confirms_a_late_payment_when_the_seats_are_still_free(paid_ticket):
    now = timezone.now()
    registration = register(paid_ticket, now=now - timedelta(hours=2))
    holds_expire(now=now)

    registration_confirm_payment(registration=registration)

    assert registration.status == Status.CONFIRMED
    assert "hold had lapsed" in registration.status_reason


def test_it_asks_for_a_refund_when_a_late_payment_finds_the_seats_taken(paid_ticket):
    now = timezone.now()
    registration = register(paid_ticket, quantity=2, now=now - timedelta(hours=2))
    holds_expire(now=now)
    register(paid_ticket, quantity=3, now=now)

    registration_confirm_payment(registration=registration)

    registration.refresh_from_db()
    assert registration.status == Status.CANCELLED
    assert "refund the payment" in registration.status_reason


# --- Cancelling -------------------------------------------------------------------------------


def test_it_lets_the_registrant_cancel_before_the_cutoff_only(free_ticket):
    event = free_ticket.event
    early = register(free_ticket)
    late = register(free_ticket)

    registration_cancel(
        registration=early,
        reason="Cancelled by the registrant",
        by_registrant=True,
        now=event.cancellation_cutoff - timedelta(minutes=1),
    )
    with pytest.raises(ServiceError, match="can be cancelled online until"):
        registration_cancel(
            registration=late,
            reason="Cancelled by the registrant",
            by_registrant=True,
            now=event.cancellation_cutoff,
        )

    assert early.status == Status.CANCELLED
    late.refresh_from_db()
    assert late.status == Status.CONFIRMED


def test_it_lets_staff_cancel_after_the_cutoff(free_ticket):
    registration = register(free_ticket)

    registration_cancel(
        registration=registration,
        reason="Called the office",
        now=free_ticket.event.starts_at - timedelta(minutes=5),
    )

    assert registration.status == Status.CANCELLED
    assert registration.status_reason == "Called the office"


def test_it_needs_a_reason_to_cancel(free_ticket):
    registration = register(free_ticket)

    with pytest.raises(ServiceError, match="Say why"):
        registration_cancel(registration=registration, reason="  ")


def test_it_does_nothing_when_cancelling_twice(free_ticket):
    registration = register(free_ticket)
    registration_cancel(registration=registration, reason="first")

    registration_cancel(registration=registration, reason="second")

    assert registration.status_reason == "first"


# --- Check-in ---------------------------------------------------------------------------------


def test_it_checks_in_a_confirmed_party_once(free_ticket, make_staff):
    registration = register(free_ticket)
    staff = make_staff("Events")

    registration_check_in(registration=registration, by=staff)
    first_time = registration.checked_in_at
    registration_check_in(registration=registration, by=staff)

    assert registration.status == Status.CHECKED_IN
    assert registration.checked_in_by == staff
    assert registration.checked_in_at == first_time


def test_it_refuses_to_check_in_an_unpaid_registration(paid_ticket):
    registration = register(paid_ticket)

    with pytest.raises(TransitionNotAllowed, match="awaiting payment"):
        registration_check_in(registration=registration)


def test_it_undoes_a_check_in_and_refuses_to_cancel_a_checked_in_party(free_ticket):
    registration = register(free_ticket)
    registration_check_in(registration=registration)

    with pytest.raises(TransitionNotAllowed, match="undo the check-in"):
        registration_cancel(registration=registration, reason="mistake")
    registration_undo_check_in(registration=registration)

    assert registration.status == Status.CONFIRMED
    assert registration.checked_in_at is None


# --- Cancelling an event ----------------------------------------------------------------------


def test_it_cancels_every_standing_registration_with_the_event(paid_ticket):
    confirmed = register(paid_ticket)
    registration_confirm_payment(registration=confirmed)
    pending = register(paid_ticket, quantity=2)
    waiting = register(paid_ticket)
    gone = register(paid_ticket)  # waitlisted, then cancelled by the person
    registration_cancel(registration=gone, reason="changed plans")

    result = event_cancel(event=paid_ticket.event, reason="The venue flooded")

    assert {r.pk for r in result.cancelled} == {confirmed.pk, pending.pk, waiting.pk}
    assert result.problems == []
    assert set(Registration.objects.values_list("status", flat=True)) == {Status.CANCELLED}
    confirmed.refresh_from_db()
    assert confirmed.status_reason == "The event was cancelled: The venue flooded"
    gone.refresh_from_db()
    assert gone.status_reason == "changed plans"
    assert event_cancel(event=paid_ticket.event, reason="again").cancelled == []
    with pytest.raises(ServiceError, match="is cancelled"):
        register(paid_ticket)


def test_it_needs_a_reason_to_cancel_an_event(free_ticket):
    with pytest.raises(ServiceError, match="Say why"):
        event_cancel(event=free_ticket.event, reason="")

    free_ticket.event.refresh_from_db()
    assert free_ticket.event.status == Event.Status.PUBLISHED


# --- Contacts ---------------------------------------------------------------------------------


def test_it_reuses_the_contact_with_the_same_email_without_changing_it():
    existing = ContactFactory(first_name="Robin", last_name="Lee", email="robin@lee.example")

    contact = registration_contact(first_name="Bobby", last_name="X", email=" ROBIN@lee.example ")

    assert contact == existing
    contact.refresh_from_db()
    assert contact.first_name == "Robin"


def test_it_creates_a_contact_for_a_new_email():
    contact = registration_contact(first_name=" Ana ", last_name="Diaz", email="Ana@Diaz.example")

    assert (contact.first_name, contact.email) == ("Ana", "ana@diaz.example")
