"""What the event services share: the capacity lock, the seat count and the status setter.

Capacity is enforced by locking the ticket type's row (`select_for_update`) and counting the
seats its registrations hold while the lock is held. Every writer that takes or gives back seats
(registering, cancelling, promoting the waitlist, expiring holds, confirming a late payment,
changing the capacity) takes that lock first, so two of them never count the same free seat, and
the ticket type is always locked before any of its registrations (one lock order, no deadlock).
"""

from datetime import datetime, timedelta
from typing import Any

from django.db.models import OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.services import set_status
from crm.models import Contact
from crm.normalize import normalize_email
from events.models import Event, Registration, TicketType
from webhooks.payloads import emit_registration_change


def current_time(now: datetime | None) -> datetime:
    return now or timezone.now()


def lock_ticket_type(ticket_type_id: int) -> TicketType:
    """The capacity lock (see the module docstring). Must run inside a transaction."""
    # of=self: lock the ticket type only, not the event row joined in (event_cancel locks that).
    locked = TicketType.objects.select_for_update(of=("self",)).select_related("event")
    return locked.get(pk=ticket_type_id)


def event_and_seats(
    locked: TicketType, *, event: Event, contact: Contact | None
) -> tuple[Event, int, int]:
    """Under the capacity lock, in one query: the event read again (a cancellation of it that
    committed meanwhile is seen), seats_held() of the ticket type, and (given `contact`) the
    seats that contact holds or waits for at the event across its registrations (by email
    address). The caller has locked the contact's row first when it has others to count."""
    held = (
        Registration.objects.filter(
            ticket_type_id=locked.pk, status__in=Registration.HOLDING_STATUSES
        )
        .order_by()
        .values("ticket_type_id")
        .annotate(n=Sum("quantity"))
        .values("n")
    )
    seats: dict[str, Any] = {"held_seats": Coalesce(Subquery(held), 0)}
    if contact is not None:
        person = (
            Registration.objects.filter(
                event_id=OuterRef("pk"),
                contact__email__iexact=normalize_email(contact.email),
                status__in=Registration.ACTIVE_STATUSES,
            )
            .order_by()
            .values("event_id")
            .annotate(n=Sum("quantity"))
            .values("n")
        )
        seats["person_seats"] = Coalesce(Subquery(person), 0)
    fresh = Event.objects.annotate(**seats).get(pk=event.pk)
    return fresh, fresh.held_seats, getattr(fresh, "person_seats", 0)  # type: ignore[attr-defined]


def lock_person(contact: Contact) -> None:
    """The contact's row lock makes two registrations of one person for two ticket types of
    the event (two different capacity locks) count each other's seats."""
    list(Contact.objects.select_for_update().filter(pk=contact.pk).values_list("pk"))


def seats_held(ticket_type_id: int) -> int:
    """Seats taken by registrations that hold them. Exact only under the ticket type's lock."""
    held = Registration.objects.filter(
        ticket_type_id=ticket_type_id, status__in=Registration.HOLDING_STATUSES
    ).aggregate(n=Sum("quantity"))["n"]
    return held or 0


def set_registration_status(
    registration: Registration, *, to: str, reason: str, by: Any, **updates: Any
) -> None:
    """`set_status` for a registration, then the outbound webhook for the change."""
    from_status = registration.status
    set_status(registration, to=to, reason=reason, by=by, **updates)
    if to == Registration.Status.CANCELLED and from_status != to:
        from events.services.comp_seats import comp_seats_return

        comp_seats_return(registration, reason=reason, by=by)
    emit_registration_change(registration, from_status=from_status)


def hold_until(now: datetime, *, minutes: int) -> datetime:
    return now + timedelta(minutes=minutes)
