"""The membership lifecycle. Each transition re-reads the row under a lock, returns early when
the membership is already where the caller wants it (a repeated click or webhook is harmless),
refuses an illegal move with a sentence staff can act on, and records who, when and why."""

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.exceptions import ServiceError, TransitionNotAllowed
from core.services import (
    atomic,
    locked_transition,
    refresh_from,
    set_change_reason,
    validated_save,
    with_history_user,
)
from crm.models import Membership, MembershipPlan, MembershipTransition, Organization
from crm.services.auto_renew import membership_auto_renew_set, require_saved_payment_method
from webhooks.payloads import emit_membership_change

Status = Membership.Status


def _user(by: Any) -> Any:
    return by if by is not None and getattr(by, "is_authenticated", False) else None


def _record(membership: Membership, *, from_status: str, by: Any, reason: str) -> None:
    MembershipTransition.objects.create(
        membership=membership,
        from_status=from_status,
        to_status=membership.status,
        by=_user(by),
        reason=reason,
    )


def _transition(
    membership: Membership,
    *,
    to: str,
    allowed_from: tuple[str, ...],
    verb: str,
    by: Any,
    reason: str,
    locked: Membership | None = None,
) -> Membership:
    with atomic():
        from_status = locked_transition(
            membership,
            to=to,
            allowed_from=allowed_from,
            noun="membership",
            verb=verb,
            by=by,
            reason=reason,
            locked=locked,
        )
        if from_status is not None:
            _record(membership, from_status=from_status, by=by, reason=reason)
        emit_membership_change(membership, from_status=from_status)
    return membership


def _lock_organization(organization_id: int) -> None:
    """Every step that opens a membership takes this lock first, so two of them for one business
    (two applications, an application and a reinstatement) run one after the other and the second
    sees the first's membership."""
    Organization.objects.select_for_update().filter(pk=organization_id).first()


def _ensure_no_other_open(organization_id: int, *, exclude_pk: int | None = None) -> None:
    others = Membership.objects.filter(
        organization_id=organization_id, status__in=Membership.OPEN_STATUSES
    )
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    other = others.select_related("plan").first()
    if other is not None:
        raise ServiceError(
            f"This organization already has a membership that is "
            f"{other.get_status_display().lower()} on the {other.plan} plan."
        )


def membership_create(
    *,
    organization: Organization,
    plan: MembershipPlan,
    start_date: date,
    by: Any = None,
    source: str = Membership.Source.STAFF,
    message: str = "",
    auto_renew: bool = False,
    organization_locked: bool = False,
    approved_because: str = "",
    match_note: str = "",
) -> Membership:
    """A new application. Refused when the organization already has an open membership.
    `organization_locked`: the caller holds the organization's row lock already (or created it
    in this transaction), so it is not taken again, and the unique index alone refuses a second
    open membership (a ServiceError that does not describe the other one). `approved_because`:
    approved as it is made (a plan that needs no review), with that reason; its transitions say
    it was applied for, then approved. `match_note`: flagged for staff with that note.
    `auto_renew` needs the organization's saved card or bank account (refused naming the
    field otherwise), as when it is switched on later."""
    if not plan.is_active:
        raise ServiceError(f"The {plan} plan is no longer offered.", field="plan")
    if auto_renew:
        require_saved_payment_method(organization.pk)
    with atomic():
        if not organization_locked:
            _lock_organization(organization.pk)
            _ensure_no_other_open(organization.pk)
        membership = Membership(
            organization=organization,
            plan=plan,
            start_date=start_date,
            source=source,
            application_message=message,
            auto_renew=auto_renew,
            status=Status.APPROVED if approved_because else Status.APPLIED,
            status_changed_at=timezone.now(),
            status_reason=approved_because,
            needs_attention=bool(match_note),
            match_note=match_note,
        )
        with_history_user(membership, by)
        if approved_because:
            set_change_reason(membership, f"applied; approved: {approved_because}")
        try:
            # The partial unique index is the last word when two applications race. (Within
            # all_or_nothing() no savepoint: the refusal undoes the whole submission anyway.)
            with atomic():
                membership.save()
        except IntegrityError:
            raise ServiceError("This organization already has an open membership.") from None
        steps = [("", Status.APPLIED, "applied")]
        if approved_because:
            steps.append((Status.APPLIED, Status.APPROVED, approved_because))
        MembershipTransition.objects.bulk_create(
            MembershipTransition(
                membership=membership,
                from_status=from_status,
                to_status=to_status,
                by=_user(by),
                reason=reason,
            )
            for from_status, to_status, reason in steps
        )
    return membership


