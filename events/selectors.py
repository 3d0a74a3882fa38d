"""Reads about events that the admin, the API, the pages and the services share."""

from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, Greatest, JSONObject
from django.utils import timezone

from billing.models import Invoice, Payment
from billing.money import ZERO
from core.db import built_once
from crm.models import Contact, Interaction, Organization
from crm.selectors import member_organization_of, organization_by_name, organization_is_member
from crm.selectors.timeline import TimelineRead
from crm.selectors.timeline_read import label, person
from events.models import Event, Registration, TicketType

# Who is on the door list: expected, arrived, and those whose payment is still to be taken.
DOOR_STATUSES = (
    Registration.Status.CONFIRMED,
    Registration.Status.CHECKED_IN,
    Registration.Status.PENDING_PAYMENT,
)

# The invoices a registration may be paid through (a voided or written-off one no longer counts).
STANDING = (Invoice.Status.DRAFT, Invoice.Status.OPEN, Invoice.Status.PAID)


def registration_invoice(registration: Registration) -> Invoice | None:
    """The invoice a registration is paid through (the latest that was not voided)."""
    return (
        Invoice.objects.filter(lines__registration=registration, status__in=STANDING)
        .order_by("-pk")
        .first()
    )


def registration_member_organization(
    *, contact: Contact, organization_name: str = ""
) -> tuple[Organization | None, bool]:
    """For staff entering a registration: the organization it is for and whether it earns the
    member price: the named organization when it is a member, else a member organization the
    contact belongs to (a confirmed link), else the named organization (known but not a member)
    or none. The website never uses this: a name typed there grants nothing
    (registration_create(public=True))."""
    named = organization_by_name(organization_name) if organization_name else None
    if named is not None and organization_is_member(named.pk):
        return named, True
    member_of = member_organization_of(contact)
    if member_of is not None:
        return member_of, True
    return named, False


def _seats_held_subquery() -> Subquery:
    held = (
        Registration.objects.filter(
            ticket_type=OuterRef("pk"), status__in=Registration.HOLDING_STATUSES
        )
        .order_by()
        .values("ticket_type")
        .annotate(n=Sum("quantity"))
        .values("n")
    )
    return Subquery(held, output_field=IntegerField())


def _waitlisted_subquery() -> Subquery:
    waiting = (
        Registration.objects.filter(
            ticket_type=OuterRef("pk"), status=Registration.Status.WAITLISTED
        )
        .order_by()
        .values("ticket_type")
        .annotate(n=Sum("quantity"))
        .values("n")
    )
    return Subquery(waiting, output_field=IntegerField())


def ticket_types_with_seats() -> QuerySet:
    """Ticket types with `seats_taken`, `seats_available` and `seats_waitlisted` annotated."""
    return TicketType.objects.annotate(
        seats_taken=Coalesce(_seats_held_subquery(), 0),
        seats_waitlisted=Coalesce(_waitlisted_subquery(), 0),
    ).annotate(
        seats_available=Greatest(F("capacity") - F("seats_taken"), 0),
    )


def _upcoming(now: Any, *, prefix: str = "") -> Q:
    """Published events that have not ended (`prefix`: the path to the event)."""
    return Q(**{f"{prefix}status": Event.Status.PUBLISHED, f"{prefix}ends_at__gt": now})


def event_list_public(*, now: Any = None) -> QuerySet:
    """Published events that have not ended, soonest first, with their ticket types and seats."""
    now = now or timezone.now()
    return (
        Event.objects.filter(_upcoming(now))
        .order_by("starts_at", "pk")
        .prefetch_related(
            Prefetch(
                "ticket_types", queryset=ticket_types_with_seats().order_by("sort_order", "pk")
            )
        )
    )


def ticket_type_public(*, slug: str, code: str) -> TicketType | None:
    """The ticket type `code` of event_list_public()'s event `slug`, with its event, in one read
    (registering: the capacity lock reads both again)."""
    return (
        TicketType.objects.select_related("event")
        .filter(_upcoming(timezone.now(), prefix="event__"), event__slug=slug, code=code)
        .order_by("sort_order", "pk")
        .first()
    )


