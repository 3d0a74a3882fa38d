"""Seats given after registering: a payment confirming a registration (also one whose hold
lapsed, while its seats are free), and the waitlist promoted into seats that came free.

The capacity lock and seat count are in events.services.common.
"""

from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from billing.money import ZERO
from core.services import refresh_from, set_change_reason, with_history_user
from events.models import Event, Registration, TicketType
from events.services.billing import mail_registration, registration_payment_start
from events.services.common import (
    current_time,
    lock_ticket_type,
    seats_held,
    set_registration_status,
)

Status = Registration.Status


# --- Payment ----------------------------------------------------------------------------------


def registration_confirm_payment(
    *, registration: Registration, by: Any = None, now: datetime | None = None
) -> Registration:
    """The one place a payment confirms a registration. Safe to call twice.

    A payment that arrives after the hold expired confirms the registration again when its seats
    are still free; when they are not, the registration stays cancelled and its status reason
    says the payment must be refunded (the payment itself is never refused).
    """
    now = current_time(now)
    with transaction.atomic():
        lock_ticket_type(registration.ticket_type_id)
        locked = Registration.objects.select_for_update().get(pk=registration.pk)
        if locked.status in (Status.CONFIRMED, Status.CHECKED_IN):
            refresh_from(registration, locked)
            return registration
        if locked.status == Status.PENDING_PAYMENT:
            set_registration_status(
                locked, to=Status.CONFIRMED, reason="Paid.", by=by, hold_expires_at=None
            )
        else:
            free = locked.ticket_type.capacity - seats_held(locked.ticket_type_id)
            lapsed = locked.status == Status.CANCELLED and locked.hold_lapsed_at is not None
            if lapsed and locked.quantity <= free:
                set_registration_status(
                    locked,
                    to=Status.CONFIRMED,
                    reason="Paid after its hold had lapsed; the seats were still free.",
                    by=by,
                    hold_expires_at=None,
                )
            else:
                why = "the seats are taken" if lapsed else "it stays so"
                locked.status_reason = (
                    f"Paid on {timezone.localtime(now):%B %-d, %Y} while "
                    f"{locked.get_status_display().lower()}, and {why}: refund the payment."
                )
                with_history_user(locked, by)
                set_change_reason(locked, "Paid, but no seats are left: refund it.")
                locked.save()
        refresh_from(registration, locked)
    return registration


# --- Waitlist ---------------------------------------------------------------------------------


def waitlist_promote(
    *, ticket_type: TicketType, by: Any = None, now: datetime | None = None
) -> list[Registration]:
    """Give free seats to the waitlist in the order people joined it: each waiting registration
    whose whole party fits is promoted (a party too big for what is free keeps its place and a
    smaller one behind it may go ahead). Free tickets are confirmed; paid ones are held until the
    payment deadline of EVENT_WAITLIST_OFFER_HOURS."""
    now = current_time(now)
    promoted: list[Registration] = []
    with transaction.atomic():
        locked = lock_ticket_type(ticket_type.pk)
        event = locked.event
        if event.status != Event.Status.PUBLISHED or now >= event.starts_at:
            return []
        free = locked.capacity - seats_held(locked.pk)
        if free <= 0:
            return []
        waiting = (
            Registration.objects.select_for_update()
            .filter(ticket_type=locked, status=Status.WAITLISTED)
            .order_by("pk")
        )
        for registration in waiting:
            if registration.quantity > free:
                continue
            free -= registration.quantity
            if registration.total == ZERO:
                set_registration_status(
                    registration, to=Status.CONFIRMED, reason="Promoted from the waitlist.", by=by
                )
            else:
                deadline = min(
                    now + timedelta(hours=settings.EVENT_WAITLIST_OFFER_HOURS), event.starts_at
                )
                set_registration_status(
                    registration,
                    to=Status.PENDING_PAYMENT,
                    reason="Promoted from the waitlist; seats held until the payment deadline.",
                    by=by,
                    hold_expires_at=deadline,
                )
            promoted.append(registration)
            transaction.on_commit(partial(_after_promotion, registration, by=by))
            if free == 0:
                break
    return promoted


def _after_promotion(registration: Registration, *, by: Any) -> None:
    """Once the promotion is committed: the invoice to pay (a Stripe call, so never under the
    capacity lock), then the mail with its link and deadline."""
    registration.refresh_from_db()
    if registration.status == Status.PENDING_PAYMENT:
        registration_payment_start(registration=registration, by=by)
    mail_registration(registration, "registration_promoted")
