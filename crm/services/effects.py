"""What billing calls when an invoice with membership or pledge-installment lines is paid or
refunded in full (billing.effects): the membership becomes active and its paid-through date
moves, or the period is taken back; the installment is settled (the pledge confirmed by its
first payment and completed by its last), or the pledge reopens. Registered when the crm app is
ready, so billing never imports crm's services."""

from typing import Any

from billing.effects import register_paid_handler, register_reversal_handler
from billing.selectors import installment_is_settled
from core.exceptions import TransitionNotAllowed
from crm.models import Pledge
from crm.services.memberships import membership_record_payment, membership_reverse_payment
from crm.services.pledges import _pledge_confirm, pledge_complete, pledge_reopen

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


def _installments(lines: list[Any], sentence: str) -> tuple[list[str], list[Pledge]]:
    """A sentence per installment line (formatted with `installment` and `pledge`), and each
    pledge the lines belong to, read again."""
    outcomes = []
    pledges: dict[int, Pledge] = {}
    for line in lines:
        installment = line.pledge_installment
        outcomes.append(sentence.format(installment=installment, pledge=installment.pledge))
        pledges[installment.pledge_id] = installment.pledge
    for pledge in pledges.values():
        pledge.refresh_from_db()
    return outcomes, list(pledges.values())


def installment_paid(*, invoice: Any, lines: list[Any], by: Any) -> list[str]:
    outcomes, pledges = _installments(
        lines,
        "Installment {installment.number} of the {pledge.level} pledge of "
        "{pledge.organization} settled.",
    )
    for pledge in pledges:
        if pledge.status == Pledge.Status.SUBMITTED:
            _pledge_confirm(
                pledge=pledge, by=by, reason=f"first payment (invoice {invoice.number})"
            )
            outcomes.append(f"Pledge of {pledge.organization} confirmed by its payment.")
        # Latest first: an unsettled one is most likely among the last, so a payment on a long
        # schedule does not read every installment paid before it.
        if pledge.status == Pledge.Status.CONFIRMED and all(
            installment_is_settled(i) for i in reversed(pledge.installments.all())
        ):
            pledge_complete(
                pledge=pledge, by=by, reason=f"last installment paid ({invoice.number})"
            )
            outcomes.append(f"Pledge of {pledge.organization} completed: every installment paid.")
    return outcomes


def installment_refunded(*, invoice: Any, lines: list[Any], by: Any) -> list[str]:
    outcomes, pledges = _installments(
        lines,
        "Installment {installment.number} of the pledge of {pledge.organization} is unpaid again.",
    )
    for pledge in pledges:
        if pledge.status == Pledge.Status.COMPLETED:
            pledge_reopen(pledge=pledge, by=by, reason=f"installment refunded ({invoice.number})")
            outcomes.append(f"Pledge of {pledge.organization} reopened (confirmed, not complete).")
    return outcomes


def register_billing_handlers() -> None:
    register_paid_handler("membership", membership_paid)
    register_reversal_handler("membership", membership_refunded)
    register_paid_handler("pledge_installment", installment_paid)
    register_reversal_handler("pledge_installment", installment_refunded)