def event_list_admin() -> QuerySet:
    """Events with their seat counts, for the admin list."""
    return Event.objects.annotate(
        seats_capacity=Coalesce(
            Subquery(
                ticket_types_with_seats()
                .filter(event=OuterRef("pk"))
                .order_by()
                .values("event")
                .annotate(n=Sum("capacity"))
                .values("n"),
                output_field=IntegerField(),
            ),
            0,
        ),
        seats_taken=Coalesce(
            Subquery(
                Registration.objects.filter(
                    event=OuterRef("pk"), status__in=Registration.HOLDING_STATUSES
                )
                .order_by()
                .values("event")
                .annotate(n=Sum("quantity"))
                .values("n"),
                output_field=IntegerField(),
            ),
            0,
        ),
        people_waitlisted=Coalesce(
            Subquery(
                Registration.objects.filter(
                    event=OuterRef("pk"), status=Registration.Status.WAITLISTED
                )
                .order_by()
                .values("event")
                .annotate(n=Sum("quantity"))
                .values("n"),
                output_field=IntegerField(),
            ),
            0,
        ),
    )


@built_once
def registration_list() -> QuerySet:
    return Registration.objects.select_related("event", "ticket_type", "contact", "organization")


def registration_by_reference(reference: str) -> Any:
    """The registration for a public reference, with what its page shows; None when unknown."""
    if not reference:
        return None
    return registration_list().prefetch_related("attendees").filter(reference=reference).first()


def registration_waitlist_position(registration: Any) -> int | None:
    """1 for the first in line; None when not on the waitlist. Counted once per instance while
    it stays waitlisted: a registration just made is told its place in its mail and in the
    API's answer from one count."""
    if registration.status != Registration.Status.WAITLISTED:
        return None
    cached = registration.__dict__.get("_waitlist_position")
    if cached is not None:
        return cached
    ahead = Registration.objects.filter(
        ticket_type_id=registration.ticket_type_id,
        status=Registration.Status.WAITLISTED,
        pk__lt=registration.pk,
    ).count()
    registration._waitlist_position = ahead + 1
    return ahead + 1


