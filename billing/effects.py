"""What a paid invoice does, in one place: the membership becomes active and its paid-through
date moves, the pledge installment is settled (and the pledge completed with its last one),
the event registration is confirmed. A full refund runs the reversal handlers.

Handlers are registered per line kind, so another app plugs its own in without billing
importing it (the events app registers "registration"):

    register_paid_handler("registration", confirm_registrations)
    register_reversal_handler("registration", cancel_registrations)

A handler is called once per invoice with all the invoice's lines of its kind, inside the
transaction that changes the invoice, and returns sentences saying what it did.
"""

from collections import defaultdict
from collections.abc import Callable
from typing import Any, Protocol

from core.exceptions import ServiceError, TransitionNotAllowed


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


# --- memberships -------------------------------------------------------------------------------


def _membership_periods(lines: list[Any]) -> dict[int, tuple[Any, Any, Any]]:
    periods: dict[int, tuple[Any, Any, Any]] = {}
    for line in lines:
        start, end = line.period_start, line.period_end
        if line.membership_id in periods:
            _, s, e = periods[line.membership_id]
            start, end = min(filter(None, [s, start])), max(filter(None, [e, end]))
        periods[line.membership_id] = (line.membership, start, end)
    return periods


def membership_paid(*, invoice: Any, lines: list[Any], by: Any) -> list[str]:
    from crm.services import membership_record_payment

    outcomes = []
    for membership, _start, end in _membership_periods(lines).values():
        try:
            membership_record_payment(
                membership=membership,
                period_end=end,
                by=by,
                reason=f"dues paid (invoice {invoice.number})",
            )
        except TransitionNotAllowed as exc:
            # The money is real and stays recorded; staff decide between refund and reinstate.
            outcomes.append(f"{membership.organization}: {exc.message}")
            continue
        outcomes.append(
            f"{membership.organization}: membership active, paid through "
            f"{membership.paid_through.isoformat() if membership.paid_through else '-'}."
        )
    return outcomes


def membership_refunded(*, invoice: Any, lines: list[Any], by: Any) -> list[str]:
    from crm.services import membership_reverse_payment

    return [
        membership_reverse_payment(
            membership=membership,
            period_start=start,
            period_end=end,
            by=by,
            reason=f"dues refunded (invoice {invoice.number})",
        )
        for membership, start, end in _membership_periods(lines).values()
    ]


# --- pledge installments -----------------------------------------------------------------------


def installment_paid(*, invoice: Any, lines: list[Any], by: Any) -> list[str]:
    from billing.selectors import installment_is_settled
    from crm.models import Pledge
    from crm.services import pledge_complete
    from crm.services.pledges import _pledge_confirm

    outcomes = []
    pledges = {}
    for line in lines:
        installment = line.pledge_installment
        outcomes.append(
            f"Installment {installment.number} of the {installment.pledge.level} pledge of "
            f"{installment.pledge.organization} settled."
        )
        pledges[installment.pledge_id] = installment.pledge
    for pledge in pledges.values():
        pledge.refresh_from_db()
        if pledge.status == Pledge.Status.SUBMITTED:
            _pledge_confirm(
                pledge=pledge, by=by, reason=f"first payment (invoice {invoice.number})"
            )
            outcomes.append(f"Pledge of {pledge.organization} confirmed by its payment.")
        if pledge.status == Pledge.Status.CONFIRMED and all(
            installment_is_settled(i) for i in pledge.installments.all()
        ):
            pledge_complete(
                pledge=pledge, by=by, reason=f"last installment paid ({invoice.number})"
            )
            outcomes.append(f"Pledge of {pledge.organization} completed: every installment paid.")
    return outcomes


def installment_refunded(*, invoice: Any, lines: list[Any], by: Any) -> list[str]:
    from crm.models import Pledge
    from crm.services import pledge_reopen

    outcomes = []
    pledges = {}
    for line in lines:
        installment = line.pledge_installment
        outcomes.append(
            f"Installment {installment.number} of the pledge of {installment.pledge.organization} "
            f"is unpaid again."
        )
        pledges[installment.pledge_id] = installment.pledge
    for pledge in pledges.values():
        pledge.refresh_from_db()
        if pledge.status == Pledge.Status.COMPLETED:
            pledge_reopen(pledge=pledge, by=by, reason=f"installment refunded ({invoice.number})")
            outcomes.append(f"Pledge of {pledge.organization} reopened (confirmed, not complete).")
    return outcomes


BUILT_IN: dict[str, tuple[Callable[..., list[str]], Callable[..., list[str]]]] = {
    "membership": (membership_paid, membership_refunded),
    "pledge_installment": (installment_paid, installment_refunded),
}
for _kind, (_paid, _reversal) in BUILT_IN.items():
    register_paid_handler(_kind, _paid)
    register_reversal_handler(_kind, _reversal)
