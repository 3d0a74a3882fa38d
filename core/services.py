from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from core.exceptions import InvalidData, TransitionNotAllowed


def with_history_user(instance: models.Model, user: Any) -> None:
    """Tell django-simple-history who made the change when it happens outside a request."""
    if user is not None and getattr(user, "is_authenticated", False):
        instance._history_user = user  # type: ignore[attr-defined]


def history_bulk_create(model: type[models.Model], instances: Iterable[models.Model]) -> None:
    """Write the change-history rows of `instances` (saved, or snapshots of one saved record at
    successive steps) in one insert, each as django-simple-history's post_save would have
    written it after that save: its `_history_type` ("+" unless set), who (`_history_user`, else
    the request's user), why (`_change_reason`), and the same pre/post signals, so the audit's
    source and channel fill the reason as usual. For bulk inserts, which send no post_save."""
    from simple_history.models import HistoricalRecords
    from simple_history.signals import (
        post_create_historical_record,
        pre_create_historical_record,
    )
    from simple_history.utils import get_change_reason_from_object

    history_model = model.history.model  # type: ignore[attr-defined]
    request = getattr(HistoricalRecords.context, "request", None)
    request_user = getattr(request, "user", None)
    if not getattr(request_user, "is_authenticated", False):
        request_user = None
    rows = []
    for instance in instances:
        history_date = getattr(instance, "_history_date", timezone.now())
        history_user = getattr(instance, "_history_user", request_user)
        reason = get_change_reason_from_object(instance)
        row = history_model(
            history_date=history_date,
            history_type=getattr(instance, "_history_type", "+"),
            history_user=history_user,
            history_change_reason=reason,
            **{f.attname: getattr(instance, f.attname) for f in history_model.tracked_fields},
        )
        pre_create_historical_record.send(
            sender=history_model,
            instance=instance,
            history_date=history_date,
            history_user=history_user,
            history_change_reason=reason,
            history_instance=row,
            using=None,
        )
        rows.append((instance, row))
    history_model.objects.bulk_create([row for _instance, row in rows])
    for instance, row in rows:
        post_create_historical_record.send(
            sender=history_model, instance=instance, history_instance=row, using=None
        )


def user_or_none(by: Any) -> Any:
    """The user to record as having made a change: None for a job or an anonymous visitor."""
    return by if by is not None and getattr(by, "is_authenticated", False) else None


# django-simple-history keeps 100 characters of a reason; the full text stays on the record
# itself (status_reason, the transition row or a note).
REASON_LENGTH = 100


def shorten_reason(text: str) -> str:
    """A reason as the change history keeps it: one line, at most REASON_LENGTH characters."""
    text = " ".join(text.split())
    return text if len(text) <= REASON_LENGTH else text[: REASON_LENGTH - 1] + "…"


def set_change_reason(instance: models.Model, reason: str) -> None:
    """The reason shown in the change history of `instance`'s next save."""
    instance._change_reason = shorten_reason(reason)  # type: ignore[attr-defined]


def set_status(
    instance: Any,
    *,
    to: str,
    reason: str,
    by: Any,
    history_reason: str | None = None,
    at: datetime | None = None,
    **updates: Any,
) -> None:
    """Put `instance` (a model with `status`, `status_changed_at` and `status_reason`) in status
    `to` and save it, with `updates` to other fields. `reason` is kept on the record and in its
    change history (`history_reason` there instead, when given). The caller holds the lock and
    has checked that the step is allowed."""
    instance.status = to
    instance.status_changed_at = at or timezone.now()
    instance.status_reason = reason
    for name, value in updates.items():
        setattr(instance, name, value)
    with_history_user(instance, by)
    set_change_reason(instance, reason if history_reason is None else history_reason)
    instance.save()


_ALL_OR_NOTHING: ContextVar[bool] = ContextVar("all_or_nothing", default=False)