def registration_check_in_list(*, event_id: int, query: str = "") -> QuerySet:
    """The door list: confirmed, checked-in and unpaid parties (awaiting payment, paid at the
    door), searched by a person's or an organization's name, still-to-come first, then by name.
    Each carries its invoice (`invoice_pk`, `invoice_total`, `invoice_paid`: what succeeded
    payments brought in, and `pay_url`: Stripe's page), one query for the whole list."""
    registrations = (
        registration_list()
        .prefetch_related("attendees")
        .filter(event_id=event_id, status__in=DOOR_STATUSES)
    )
    for word in query.split()[:5]:
        registrations = registrations.filter(
            Q(contact__first_name__icontains=word)
            | Q(contact__last_name__icontains=word)
            | Q(attendees__first_name__icontains=word)
            | Q(attendees__last_name__icontains=word)
            | Q(organization__name__icontains=word)
            | Q(organization_name__icontains=word)
            | Q(reference=word)
        )
    still_to_come = Case(
        When(status=Registration.Status.CHECKED_IN, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    invoice = Invoice.objects.filter(
        lines__registration=OuterRef("pk"), status__in=STANDING
    ).order_by("-pk")
    paid = (
        Payment.objects.filter(invoice=OuterRef("invoice_pk"), status=Payment.Status.SUCCEEDED)
        .order_by()
        .values("invoice")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    return (
        registrations.distinct()
        .annotate(
            invoice_pk=Subquery(invoice.values("pk")[:1]),
            invoice_total=Subquery(invoice.values("total")[:1]),
            pay_url=Subquery(invoice.values("stripe_hosted_url")[:1]),
        )
        .annotate(invoice_paid=Subquery(paid), still_to_come=still_to_come)
        # By the column's name: as an expression, a DISTINCT query would select it again, and
        # with parameters bound by the server (config/settings.py) PostgreSQL could not tell
        # the two apart ("ORDER BY expressions must appear in select list").
        .order_by("still_to_come", "contact__last_name", "contact__first_name", "pk")
    )


def registration_amount_due(registration: Registration) -> Decimal:
    """What an unpaid party still owes, from registration_check_in_list()'s annotations: its
    invoice's total less what was paid, or its total while it has no invoice yet."""
    if registration.status != Registration.Status.PENDING_PAYMENT:
        return ZERO
    total = getattr(registration, "invoice_total", None)
    if total is None:
        return registration.total
    return max(total - (getattr(registration, "invoice_paid", None) or ZERO), ZERO)


@built_once
def registration_list_staff() -> QuerySet:
    """registration_list() with what the staff API shows of each registration, in two queries
    whatever the page size: its attendees, who checked it in, its place on the waitlist
    (`waitlist_place`) and the invoice it is paid through (`invoice_row`: the one
    registration_invoice() returns, as one JSON row of its `id`, `number`, `status` and
    `total`, the total as text; a subquery for each value cost as many times the planning)."""
    invoice = Invoice.objects.filter(
        lines__registration=OuterRef("pk"), status__in=STANDING
    ).order_by("-pk")
    ahead = (
        Registration.objects.filter(
            ticket_type=OuterRef("ticket_type"),
            status=Registration.Status.WAITLISTED,
            pk__lt=OuterRef("pk"),
        )
        .order_by()
        .values("ticket_type")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        registration_list()
        .select_related("checked_in_by", "benefit_usage__benefit")
        .prefetch_related("attendees")
        .annotate(
            invoice_row=Subquery(
                invoice.values(
                    value=JSONObject(
                        id="pk",
                        number="number",
                        status="status",
                        total=Cast("total", CharField()),  # (JSON's numbers are floats)
                    )
                )[:1]
            ),
            waitlist_place=Case(
                When(
                    status=Registration.Status.WAITLISTED,
                    then=Coalesce(Subquery(ahead, output_field=IntegerField()), 0) + 1,
                ),
                default=None,
                output_field=IntegerField(),
            ),
        )
    )


def event_list_staff() -> QuerySet:
    """event_list_admin()'s seat counts, with each event's ticket types and their seats."""
    return event_list_admin().prefetch_related(
        Prefetch("ticket_types", queryset=ticket_types_with_seats().order_by("sort_order", "pk"))
    )


def registration_timeline(*, organization_id: int) -> TimelineRead:
    """The organization's registrations and check-ins, for its timeline (registered with crm's
    timeline in events.apps: crm does not import events)."""

    def says(r: dict[str, Any]) -> list[tuple[Any, str]]:
        who = person(r["first"], r["last"])
        status = label(Registration, "status", r["status"]).lower()
        seats = f"{r['quantity']} seat{'s' if r['quantity'] > 1 else ''}"
        said = [(r["at"], f"{who} registered for {r['event']} ({seats}, {status})")]
        # A check-in records an "event attended" interaction, already on the timeline.
        if r["checked_in"] and not r["recorded"]:
            said.append((r["checked_in"], f"{who} checked in at {r['event']}"))
        return said

    recorded = Interaction.objects.filter(
        organization_id=organization_id,
        source=Concat(Value("registration:"), OuterRef("reference"), output_field=CharField()),
    )
    return TimelineRead(
        rows=Registration.objects.filter(organization_id=organization_id).order_by(
            "-created", "-pk"
        ),
        kind="event",
        admin="events_registration",
        fields={
            "at": "created",
            "first": "contact__first_name",
            "last": "contact__last_name",
            "event": "event__title",
            "quantity": "quantity",
            "status": "status",
            "checked_in": "checked_in_at",
            "recorded": Exists(recorded),
        },
        says=says,
    )
