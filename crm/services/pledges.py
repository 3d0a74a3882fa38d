from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from billing.money import format_usd, money
from core.exceptions import InvalidData, ServiceError
from core.services import atomic, keep_prefetched, locked_transition, validated_save
from crm.models import Contact, InvestorLevel, Organization, Pledge, PledgeInstallment
from crm.schedule import installment_schedule
from webhooks.payloads import emit_pledge_change

Status = Pledge.Status

# What pledge_create does with installments already due (a pledge entered back-dated, migrated
# from an old system): invoice them like the others, or record them as paid outside this system.
PAST_INSTALLMENTS = ("invoice", "settled")


def pledge_create(
    *,
    organization: Organization,
    level: InvestorLevel,
    annual_amount: Decimal,
    start_date: date,
    term_years: int,
    installments_per_year: int,
    contact: Contact | None = None,
    message: str = "",
    past_installments: str = "invoice",
    today: date | None = None,
    by: Any = None,
) -> Pledge:
    """A submitted commitment with its installment schedule stored beside it.

    `past_installments="settled"` records the installments due before today as paid outside this
    system (a back-dated pledge migrated from an old system): they are never invoiced, and count
    as paid when the pledge completes. "invoice" (the default) bills them like the others."""
    if past_installments not in PAST_INSTALLMENTS:
        raise InvalidData(
            f"Past installments are either {' or '.join(map(repr, PAST_INSTALLMENTS))}.",
            field="past_installments",
        )
    today = today or timezone.localdate()
    annual_amount = money(annual_amount)
    if annual_amount < level.minimum_annual_amount:
        raise InvalidData(
            f"The {level} level starts at {format_usd(level.minimum_annual_amount)} a year.",
            field="annual_amount",
        )
    try:
        schedule = installment_schedule(
            annual_amount=annual_amount,
            start=start_date,
            term_years=term_years,
            installments_per_year=installments_per_year,
        )
    except ValueError as exc:
        raise InvalidData(str(exc)) from exc
    with atomic():
        pledge = Pledge(
            organization=organization,
            level=level,
            contact=contact,
            annual_amount=annual_amount,
            start_date=start_date,
            term_years=term_years,
            installments_per_year=installments_per_year,
            message=message,
            status_changed_at=timezone.now(),
        )
        # full_clean: the model's limits (a term of at most ten years) hold here too. The
        # reference is a new random token: its unique index is the last word, not a query.
        validated_save(pledge, by=by, checked=["reference"])
        installments = PledgeInstallment.objects.bulk_create(
            PledgeInstallment(
                pledge=pledge,
                number=item.number,
                due_date=item.due_date,
                amount=item.amount,
                settled_outside=past_installments == "settled" and item.due_date < today,
            )
            for item in schedule
        )
        # Its mail and the API's answer list the schedule just written: not read again.
        keep_prefetched(pledge, "installments", installments)
    return pledge


def _pledge_transition(
    pledge: Pledge,
    *,
    to: str,
    allowed_from: tuple[str, ...],
    verb: str,
    by: Any,
    reason: str,
    **updates: Any,
) -> Pledge:
    with transaction.atomic():
        from_status = locked_transition(
            pledge,
            to=to,
            allowed_from=allowed_from,
            noun="pledge",
            verb=verb,
            by=by,
            reason=reason,
            updates=updates,
        )
        emit_pledge_change(pledge, from_status=from_status)
    return pledge


def _pledge_confirm(*, pledge: Pledge, by: Any = None, reason: str = "") -> Pledge:
    user = by if by is not None and getattr(by, "is_authenticated", False) else None
    return _pledge_transition(
        pledge,
        to=Status.CONFIRMED,
        allowed_from=(Status.SUBMITTED,),
        verb="confirmed",
        by=by,
        reason=reason,
        confirmed_at=timezone.now(),
        confirmed_by=user,
    )


def _pledge_decline(*, pledge: Pledge, by: Any = None, reason: str) -> Pledge:
    if not reason.strip():
        raise ServiceError("Say why the pledge is declined.", field="reason")
    return _pledge_transition(
        pledge,
        to=Status.DECLINED,
        allowed_from=(Status.SUBMITTED,),
        verb="declined",
        by=by,
        reason=reason.strip(),
    )


def pledge_cancel(*, pledge: Pledge, by: Any = None, reason: str) -> Pledge:
    if not reason.strip():
        raise ServiceError("Say why the pledge is cancelled.", field="reason")
    return _pledge_transition(
        pledge,
        to=Status.CANCELLED,
        allowed_from=(Status.SUBMITTED, Status.CONFIRMED),
        verb="cancelled",
        by=by,
        reason=reason.strip(),
    )


def pledge_complete(*, pledge: Pledge, by: Any = None, reason: str = "fully paid") -> Pledge:
    return _pledge_transition(
        pledge,
        to=Status.COMPLETED,
        allowed_from=(Status.CONFIRMED,),
        verb="completed",
        by=by,
        reason=reason,
    )


def pledge_reopen(*, pledge: Pledge, by: Any = None, reason: str) -> Pledge:
    """A completed pledge owes money again (an installment was refunded): back to confirmed."""
    return _pledge_transition(
        pledge,
        to=Status.CONFIRMED,
        allowed_from=(Status.COMPLETED,),
        verb="reopened",
        by=by,
        reason=reason,
    )


def pledge_update(
    *,
    pledge: Pledge,
    by: Any = None,
    contact: Contact | None = None,
    message: str | None = None,
) -> Pledge:
    """The contact and message may change; the amounts and schedule are fixed once made (cancel
    the pledge and pledge anew to change them)."""
    if contact is not None:
        pledge.contact = contact
    if message is not None:
        pledge.message = message
    validated_save(pledge, by=by)
    return pledge