def _membership_approve(
    *, membership: Membership, by: Any = None, reason: str = "", fresh: bool = False
) -> Membership:
    """Accept an application: approved and awaiting its dues, or straight to active when the
    applicant already paid the invoice the join issued. `fresh`: the caller created
    `membership` in its still open transaction, so it is the current row and nobody else can
    see it yet; it is not read again."""
    with atomic():
        if fresh:
            locked = membership
        else:
            locked = Membership.objects.select_for_update().get(pk=membership.pk)
        if locked.status != Status.APPLIED or locked.paid_through is None:
            return _transition(
                membership,
                to=Status.APPROVED,
                allowed_from=(Status.APPLIED,),
                verb="approved",
                by=by,
                reason=reason,
                locked=locked,
            )
        reason = reason or "approved; dues already paid"
        from_status = locked_transition(
            membership,
            to=Status.ACTIVE,
            allowed_from=(Status.APPLIED,),
            noun="membership",
            verb="approved",
            by=by,
            reason=reason,
            updates={"member_since": locked.member_since or locked.start_date},
            locked=locked,
        )
        if from_status is not None:
            _record(membership, from_status=from_status, by=by, reason=reason)
        emit_membership_change(membership, from_status=from_status)
    return membership


def _membership_reject(*, membership: Membership, by: Any = None, reason: str) -> Membership:
    if not reason.strip():
        raise ServiceError(
            "Say why the application is rejected; the applicant is told.", field="reason"
        )
    return _transition(
        membership,
        to=Status.REJECTED,
        allowed_from=(Status.APPLIED,),
        verb="rejected",
        by=by,
        reason=reason.strip(),
    )


def membership_record_payment(
    *, membership: Membership, period_end: date, by: Any = None, reason: str = "dues paid"
) -> Membership:
    """The one place a paid dues invoice has its effect: the membership is active and paid
    through the end of the period the invoice covered (never moved backwards). An application
    still waiting for review keeps waiting: its dues are recorded and approval activates it."""
    with transaction.atomic():
        _lock_organization(membership.organization_id)
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        if locked.status in (Status.CANCELLED, Status.REJECTED):
            raise TransitionNotAllowed(
                f"A membership that is {locked.get_status_display().lower()} cannot be "
                f"activated by a payment; refund it or reinstate the membership first."
            )
        new_paid_through = max(filter(None, [locked.paid_through, period_end]))
        if locked.status == Status.ACTIVE and locked.paid_through == new_paid_through:
            refresh_from(membership, locked)
            return membership
        if locked.status == Status.APPLIED:
            if locked.paid_through != new_paid_through:
                locked.paid_through = new_paid_through
                with_history_user(locked, by)
                set_change_reason(locked, f"{reason}; awaiting approval")
                locked.save()
                _record(
                    locked,
                    from_status=Status.APPLIED,
                    by=by,
                    reason=f"{reason} through {new_paid_through.isoformat()}; awaiting approval",
                )
            refresh_from(membership, locked)
            return membership
        if locked.status == Status.LAPSED:
            _ensure_no_other_open(locked.organization_id, exclude_pk=locked.pk)
        from_status = locked.status
        locked.paid_through = new_paid_through
        if locked.member_since is None:
            locked.member_since = locked.start_date
        if locked.status != Status.ACTIVE:
            locked.status = Status.ACTIVE
            locked.status_changed_at = timezone.now()
            locked.status_reason = reason
        with_history_user(locked, by)
        set_change_reason(locked, reason)
        locked.save()
        _record(
            locked,
            from_status=from_status,
            by=by,
            reason=f"{reason}; paid through {new_paid_through.isoformat()}",
        )
        emit_membership_change(locked, from_status=from_status)
    refresh_from(membership, locked)
    return membership


def membership_enter_grace(
    *, membership: Membership, by: Any = None, reason: str = "dues past due"
) -> Membership:
    return _transition(
        membership,
        to=Status.GRACE,
        allowed_from=(Status.ACTIVE,),
        verb="moved into its grace period",
        by=by,
        reason=reason,
    )


def membership_lapse(
    *, membership: Membership, by: Any = None, reason: str = "grace period over, dues unpaid"
) -> Membership:
    return _transition(
        membership,
        to=Status.LAPSED,
        allowed_from=(Status.GRACE,),
        verb="lapsed",
        by=by,
        reason=reason,
    )


def membership_cancel(*, membership: Membership, by: Any = None, reason: str) -> Membership:
    """Drop a member (or withdraw an application)."""
    if not reason.strip():
        raise ServiceError("Say why the membership is dropped.", field="reason")
    return _transition(
        membership,
        to=Status.CANCELLED,
        allowed_from=(Status.APPLIED, Status.APPROVED, Status.ACTIVE, Status.GRACE),
        verb="dropped",
        by=by,
        reason=reason.strip(),
    )


