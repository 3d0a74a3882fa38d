"""Check-in at the door."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from billing.models import Invoice, Payment
from billing.services import payment_record_offline
from core.exceptions import InvalidData, ServiceError, TransitionNotAllowed
from core.services import refresh_from, user_or_none
from crm.models import Affiliation, Interaction
from crm.services.pipeline import interaction_record, interaction_withdraw
from events.models import Registration
from events.services.billing import registration_payment_start
from events.services.common import set_registration_status

Status = Registration.Status


def _source(registration: Registration) -> str:
    return f"registration:{registration.reference}"


def _record_attended(registration: Registration, *, by: Any) -> None:
    """An "event attended" interaction on the organization's timeline, once per registration
    (withdrawn if the check-in is undone). A party with no organization on record has none."""
    organization = registration.organization
    if organization is None:
        return
    linked = Affiliation.objects.filter(
        organization=organization,
        contact_id=registration.contact_id,
        status=Affiliation.Status.CONFIRMED,
    ).exists()
    people = registration.quantity
    interaction_record(
        organization=organization,
        kind=Interaction.Kind.EVENT,
        occurred_on=timezone.localdate(),
        summary=f"{registration.contact} checked in at {registration.event.title}"
        + (f" with {people - 1} more" if people > 1 else "")
        + f" (registration {registration.reference}).",
        contact=registration.contact if linked else None,
        by=by,
        source=_source(registration),
    )


def registration_check_in(*, registration: Registration, by: Any = None) -> Registration:
    """Mark a confirmed party as arrived. Checking in twice changes nothing."""
    with transaction.atomic():
        locked = Registration.objects.select_for_update().get(pk=registration.pk)
        if locked.status != Status.CHECKED_IN:
            if locked.status != Status.CONFIRMED:
                raise TransitionNotAllowed(
                    f"Cannot check in: this registration is {locked.get_status_display().lower()}."
                )
            set_registration_status(
                locked,
                to=Status.CHECKED_IN,
                reason="Checked in.",
                by=by,
                checked_in_at=timezone.now(),
                checked_in_by=user_or_none(by),
            )
            _record_attended(locked, by=by)
        refresh_from(registration, locked)
    return registration


def registration_undo_check_in(*, registration: Registration, by: Any = None) -> Registration:
    """For a tap on the wrong name at the door."""
    with transaction.atomic():
        locked = Registration.objects.select_for_update().get(pk=registration.pk)
        if locked.status == Status.CHECKED_IN:
            set_registration_status(
                locked,
                to=Status.CONFIRMED,
                reason="Check-in undone.",
                by=by,
                checked_in_at=None,
                checked_in_by=None,
            )
            interaction_withdraw(source=_source(locked), by=by)
        refresh_from(registration, locked)
    return registration


# What staff take by hand at the door; a card pays on Stripe's page (door_payment_page).
DOOR_METHODS = (Payment.Method.CASH, Payment.Method.CHECK)


def _unpaid(registration: Registration) -> Invoice:
    """The issued invoice of a party awaiting payment (made now if it had none), refused with a
    sentence when there is nothing to take."""
    registration.refresh_from_db(fields=["status"])
    if registration.status != Status.PENDING_PAYMENT:
        raise TransitionNotAllowed(
            f"Nothing to pay: this registration is {registration.get_status_display().lower()}."
        )
    invoice = registration_payment_start(registration=registration)
    if invoice is None or invoice.amount_due <= 0:
        raise ServiceError("Nothing is due on this registration's invoice.")
    return invoice


def registration_pay_at_door(
    *, registration: Registration, method: str, check_number: str = "", by: Any = None
) -> Registration:
    """Take an unpaid party's payment at the door, cash or a check, for what its invoice still
    asks (recorded through billing's payment_record_offline, whose paid invoice confirms the
    registration), and check the party in. Refused, with nothing changed, for a method that is
    neither or a check without its number."""
    if method not in DOOR_METHODS:
        raise InvalidData(
            "Take cash or a check at the door (a card pays on Stripe's page).", field="method"
        )
    if method == Payment.Method.CHECK and not check_number.strip():
        raise InvalidData("Enter the check number.", field="check_number")
    invoice = _unpaid(registration)
    payment_record_offline(
        invoice=invoice,
        amount=invoice.amount_due,
        method=method,
        received_on=timezone.localdate(),
        check_number=check_number,
        memo=f"Taken at the door of {registration.event.title}.",
        by=by,
    )
    return registration_check_in(registration=registration, by=by)


def door_payment_page(*, registration: Registration, by: Any = None) -> str:
    """Stripe's page where an unpaid party pays its invoice by card at the door (the invoice is
    made and issued now if it had none); refused without Stripe. The payment, once Stripe tells
    us, confirms the registration, and staff check the party in."""
    invoice = _unpaid(registration)
    if not invoice.pay_url:
        raise ServiceError("Card payments need Stripe, which is not set up: take cash or a check.")
    return invoice.pay_url
