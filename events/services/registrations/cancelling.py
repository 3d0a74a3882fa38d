"""Cancelling: a registration cancelled by the registrant (until the event's cutoff) or by
staff, its seats given to the waitlist and its money settled (an unpaid invoice voided, a paid
one refunded), and unpaid holds released when they run out.

The capacity lock and seat count are in events.services.common.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from billing.money import ZERO, format_usd, money
from core.exceptions import ServiceError, TransitionNotAllowed
from core.services import refresh_from
from events.models import Event, Registration
from events.services.billing import (
    mail_registration,
    registration_refund,
    registration_refund_check,
    registration_refunded_since,
    registration_void_unpaid_invoice,
)
from events.services.common import current_time, lock_ticket_type, set_registration_status
from events.services.registrations.confirming import waitlist_promote

Status = Registration.Status


# --- Cancelling and expiring ------------------------------------------------------------------


def registrant_may_cancel(registration: Registration, *, now: datetime | None = None) -> bool:
    """Whether the registrant may still cancel through the reference link: the registration
    holds or waits for seats and the event's cancellation cutoff has not passed. The rule
    registration_cancel(by_registrant=True) applies."""
    return registration.status in (
        Status.PENDING_PAYMENT,
        Status.PENDING_VERIFICATION,
        Status.CONFIRMED,
        Status.WAITLISTED,
    ) and not _past_cutoff(registration.event, current_time(now))


def _past_cutoff(event: Event, now: datetime) -> bool:
    return now >= event.cancellation_cutoff


def registration_cancel(
    *,
    registration: Registration,
    reason: str,
    by: Any = None,
    by_registrant: bool = False,
    refund: bool = True,
    refund_amount: Decimal | None = None,
    notify: bool = True,
    now: datetime | None = None,
) -> Registration:
    """Cancel a registration and give its seats to the waitlist. The registrant may cancel
    through the reference link until the event's cutoff; staff may cancel at any time before
    check-in.

    Then the money: an unpaid invoice is voided; a paid one is refunded through billing, in full
    (`refund_amount` None) or in part, unless `refund` is False. The refund is checked before
    anything changes (no more than was paid, and possible at all), so a refused one leaves the
    registration as it was. A refund that fails on its way (Stripe down) leaves the registration
    cancelled and raises ServiceError saying so.

    Cancelling again is a retry: when nothing was refunded since the cancellation it makes the
    refund asked for now; when the same refund was already made it changes nothing; a different
    one is refused with what was refunded (more goes through billing)."""
    now = current_time(now)
    reason = reason.strip()
    if not reason:
        raise ServiceError("Say why the registration is cancelled.", field="reason")
    with transaction.atomic():
        locked_type = lock_ticket_type(registration.ticket_type_id)
        locked = Registration.objects.select_for_update().get(pk=registration.pk)
        if locked.status == Status.CANCELLED:
            refresh_from(registration, locked)
            return _cancel_again(
                registration,
                refund=refund,
                amount=refund_amount,
                reason=reason,
                by=by,
                notify=notify,
            )
        if locked.status == Status.CHECKED_IN:
            raise TransitionNotAllowed(
                "This registration is checked in: undo the check-in before cancelling it."
            )
        if by_registrant and _past_cutoff(locked_type.event, now):
            cutoff = timezone.localtime(locked_type.event.cancellation_cutoff)
            raise ServiceError(
                f"Registrations can be cancelled online until {cutoff:%B %-d, %Y at %-I:%M %p}. "
                "Please contact the chamber."
            )
        if refund:  # before the first change: a refused refund changes nothing
            registration_refund_check(registration=locked, amount=refund_amount)
        held = locked.holds_seats
        set_registration_status(
            locked,
            to=Status.CANCELLED,
            reason=reason,
            by=by,
            hold_expires_at=None,
        )
        if held:
            waitlist_promote(ticket_type=locked_type, by=by, now=now)
        refresh_from(registration, locked)
    refunded, problem = settle_money(
        registration, refund=refund, amount=refund_amount, reason=reason, by=by
    )
    if notify:
        mail_registration(registration, "registration_cancelled", refunded=refunded, reason=reason)
    if problem:
        raise ServiceError(
            f"Cancelled, but the money is not settled: {problem} Cancel it again to retry the "
            "refund."
        )
    return registration


def _cancel_again(
    registration: Registration,
    *,
    refund: bool,
    amount: Decimal | None,
    reason: str,
    by: Any,
    notify: bool,
) -> Registration:
    """registration_cancel() of a registration already cancelled: finish its refund, once."""
    if not refund:
        return registration
    given = registration_refunded_since(
        registration=registration, since=registration.status_changed_at or timezone.now()
    )
    if given > ZERO:
        left = registration_refund_check(registration=registration, amount=None)
        if (amount is None and left == ZERO) or (amount is not None and money(amount) == given):
            return registration  # the same request again: done already
        raise ServiceError(
            f"Already cancelled, and {format_usd(given)} was refunded for it since: refund "
            "more through the invoice in billing."
        )
    wanted = registration_refund_check(registration=registration, amount=amount)
    if wanted == ZERO:
        return registration  # nothing was paid, or it was all given back before
    refunded, problem = registration_refund(
        registration=registration,
        reason=f"Registration cancelled: {reason}",
        amount=amount,
        by=by,
    )
    if refunded > ZERO and notify:
        mail_registration(registration, "registration_cancelled", refunded=refunded, reason=reason)
    if problem:
        raise ServiceError(f"Cancelled, but the money is not settled: {problem}")
    return registration


def settle_money(
    registration: Registration, *, refund: bool, amount: Decimal | None, reason: str, by: Any
) -> tuple[Decimal, str]:
    """After a cancellation: void what was not paid, give back what was (when asked)."""
    problem = registration_void_unpaid_invoice(
        registration=registration, reason=f"Registration cancelled: {reason}", by=by
    )
    if problem or not refund:
        return ZERO, problem
    return registration_refund(
        registration=registration, reason=f"Registration cancelled: {reason}", amount=amount, by=by
    )


def holds_expire(*, now: datetime | None = None, by: Any = None) -> list[Registration]:
    """Release the seats of unpaid registrations whose hold has run out, and offer them to the
    waitlist. Each in its own transaction; running it twice releases nothing more."""
    now = current_time(now)
    expired: list[Registration] = []
    waiting = (Status.PENDING_PAYMENT, Status.PENDING_VERIFICATION)
    due = Registration.objects.filter(status__in=waiting, hold_expires_at__lte=now).values_list(
        "pk", "ticket_type_id"
    )
    for pk, ticket_type_id in list(due):
        with transaction.atomic():
            locked_type = lock_ticket_type(ticket_type_id)
            locked = Registration.objects.select_for_update().get(pk=pk)
            # Paid, or given more time, since the list was read: leave it.
            if locked.status not in waiting or not (
                locked.hold_expires_at and locked.hold_expires_at <= now
            ):
                continue
            unconfirmed = locked.status == Status.PENDING_VERIFICATION
            set_registration_status(
                locked,
                to=Status.CANCELLED,
                reason="Not paid in time: the held seats were released."
                if not unconfirmed
                else "Membership not confirmed in time: the held seats were released.",
                by=by,
                hold_lapsed_at=now,
            )
            waitlist_promote(ticket_type=locked_type, by=by, now=now)
            expired.append(locked)
        registration_void_unpaid_invoice(
            registration=locked, reason="Not paid in time: the registration lapsed.", by=by
        )
        mail_registration(
            locked,
            "registration_expired",
            reason="We held your seats, but the membership you registered with was not "
            "confirmed in time, so they were released."
            if unconfirmed
            else "",
        )
    return expired
