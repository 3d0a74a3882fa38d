"""Capacity under real concurrency: PostgreSQL row locks, one connection per thread."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from events.models import Registration
from events.selectors import registration_waitlist_position
from events.services import registration_cancel, registration_create
from tests.factories import ContactFactory, TicketTypeFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
Status = Registration.Status


def run_together(calls):
    """Start every call at the same moment, each on its own thread and connection."""
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(call):
        try:
            barrier.wait()
            call()
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors


def test_it_sells_exactly_the_capacity_to_fifty_concurrent_registrations():
    ticket = TicketTypeFactory(capacity=10, member_price=Decimal(0), non_member_price=Decimal(0))
    contacts = [ContactFactory() for _ in range(50)]

    run_together(
        [
            lambda contact=contact: registration_create(
                event=ticket.event, ticket_type=ticket, contact=contact
            )
            for contact in contacts
        ]
    )

    registrations = list(Registration.objects.filter(ticket_type=ticket).order_by("pk"))
    assert len(registrations) == 50
    confirmed = [r for r in registrations if r.status == Status.CONFIRMED]
    waitlisted = [r for r in registrations if r.status == Status.WAITLISTED]
    assert len(confirmed) == 10
    assert len(waitlisted) == 40
    # Arrival order is the order the lock served them: the first ten served got the seats, and
    # the waitlist runs 1 to 40 in the same order.
    assert registrations[:10] == confirmed
    assert [registration_waitlist_position(r) for r in waitlisted] == list(range(1, 41))


def test_it_never_gives_one_freed_seat_twice_under_concurrent_cancellations():
    ticket = TicketTypeFactory(capacity=4, member_price=Decimal(0), non_member_price=Decimal(0))
    holders = [
        registration_create(event=ticket.event, ticket_type=ticket, contact=ContactFactory())
        for _ in range(4)
    ]
    waiting = [
        registration_create(
            event=ticket.event, ticket_type=ticket, contact=ContactFactory(), quantity=2
        )
        for _ in range(3)
    ]

    calls = [
        lambda r=r: registration_cancel(registration=r, reason="cannot come") for r in holders[:3]
    ]
    calls += [
        lambda: registration_create(
            event=ticket.event, ticket_type=ticket, contact=ContactFactory()
        )
        for _ in range(3)
    ]
    run_together(calls)

    held = sum(
        r.quantity
        for r in Registration.objects.filter(
            ticket_type=ticket, status__in=Registration.HOLDING_STATUSES
        )
    )
    assert held <= 4
    statuses = [Registration.objects.get(pk=r.pk).status for r in waiting]
    # Freed seats go to the waitlist in order: a pair is never served before the pair ahead.
    served = [status == Status.CONFIRMED for status in statuses]
    assert served == sorted(served, reverse=True)


def test_it_never_gives_more_comp_seats_than_granted_to_concurrent_registrations():
    from datetime import timedelta

    from django.utils import timezone

    from crm.models import BenefitUsage, Pledge
    from crm.selectors.benefits import organization_benefits_of
    from tests.factories import AffiliationFactory, BenefitGrantFactory, PledgeFactory

    grant = BenefitGrantFactory(quantity=3)
    organization = PledgeFactory(
        level=grant.level,
        status=Pledge.Status.CONFIRMED,
        start_date=timezone.localdate() - timedelta(days=30),
        term_years=2,
    ).organization
    # Twelve luncheons: each registration takes its own capacity lock, so only the
    # organization's lock stands between them and its three seats.
    tickets = [TicketTypeFactory(tags="luncheon") for _ in range(12)]
    people = [
        AffiliationFactory(organization=organization, is_primary=i == 0).contact for i in range(12)
    ]

    run_together(
        [
            lambda contact=contact, ticket=ticket: registration_create(
                event=ticket.event,
                ticket_type=ticket,
                contact=contact,
                organization_name=organization.name,
            )
            for contact, ticket in zip(people, tickets, strict=True)
        ]
    )

    registrations = list(Registration.objects.filter(organization=organization))
    assert len(registrations) == 12
    comp = [r for r in registrations if r.comp_seats]
    assert len(comp) == 3
    assert {r.status for r in comp} == {Status.CONFIRMED}
    assert {r.status for r in registrations if not r.comp_seats} == {Status.PENDING_PAYMENT}
    assert BenefitUsage.objects.filter(organization=organization).count() == 3
    [seats] = organization_benefits_of(organization, today=timezone.localdate()).entitlements
    assert (seats.used, seats.left) == (3, 0)

    # Cancelling them all at once gives every seat back, once.
    run_together(
        [
            lambda registration=registration: registration_cancel(
                registration=registration, reason="Plans changed"
            )
            for registration in comp
        ]
    )
    [seats] = organization_benefits_of(organization, today=timezone.localdate()).entitlements
    assert (seats.used, seats.left) == (0, 3)
