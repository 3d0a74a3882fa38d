"""Events, their ticket types, registrations and attendees for the benchmark's data set (when
events exist), and the shift that keeps them upcoming whenever the benchmark runs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.apps import apps
from django.db import connection
from django.utils import timezone

from bench.seed import TODAY, bulk, reference

if TYPE_CHECKING:
    from bench.seed import Seeder

KINDS = [
    ("Business Breakfast", "Hartford Marriott Downtown", Decimal("35.00"), Decimal("50.00")),
    ("Networking After Hours", "Colt Gateway", Decimal("0.00"), Decimal("15.00")),
    ("Annual Meeting", "Connecticut Convention Center", Decimal("95.00"), Decimal("140.00")),
    ("Leadership Forum", "The Bushnell", Decimal("60.00"), Decimal("85.00")),
    ("Small Business Workshop", "Hartford Public Library", Decimal("0.00"), Decimal("0.00")),
]
STATUSES = [
    ("confirmed", 0.78),
    ("pending_payment", 0.06),
    ("waitlisted", 0.04),
    ("cancelled", 0.07),
    ("checked_in", 0.05),
]


def events(seeder: Seeder) -> int:
    """Events every few days from four months before the data set's "today" to eight months
    after, two ticket types each (general admission with room to spare, a members-only
    table), and registrations spread over them."""
    Event = apps.get_model("events", "Event")
    TicketType = apps.get_model("events", "TicketType")
    Registration = apps.get_model("events", "Registration")
    Attendee = apps.get_model("events", "Attendee")
    Contact = apps.get_model("crm", "Contact")

    rng = seeder.rng
    n = seeder.sizes.events
    start = datetime.combine(TODAY - timedelta(days=120), time(12), UTC)
    step = timedelta(days=max(1, 360 // n))

    def event_rows() -> Iterator:
        for i in range(n):
            title, venue, _m, _nm = KINDS[i % len(KINDS)]
            starts = start + step * i + timedelta(hours=rng.randint(-4, 6))
            yield Event(
                slug=f"bench-{i}-{title.lower().replace(' ', '-')}",
                title=f"{title} {i}",
                venue=venue,
                description=f"{title} of the MetroHartford Alliance.",
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                status="published" if i % 20 else "draft",
                waitlist_enabled=i % 3 != 0,
            )

    count = bulk(Event, event_rows())
    event_ids = list(Event.objects.order_by("pk").values_list("pk", flat=True))
    per_event = max(1, seeder.sizes.registrations // max(1, len(event_ids)))

    def ticket_rows() -> Iterator:
        for i, event_id in enumerate(event_ids):
            _title, _venue, member, non_member = KINDS[i % len(KINDS)]
            yield TicketType(
                event_id=event_id,
                code="general",
                name="General admission",
                member_price=member,
                non_member_price=non_member,
                capacity=max(100, per_event * 3),
                sort_order=1,
            )
            yield TicketType(
                event_id=event_id,
                code="member-table",
                name="Member table",
                member_price=member,
                non_member_price=member,
                members_only=True,
                capacity=max(10, per_event // 4),
                sort_order=2,
            )

    bulk(TicketType, ticket_rows())
    tickets = {
        (event_id, code): (pk, member, non_member)
        for pk, event_id, code, member, non_member in TicketType.objects.values_list(
            "pk", "event_id", "code", "member_price", "non_member_price"
        )
    }
    contacts = list(
        Contact.objects.order_by("pk").values_list("pk", "first_name", "last_name", "email")
    )
    names, weights = zip(*STATUSES, strict=True)
    people: list[tuple[str, str, str]] = []

    def registration_rows() -> Iterator:
        for i in range(seeder.sizes.registrations):
            event_id = event_ids[i % len(event_ids)]
            code = "member-table" if i % 10 == 0 else "general"
            ticket_id, member, non_member = tickets[(event_id, code)]
            member_pricing = code == "member-table" or rng.random() < 0.5
            price = member if member_pricing else non_member
            quantity = 1 if rng.random() < 0.8 else 2
            _pk, first, last, email = contacts[(i * 31) % len(contacts)]
            contact_id = contacts[(i * 31) % len(contacts)][0]
            people.append((first, last, email))
            status = rng.choices(names, weights)[0]
            at = start + step * (i % len(event_ids)) - timedelta(days=rng.randint(1, 40))
            yield Registration(
                event_id=event_id,
                ticket_type_id=ticket_id,
                reference=reference(rng),
                contact_id=contact_id,
                quantity=quantity,
                status=status,
                member_pricing=member_pricing,
                price_each=price,
                total=price * quantity,
                status_changed_at=at,
                status_reason="Registered.",
            )

    bulk(Registration, registration_rows())
    registration_ids = Registration.objects.order_by("pk").values_list("pk", flat=True)
    bulk(
        Attendee,
        (
            Attendee(registration_id=pk, first_name=first, last_name=last, email=email)
            for pk, (first, last, email) in zip(registration_ids, people, strict=True)
        ),
    )
    return count


def shift_to_today() -> int:
    """Move every event by the days between the data set's "today" and the real one, on the
    copy being measured: whenever the benchmark runs, its events lie around today as they lay
    around the data set's day (some past, most upcoming), so the public events list and the
    registration measure upcoming events. Returns the days moved."""
    if not has_events():
        return 0
    days = (timezone.localdate() - TODAY).days
    table = connection.ops.quote_name(apps.get_model("events", "Event")._meta.db_table)
    starts, ends = connection.ops.quote_name("starts_at"), connection.ops.quote_name("ends_at")
    if connection.vendor == "postgresql":
        sql = (
            f"UPDATE {table} SET {starts} = {starts} + %s * INTERVAL '1 day', "
            f"{ends} = {ends} + %s * INTERVAL '1 day'"
        )
    else:
        sql = (
            f"UPDATE {table} SET {starts} = datetime({starts}, %s || ' days'), "
            f"{ends} = datetime({ends}, %s || ' days')"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, [days, days])
    return days


def has_events() -> bool:
    from bench.seed import has_model

    return has_model("events.Event")


def steps() -> list:
    return [("events", events)] if has_events() else []
