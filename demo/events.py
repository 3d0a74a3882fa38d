"""Upcoming events for the demo: an evening open to everyone, a members-only breakfast, an
annual luncheon nearly sold out with people on its waitlist, and a free coffee. Registrations
are written through the services (a few paid by check through billing), from people of the
demo's organizations; an event whose slug is already there is left alone."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from billing.models import Payment
from billing.services import payment_record_offline
from crm.models import Affiliation, Contact, Membership
from crm.services.organizations import contact_save
from demo import DemoContext
from events.models import Event, TicketType
from events.selectors import registration_invoice
from events.services import event_save, registration_create, ticket_type_save


@dataclass(frozen=True)
class TicketSpec:
    code: str
    name: str
    member_price: str
    non_member_price: str
    capacity: int
    members_only: bool = False


@dataclass(frozen=True)
class EventSpec:
    slug: str
    title: str
    days_ahead: int
    start: time
    hours: float
    venue: str
    description: str
    tickets: tuple[TicketSpec, ...]
    # (ticket code, party sizes): registered in this order, so the last ones may wait.
    parties: tuple[tuple[str, tuple[int, ...]], ...] = ()
    paid_by_check: int = 0  # how many of the first paid registrations sent their check


EVENTS = (
    EventSpec(
        slug="business-after-hours-wadsworth",
        title="Business After Hours at the Wadsworth",
        days_ahead=16,
        start=time(17, 30),
        hours=2,
        venue="Wadsworth Atheneum Museum of Art, 600 Main Street, Hartford",
        description="An evening of networking among the galleries, with light fare and a cash "
        "bar. Bring business cards and a colleague.",
        tickets=(TicketSpec("general", "General admission", "25.00", "40.00", 150),),
        parties=(("general", (1, 2, 1, 1, 3, 1, 2, 1)),),
        paid_by_check=3,
    ),
    EventSpec(
        slug="economic-outlook-breakfast",
        title="Members' Economic Outlook Breakfast",
        days_ahead=23,
        start=time(7, 30),
        hours=1.5,
        venue="Hartford Marriott Downtown, 200 Columbus Boulevard, Hartford",
        description="The region's economists on jobs, housing and the year ahead. For people of "
        "member organizations.",
        tickets=(
            TicketSpec("member", "Member seat", "35.00", "35.00", 80, members_only=True),
            TicketSpec("member-table", "Member table of 8", "260.00", "260.00", 5, True),
        ),
        parties=(("member", (1, 1, 2, 1)),),
    ),
    EventSpec(
        slug="annual-meeting-awards-luncheon",
        title="Annual Meeting & Awards Luncheon",
        days_ahead=37,
        start=time(11, 30),
        hours=2.5,
        venue="Connecticut Convention Center, 100 Columbus Boulevard, Hartford",
        description="The year in review, the chamber's awards and a keynote. Nearly sold out: "
        "join the waitlist and we will email you if a place opens up.",
        tickets=(TicketSpec("luncheon", "Luncheon seat", "65.00", "95.00", 42),),
        parties=(("luncheon", (2, 4, 3, 2, 1, 4, 2, 3, 2, 1, 4, 2, 3, 2, 1, 2, 3, 2, 3, 2)),),
        paid_by_check=6,
    ),
    EventSpec(
        slug="young-professionals-coffee",
        title="Hartford Young Professionals Coffee",
        days_ahead=9,
        start=time(8, 0),
        hours=1,
        venue="Story and Soil Coffee, 190 Trumbull Street, Hartford",
        description="Coffee and conversation for professionals early in their careers. Free.",
        tickets=(TicketSpec("free", "Free admission", "0.00", "0.00", 30),),
        parties=(("free", (1, 1, 1, 2, 1)),),
    ),
)


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
    made = []
    totals = {"registrations": 0, "waitlisted": 0}
    for spec in EVENTS:
        if Event.objects.filter(slug=spec.slug).exists():
            continue
        starts = _at(ctx.today + timedelta(days=spec.days_ahead), spec.start)
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
                        received_on=ctx.today,
                        by=ctx.staff.get("finance") or by,
                    )
        made.append(spec.title)
    if not made:
        return "events: all demo events already there; nothing added"
    return (
        f"events: {len(made)} upcoming events, {totals['registrations']} registrations "
        f"({totals['waitlisted']} on a waitlist)"
    )
