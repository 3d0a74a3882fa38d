"""What a paid invoice does, in one place: the membership becomes active and its paid-through
date moves, the pledge installment is settled (and the pledge completed with its last one),
the event registration is confirmed. A full refund runs the reversal handlers.

Handlers are registered per line kind, so each app plugs its own in without billing importing
it (crm registers "membership" and "pledge_installment", events "registration"):

    register_paid_handler("registration", confirm_registrations)
    register_reversal_handler("registration", cancel_registrations)

A handler is called once per invoice with all the invoice's lines of its kind, inside the
transaction that changes the invoice, and returns sentences saying what it did.
"""

from collections import defaultdict
from collections.abc import Callable
from typing import Any, Protocol

from core.exceptions import ServiceError


class LineHandler(Protocol):
    def __call__(self, *, invoice: Any, lines: list[Any], by: Any) -> list[str]: ...


_paid_handlers: dict[str, LineHandler] = {}
_reversal_handlers: dict[str, LineHandler] = {}
# Told of every paid invoice, whatever its lines (the webhooks app announces invoice.paid).
_paid_listeners: list[Callable[..., None]] = []

# Lines that pay for nothing with a life of its own (a fee, a donation) need no handler.
KINDS_WITHOUT_EFFECT = {"other"}


def register_paid_handler(kind: str, handler: LineHandler) -> None:
    _paid_handlers[kind] = handler


def register_reversal_handler(kind: str, handler: LineHandler) -> None:
    _reversal_handlers[kind] = handler


def register_paid_listener(listener: Callable[..., None]) -> None:
    """`listener(invoice=..., by=...)` runs in the transaction that makes an invoice paid,
    after the line handlers."""
    if listener not in _paid_listeners:
        _paid_listeners.append(listener)


def _by_kind(invoice: Any) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = defaultdict(list)
    for line in invoice.lines.all():
        grouped[line.kind].append(line)
    return grouped


def _run(invoice: Any, by: Any, handlers: dict[str, LineHandler], what: str) -> list[str]:
    outcomes: list[str] = []
    for kind, lines in _by_kind(invoice).items():
        if kind in KINDS_WITHOUT_EFFECT:
            continue
        handler = handlers.get(kind)
        if handler is None:
            raise ServiceError(
                f"No {what} handler is registered for {kind} lines, so invoice "
                f"{invoice.number} cannot take effect yet."
            )
        outcomes.extend(handler(invoice=invoice, lines=lines, by=by))
    return outcomes


def apply_paid(invoice: Any, *, by: Any = None) -> list[str]:
    outcomes = _run(invoice, by, _paid_handlers, "payment")
    for listener in _paid_listeners:
        listener(invoice=invoice, by=by)
    return outcomes


def reverse_paid(invoice: Any, *, by: Any = None) -> list[str]:
    return _run(invoice, by, _reversal_handlers, "reversal")