@contextmanager
def all_or_nothing() -> Iterator[None]:
    """One transaction for a whole submission (a join, an investment, a registration) in which
    any exception undoes everything: the services it calls then take no savepoints of their own
    (`atomic()`), which would be two round trips each and roll back nothing the outer block
    would not. A step inside that catches an error and goes on keeps its own
    `transaction.atomic()`."""
    with transaction.atomic():
        token = _ALL_OR_NOTHING.set(True)
        try:
            yield
        finally:
            _ALL_OR_NOTHING.reset(token)


def atomic() -> Any:
    """A service's transaction: its own when called alone, or inside a caller's with a
    savepoint, except within `all_or_nothing()`, whose failure undoes it anyway."""
    return transaction.atomic(savepoint=not _ALL_OR_NOTHING.get())


def _loaded_relations(instance: models.Model) -> list[str]:
    """Foreign keys whose related object is at hand and saved: full_clean() would query the
    database to check it exists (one SELECT each), while the caller has just read or written it
    (and the database's own constraint stays the last word)."""
    names = []
    for field in instance._meta.concrete_fields:
        remote = field.remote_field
        if not field.is_relation or remote is None or remote.limit_choices_to:
            continue
        related = field.get_cached_value(instance, default=None)  # type: ignore[attr-defined]
        if (
            related is not None
            and related.pk is not None
            and not related._state.adding
            and related.pk == getattr(instance, field.attname)
        ):
            names.append(field.name)
    return names


def validated_save(instance: models.Model, *, by: Any = None, checked: Iterable[str] = ()) -> None:
    """full_clean() then save(), turning validation errors into one readable InvalidData.
    `checked` names fields whose uniqueness checks and constraints the caller has already made
    sure of (under a lock, or with the database's unique index as the last word): each would
    be another query."""
    try:
        _full_clean(instance, checked=checked)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            field, errors = next(iter(exc.error_dict.items()))
            message = "; ".join(str(m) for e in errors for m in e.messages)
            raise InvalidData(message, field=None if field == "__all__" else field) from exc
        raise InvalidData("; ".join(exc.messages)) from exc
    with_history_user(instance, by)
    instance.save()


def _full_clean(instance: models.Model, *, checked: Iterable[str]) -> None:
    loaded = _loaded_relations(instance)
    checked = set(checked)
    if not loaded and not checked:
        instance.full_clean()
        return
    # The fields' own validation, minus the existence queries of loaded relations...
    instance.clean_fields(exclude=set(loaded))
    instance.clean()
    # ...then uniqueness and constraints as full_clean() would check them, minus those the
    # caller has already made sure of.
    exclude = {f.name for f in instance._meta.fields if f.name in checked}
    instance.validate_unique(exclude=exclude)
    instance.validate_constraints(exclude=exclude)


def keep_prefetched(instance: models.Model, name: str, objects: list[Any]) -> None:
    """Hand `instance` its related `name` rows as if prefetched (instance.<name>.all() then reads
    no database): for rows the caller has just written and nothing changes before they are read
    (a new invoice's lines, a new registration's attendees)."""
    cached = getattr(instance, name).all()
    cached._result_cache = list(objects)
    cached._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}  # type: ignore[attr-defined]
    instance._prefetched_objects_cache[name] = cached  # type: ignore[attr-defined]


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
    locked: Any = None,
) -> str | None:
    """Move `instance` (a model with `status`, `status_changed_at`, `status_reason`) to `to`.

    Must run inside a transaction. The row is re-read under a lock so that two clicks, or a click
    and the daily job, cannot both apply one step from stale copies (a caller that has just
    done so passes its `locked` copy). Returns the status it came from, or None when it was
    already there (the caller's retry is then harmless).
    """
    if locked is None:
        locked = type(instance).objects.select_for_update().get(pk=instance.pk)
    if locked.status == to:
        refresh_from(instance, locked)
        return None
    if locked.status not in allowed_from:
        raise TransitionNotAllowed(
            f"A {noun} that is {locked.get_status_display().lower()} cannot be {verb}."
        )
    from_status = locked.status
    set_status(
        locked, to=to, reason=reason, by=by, history_reason=reason or verb, **(updates or {})
    )
    refresh_from(instance, locked)
    return from_status
