"""Check-in at the door."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from core.exceptions import TransitionNotAllowed
from core.services import refresh_from, user_or_none
from crm.models import Affiliation, Interaction
from crm.services.pipeline import interaction_record, interaction_withdraw
from events.models import Registration
from events.services.common import set_registration_status

Status = Registration.Status


def _source(registration: Registration) -> str:
    return f"registration:{registration.reference}"


def _record_attended(registration: Registration, *, by: Any) -> None:
    """An "event attended" interaction on the organization's timeline, once per registration
    (withdrawn if the check-in is undone). A party with no organization on record has none."""
    if registration.organization_id is None:
        return
    linked = Affiliation.objects.filter(
        organization_id=registration.organization_id,
        contact_id=registration.contact_id,
        status=Affiliation.Status.CONFIRMED,
    ).exists()
    people = registration.quantity
    interaction_record(
        organization=registration.organization,
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
