"""Events for the demo: past ones (registered for and paid by check in their time, for the event
revenue report) and upcoming ones: an evening open to everyone, a members-only breakfast, an
annual luncheon nearly sold out with people on its waitlist, and a free coffee. Registrations
are written through the services (a few paid by check through billing), from people of the
demo's organizations; an event whose slug is already there is left alone."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from billing.models import Payment
from billing.services import payment_record_offline
from crm.models import Affiliation, Contact, Membership
from crm.services.organizations import contact_save
from demo import clock
from demo.context import DemoContext
from demo.data.events import EVENTS, EventSpec
from events.models import Event, TicketType
from events.selectors import registration_invoice
from events.services import event_save, registration_create, ticket_type_save


def _at(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


def _people(ctx: DemoContext) -> list[tuple[Contact, str]]:
    """People of member organizations (and their organization's name), in a stable order."""
    affiliations = (
        Affiliation.objects.filter(
            organization__memberships__status__in=Membership.CURRENT_STATUSES
        )
        .exclude(contact__email="")
        .select_related("contact", "organization")
        .order_by("contact__email")
        .distinct()
    )
    people = [(a.contact, a.organization.name) for a in affiliations]
    ctx.random("events").shuffle(people)
    return people


def _guest(number: int) -> Contact:
    email = f"guest{number}@events.example.org"
    contact = Contact.objects.filter(email=email).first()
    return contact or contact_save(
        contact=Contact(
            first_name=("Jordan", "Avery", "Morgan", "Riley")[number % 4],
            last_name=("Nguyen", "Brooks", "Coleman", "Shah")[number // 4 % 4],
            email=email,
        )
    )


def seed(ctx: DemoContext) -> str:
    by = ctx.staff.get("events") or ctx.staff.get("admin")
    people = _people(ctx)
    used = 0
    made: list[str] = []
    past: list[str] = []
    totals = {"registrations": 0, "waitlisted": 0}
    for spec in EVENTS:
        if Event.objects.filter(slug=spec.slug).exists():
            continue
        starts = _at(ctx.today + timedelta(days=spec.days_ahead), spec.start)
        # A past event was announced, registered for and paid three weeks before it.
        day = starts.date() - timedelta(days=21) if spec.days_ahead < 0 else ctx.today
        with clock.on(day):
            used = _event(ctx, spec, starts, day, people, used, totals, by)
        (past if spec.days_ahead < 0 else made).append(spec.title)
    if not made and not past:
        return "events: all demo events already there; nothing added"
    return (
        f"events: {len(made)} upcoming events and {len(past)} past ones, "
        f"{totals['registrations']} registrations ({totals['waitlisted']} on a waitlist)"
    )


def _event(
    ctx: DemoContext,
    spec: EventSpec,
    starts: datetime,
    day: date,
    people: list[tuple[Contact, str]],
    used: int,
    totals: dict[str, int],
    by: Any,
) -> int:
    """One event with its tickets and registrations, on `day`; how many people are used."""
    event = event_save(
        event=Event(
            slug=spec.slug,
            title=spec.title,
            description=spec.description,
            venue=spec.venue,
            starts_at=starts,
            ends_at=starts + timedelta(hours=spec.hours),
            status=Event.Status.PUBLISHED,
        ),
        by=by,
    )
    tickets = {}
    for order, ticket in enumerate(spec.tickets):
        tickets[ticket.code] = ticket_type_save(
            ticket_type=TicketType(
                event=event,
                code=ticket.code,
                name=ticket.name,
                member_price=Decimal(ticket.member_price),
                non_member_price=Decimal(ticket.non_member_price),
                capacity=ticket.capacity,
                members_only=ticket.members_only,
                max_per_registration=8,
                sort_order=order,
            ),
            by=by,
        )
    checks = 0
    for code, sizes in spec.parties:
        for size in sizes:
            if used < len(people):
                contact, organization = people[used]
            else:
                contact, organization = _guest(used), ""
            used += 1
            registration = registration_create(
                event=event,
                ticket_type=tickets[code],
                contact=contact,
                quantity=size,
                organization_name=organization,
                notify=False,
                by=by,
                seat_limit=False,
            )
            totals["registrations"] += 1
            totals["waitlisted"] += registration.status == "waitlisted"
            invoice = registration_invoice(registration)
            if invoice is not None and checks < spec.paid_by_check:
                checks += 1
                payment_record_offline(
                    invoice=invoice,
                    amount=invoice.total,
                    method=Payment.Method.CHECK,
                    check_number=str(4100 + used),
                    received_on=day,
                    by=ctx.staff.get("finance") or by,
                )
    return used
