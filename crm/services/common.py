from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from crm.exceptions import InvalidData, TransitionNotAllowed


def with_history_user(instance: models.Model, user: Any) -> None:
    """Tell django-simple-history who made the change when it happens outside a request."""
    if user is not None and getattr(user, "is_authenticated", False):
        instance._history_user = user  # type: ignore[attr-defined]


def set_change_reason(instance: models.Model, reason: str) -> None:
    """The reason shown in the change history. django-simple-history keeps 100 characters; the
    full text stays on the record itself (status_reason, the transition row or a note)."""
    reason = " ".join(reason.split())
    instance._change_reason = reason if len(reason) <= 100 else reason[:99] + "…"  # type: ignore[attr-defined]


def validated_save(instance: models.Model, *, by: Any = None) -> None:
    """full_clean() then save(), turning validation errors into one readable InvalidData."""
    try:
        instance.full_clean()
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            field, errors = next(iter(exc.error_dict.items()))
            message = "; ".join(str(m) for e in errors for m in e.messages)
            raise InvalidData(message, field=None if field == "__all__" else field) from exc
        raise InvalidData("; ".join(exc.messages)) from exc
    with_history_user(instance, by)
    instance.save()


def refresh_from(stale: models.Model, fresh: models.Model) -> None:
    """Copy a freshly locked row's fields onto the caller's instance."""
    for field in type(fresh)._meta.concrete_fields:
        setattr(stale, field.attname, getattr(fresh, field.attname))


def locked_transition(
    instance: Any,
    *,
    to: str,
    allowed_from: tuple[str, ...],
    noun: str,
    verb: str,
    by: Any,
    reason: str,
    updates: dict[str, Any] | None = None,
) -> str | None:
    """Move `instance` (a model with `status`, `status_changed_at`, `status_reason`) to `to`.

    Must run inside a transaction. The row is re-read under a lock so that two clicks, or a click
    and the daily job, cannot both apply one step from stale copies. Returns the status it came
    from, or None when it was already there (the caller's retry is then harmless).
    """
    from django.utils import timezone

    locked = type(instance).objects.select_for_update().get(pk=instance.pk)
    if locked.status == to:
        refresh_from(instance, locked)
        return None
    if locked.status not in allowed_from:
        raise TransitionNotAllowed(
            f"A {noun} that is {locked.get_status_display().lower()} cannot be {verb}."
        )
    from_status = locked.status
    locked.status = to
    locked.status_changed_at = timezone.now()
    locked.status_reason = reason
    for name, value in (updates or {}).items():
        setattr(locked, name, value)
    with_history_user(locked, by)
    set_change_reason(locked, reason or verb)
    locked.save()
    refresh_from(instance, locked)
    return from_status
