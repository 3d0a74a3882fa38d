"""Events and their ticket types: saving, publishing, cancelling (with every registration)."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from billing.money import ZERO
from core.exceptions import ServiceError, TransitionNotAllowed
from core.services import refresh_from, set_status, validated_save, with_history_user
from crm.bounds import check_event_dates
from events.models import Event, Registration, TicketType
from events.services.billing import mail_registration
from events.services.common import (
    current_time,
    lock_ticket_type,
    seats_held,
    set_registration_status,
)
from events.services.registrations import settle_money, waitlist_promote

Status = Registration.Status


def event_save(*, event: Event, by: Any = None) -> Event:
    """Create or update an event. Cancelling is its own step (event_cancel), since it cancels
    every registration and tells every registrant."""
    if event.starts_at is not None and event.ends_at is not None:
        check_event_dates(
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            registration_opens_at=event.registration_opens_at,
            registration_closes_at=event.registration_closes_at,
        )
    if event.pk is not None:
        current = Event.objects.filter(pk=event.pk).values_list("status", flat=True).first()
        if current == Event.Status.CANCELLED and event.status != Event.Status.CANCELLED:
            raise TransitionNotAllowed("A cancelled event cannot be reopened.")
        if current != Event.Status.CANCELLED and event.status == Event.Status.CANCELLED:
            raise ServiceError(
                "Cancel an event with the cancel action: it refunds and tells every registrant.",
                field="status",
            )
        if current != event.status:
            event.status_changed_at = timezone.now()
    elif event.status == Event.Status.CANCELLED:
        raise ServiceError("A new event cannot start out cancelled.", field="status")
    validated_save(event, by=by)
    return event


def _event_step(event: Event, *, to: str, allowed_from: str, verb: str, by: Any) -> Event:
    with transaction.atomic():
        # Under the event's lock: a cancellation running at the same time is seen, not undone.
        locked = Event.objects.select_for_update().get(pk=event.pk)
        if locked.status != to:
            if locked.status != allowed_from:
                raise TransitionNotAllowed(
                    f"An event that is {locked.get_status_display().lower()} cannot be {verb}."
                )
            set_status(locked, to=to, reason=verb.capitalize() + ".", by=by)
        refresh_from(event, locked)
    return event


def event_publish(*, event: Event, by: Any = None) -> Event:
    """Put a draft event on the website, open for registration. Publishing twice does nothing."""
    return _event_step(
        event, to=Event.Status.PUBLISHED, allowed_from=Event.Status.DRAFT, verb="published", by=by
    )


def event_unpublish(*, event: Event, by: Any = None) -> Event:
    """Take a published event back to draft: off the website and closed for registration; the
    registrations it has stand."""
    return _event_step(
        event, to=Event.Status.DRAFT, allowed_from=Event.Status.PUBLISHED, verb="unpublished", by=by
    )


def ticket_type_delete(*, ticket_type: TicketType, by: Any = None) -> None:
    """Delete a ticket type nobody registered for (one with registrations is cancelled with its
    event, or closed by setting its capacity to the seats taken)."""
    with transaction.atomic():
        locked = lock_ticket_type(ticket_type.pk)
        if Registration.objects.filter(ticket_type=locked).exists():
            raise ServiceError(f"{locked.name} has registrations: it cannot be deleted.")
        with_history_user(locked, by)
        locked.delete()


def ticket_type_save(*, ticket_type: TicketType, by: Any = None) -> TicketType:
    """Create or update a ticket type. Capacity may not drop below the seats already taken; more
    capacity goes to the waitlist at once."""
    with transaction.atomic():
        grew = False
        if ticket_type.pk is not None:
            locked = lock_ticket_type(ticket_type.pk)
            held = seats_held(locked.pk)
            if ticket_type.capacity < held:
                raise ServiceError(
                    f"{held} seats are already taken: the capacity cannot be lower.",
                    field="capacity",
                )
            grew = ticket_type.capacity > locked.capacity
        validated_save(ticket_type, by=by)
        if grew:
            waitlist_promote(ticket_type=ticket_type, by=by)
    return ticket_type


@dataclass
class EventCancellation:
    cancelled: list[Registration]
    refunded: Decimal
    problems: list[str]


def event_cancel(
    *, event: Event, reason: str, by: Any = None, now: datetime | None = None
) -> EventCancellation:
    """Cancel the event and every registration still standing, refund what each paid in full,
    and tell every registrant. Cancelling twice does nothing the second time. A refund that
    fails is listed in `problems` for finance to retry in billing; the rest go on."""
    reason = reason.strip()
    if not reason:
        raise ServiceError("Say why the event is cancelled: registrants are told.", field="reason")
    cancelled: list[Registration] = []
    with transaction.atomic():
        locked_event = Event.objects.select_for_update().get(pk=event.pk)
        if locked_event.status == Event.Status.CANCELLED:
            return EventCancellation(cancelled=[], refunded=ZERO, problems=[])
        set_status(
            locked_event, to=Event.Status.CANCELLED, reason=reason, by=by, at=current_time(now)
        )
        # Wait for registrations in flight on every ticket type; they see the event cancelled.
        list(TicketType.objects.select_for_update().filter(event=locked_event).order_by("pk"))
        standing = (
            Registration.objects.select_for_update()
            .filter(event=locked_event, status__in=Registration.ACTIVE_STATUSES)
            .order_by("pk")
        )
        for registration in standing:
            set_registration_status(
                registration,
                to=Status.CANCELLED,
                reason=f"The event was cancelled: {reason}",
                by=by,
                hold_expires_at=None,
            )
            cancelled.append(registration)
        event.status = locked_event.status
        event.status_changed_at = locked_event.status_changed_at
        event.status_reason = reason
    total = ZERO
    problems = []
    for registration in cancelled:
        refunded, problem = settle_money(
            registration, refund=True, amount=None, reason=f"event cancelled: {reason}", by=by
        )
        total += refunded
        if problem:
            problems.append(f"{registration.contact} ({registration.reference}): {problem}")
        mail_registration(registration, "event_cancelled", refunded=refunded, reason=reason)
    return EventCancellation(cancelled=cancelled, refunded=total, problems=problems)