def _membership_reinstate(
    *, membership: Membership, by: Any = None, reason: str = "", today: date | None = None
) -> Membership:
    """Bring back a lapsed or dropped member: active again when its dues still cover today,
    otherwise approved and waiting for its reinstatement invoice to be paid. The bare state
    change: staff reinstate with membership_reinstate_and_bill, which also bills what is owed."""
    today = today or timezone.localdate()
    with transaction.atomic():
        _lock_organization(membership.organization_id)
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        if locked.status not in (Status.LAPSED, Status.CANCELLED):
            if locked.status in (Status.ACTIVE, Status.APPROVED):
                refresh_from(membership, locked)
                return membership
            raise TransitionNotAllowed(
                f"A membership that is {locked.get_status_display().lower()} cannot be reinstated."
            )
        _ensure_no_other_open(locked.organization_id, exclude_pk=locked.pk)
        to = (
            Status.ACTIVE
            if locked.paid_through and locked.paid_through >= today
            else Status.APPROVED
        )
        return _transition(
            membership,
            to=to,
            allowed_from=(Status.LAPSED, Status.CANCELLED),
            verb="reinstated",
            by=by,
            reason=reason or "reinstated",
        )


def membership_reverse_payment(
    *,
    membership: Membership,
    period_start: date,
    period_end: date,
    by: Any = None,
    reason: str = "dues refunded",
    today: date | None = None,
) -> str:
    """Undo what a refunded dues payment did, and say what that was.

    The paid-through date moves back to the day before the refunded period when that period is
    the latest one paid (a later paid period is left alone). A member whose dues no longer cover
    anything goes back to approved, awaiting payment; one covered only up to a past date moves
    into its grace period, from where the daily job lapses it as usual.
    """
    from datetime import timedelta

    today = today or timezone.localdate()
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        name = str(locked.organization)
        if locked.paid_through is None or locked.paid_through < period_start:
            refresh_from(membership, locked)
            return f"{name}: the refunded period was not counted as paid; membership unchanged."
        if locked.paid_through > period_end:
            refresh_from(membership, locked)
            return (
                f"{name}: a later period is paid too (through {locked.paid_through.isoformat()}); "
                f"membership unchanged, review it by hand."
            )
        from_status = locked.status
        earliest_paid = locked.member_since or locked.start_date
        new_paid_through: date | None = period_start - timedelta(days=1)
        if new_paid_through is not None and new_paid_through < earliest_paid:
            new_paid_through = None
        locked.paid_through = new_paid_through
        if locked.status in Membership.CURRENT_STATUSES:
            if new_paid_through is None:
                locked.status = Status.APPROVED
                locked.member_since = None
            elif new_paid_through < today and locked.status == Status.ACTIVE:
                locked.status = Status.GRACE
        if locked.status != from_status:
            locked.status_changed_at = timezone.now()
            locked.status_reason = reason
        with_history_user(locked, by)
        set_change_reason(locked, reason)
        locked.save()
        through = new_paid_through.isoformat() if new_paid_through else "nothing"
        _record(locked, from_status=from_status, by=by, reason=f"{reason}; paid through {through}")
    refresh_from(membership, locked)
    moved = (
        f"{locked.get_status_display().lower()} (was {Status(from_status).label.lower()})"
        if locked.status != from_status
        else f"still {locked.get_status_display().lower()}"
    )
    paid = f"paid through {through}" if new_paid_through else "with no dues paid"
    return f"{name}: membership {moved}, {paid}."


def membership_update(
    *,
    membership: Membership,
    by: Any = None,
    auto_renew: bool | None = None,
    application_message: str | None = None,
    reason: str = "by staff",
) -> Membership:
    """The few fields staff may edit in place; the status moves only through the transitions
    above, and the organization and plan stay what the membership was created with. A new
    `auto_renew` goes through the switch the portal uses (membership_auto_renew_set, with
    `reason`): on only with a saved payment method, else refused naming the field and nothing
    is changed."""
    switch = auto_renew is not None and auto_renew != membership.auto_renew
    with atomic():
        if switch:
            switched = membership_auto_renew_set(
                membership=membership, enabled=bool(auto_renew), by=by, reason=reason
            )
            membership.auto_renew = switched.auto_renew
        if application_message is not None:
            membership.application_message = application_message
        if application_message is not None or not switch:  # the switch wrote its own row
            validated_save(membership, by=by)
    return membership


def _membership_switch_plan(
    *, membership: Membership, plan: MembershipPlan, by: Any = None, reason: str
) -> Membership:
    """Put a membership on another plan (an upgrade now, a downgrade at its renewal). Called by
    the plan-change service, which decides when and bills the difference."""
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        if locked.plan_id == plan.pk:
            refresh_from(membership, locked)
            return membership
        locked.plan = plan
        with_history_user(locked, by)
        set_change_reason(locked, reason)
        locked.save()
    refresh_from(membership, locked)
    membership.plan = plan
    return membership
