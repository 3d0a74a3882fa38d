"""Check-in at the door."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from core.exceptions import TransitionNotAllowed
from core.services import refresh_from, user_or_none
from events.models import Registration
from events.services.common import set_registration_status

Status = Registration.Status


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
        refresh_from(registration, locked)
    return registration
