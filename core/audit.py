"""Who changed a record, when and why, whichever way the change came in: what the change history
(django-simple-history) writes beside every saved version, shown on each record's History page.

- Who: the user a service was given (`by`), else the request's user (simple-history's
  HistoryRequestMiddleware; the staff API puts the token's user on the request, see
  api/views/staff_base.py). Work without a user has none, and its reason says what did it.
- Why: the reason a service gave (set_change_reason); a change without one is labelled with where
  it was made ("In the admin", "Through the staff API").
- Work that no person started (a Stripe webhook, a management command, a background task) runs
  inside `audit_source(...)`, whose label leads the reason: "Stripe evt_1Q… (invoice.paid): Paid."
"""

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar, Token
from typing import Any

from django.core.management.base import BaseCommand
from simple_history.models import HistoricalRecords

from core.services import shorten_reason

_source: ContextVar[str | None] = ContextVar("audit_source", default=None)
_task_tokens: ContextVar[tuple[Token, ...]] = ContextVar("audit_task_tokens", default=())


@contextmanager
def audit_source(label: str) -> Iterator[None]:
    """Changes saved inside name `label` as what made them (the innermost label wins)."""
    token = _source.set(label)
    try:
        yield
    finally:
        _source.reset(token)


def request_channel(request: Any) -> str:
    """Where a change without a reason of its own was made, from the request that made it."""
    path = getattr(request, "path", "") or ""
    if path.startswith("/admin/"):
        return "In the admin"
    if path.startswith("/api/v1/public/"):
        return "On the website (public API)"
    if path.startswith("/api/v1/"):
        return "Through the staff API"
    if path.startswith("/members/"):
        return "Through the member portal"
    return "On the website"


def fill_history_record(sender: Any, history_instance: Any, **kwargs: Any) -> None:
    """pre_create_historical_record: put the source and the channel into the reason."""
    reason = history_instance.history_change_reason or ""
    source = _source.get()
    if source:
        reason = f"{source}: {reason}" if reason else source
    elif not reason:
        request = getattr(HistoricalRecords.context, "request", None)
        if request is not None:
            reason = request_channel(request)
    history_instance.history_change_reason = shorten_reason(reason) or None


def task_started(sender: Any, task_result: Any, **kwargs: Any) -> None:
    """A background task names itself in the reasons of what it changes."""
    token = _source.set(f"Task {task_result.task.name}")
    _task_tokens.set((*_task_tokens.get(), token))


def task_finished(sender: Any, task_result: Any, **kwargs: Any) -> None:
    tokens = _task_tokens.get()
    if tokens:
        _task_tokens.set(tokens[:-1])
        # A token from another context (a thread hop) has nothing of ours to undo.
        with suppress(ValueError):
            _source.reset(tokens[-1])


class AuditedCommand(BaseCommand):
    """A management command whose changes are recorded as made by `manage.py <its name>`."""

    def execute(self, *args: Any, **options: Any) -> Any:
        name = type(self).__module__.rsplit(".", 1)[-1]
        with audit_source(f"manage.py {name}"):
            return super().execute(*args, **options)


def connect() -> None:
    from django.tasks.signals import task_finished as finished
    from django.tasks.signals import task_started as started
    from simple_history.signals import pre_create_historical_record

    pre_create_historical_record.connect(fill_history_record, dispatch_uid="core.audit.reason")
    started.connect(task_started, dispatch_uid="core.audit.task_started")
    finished.connect(task_finished, dispatch_uid="core.audit.task_finished")
