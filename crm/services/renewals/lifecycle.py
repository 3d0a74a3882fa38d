"""Grace and lapse for dues left unpaid, and the pending downgrades that start today."""

from datetime import timedelta

from django.db.models import Min
from django.utils import timezone

from crm.models import Membership, MembershipPlan, MembershipPlanChange
from crm.services.memberships import (
    _membership_switch_plan,
    membership_enter_grace,
    membership_lapse,
)
from crm.services.renewals.report import (
    GRACE,
    LAPSED,
    PLAN_CHANGES,
    MStatus,
    RunReport,
    _chunks,
    _each,
    _notify_membership,
)


def _step_grace(report: RunReport) -> None:
    today = report.today
    pks = list(
        Membership.objects.filter(status=MStatus.ACTIVE, paid_through__lt=today)
        .order_by("paid_through", "pk")
        .values_list("pk", flat=True)
    )
    for chunk in _chunks(pks):
        rows = list(Membership.objects.filter(pk__in=chunk).select_related("organization", "plan"))
        if report.dry_run:
            for m in rows:
                report.add(GRACE, f"{m.organization}: into grace (paid through {m.paid_through})")
            continue

        def enter(m: Membership) -> None:
            locked = Membership.objects.select_for_update().get(pk=m.pk)
            if (
                locked.status != MStatus.ACTIVE
                or not locked.paid_through
                or locked.paid_through >= today
            ):
                return  # paid meanwhile, or another run got here first
            membership_enter_grace(
                membership=m, reason=f"dues unpaid past {locked.paid_through.isoformat()}"
            )
            _notify_membership(
                m,
                template="membership_grace",
                subject="Your MetroHartford Alliance membership dues are past due",
                reason=f"membership in grace (paid through {locked.paid_through.isoformat()})",
            )
            report.add(GRACE, f"{m.organization}: into grace (paid through {m.paid_through})")

        _each(report, "grace for", rows, enter)


def _step_lapse(report: RunReport) -> None:
    today = report.today
    shortest = MembershipPlan.objects.aggregate(m=Min("grace_days"))["m"] or 0
    pks = list(
        Membership.objects.filter(
            status=MStatus.GRACE, paid_through__lt=today - timedelta(days=shortest)
        )
        .order_by("paid_through", "pk")
        .values_list("pk", flat=True)
    )
    for chunk in _chunks(pks):
        rows = [
            m
            for m in Membership.objects.filter(pk__in=chunk).select_related("organization", "plan")
            if m.paid_through and m.paid_through + timedelta(days=m.plan.grace_days) < today
        ]
        if report.dry_run:
            for m in rows:
                report.add(LAPSED, f"{m.organization}: lapses ({m.plan.grace_days} days of grace)")
            continue

        def lapse(m: Membership) -> None:
            locked = Membership.objects.select_for_update().get(pk=m.pk)
            if locked.status != MStatus.GRACE or not locked.paid_through:
                return
            if locked.paid_through + timedelta(days=m.plan.grace_days) >= today:
                return
            membership_lapse(
                membership=m,
                reason=f"{m.plan.grace_days} days of grace after "
                f"{locked.paid_through.isoformat()} passed, dues unpaid",
            )
            _notify_membership(
                m,
                template="membership_lapsed",
                subject="Your MetroHartford Alliance membership has lapsed",
                reason="membership lapsed",
            )
            report.add(LAPSED, f"{m.organization}: lapsed")

        _each(report, "lapse of", rows, lapse)


# --- downgrades that start today ---------------------------------------------------------------


def _step_plan_changes(report: RunReport) -> None:
    changes = list(
        MembershipPlanChange.objects.filter(
            status=MembershipPlanChange.Status.PENDING, effective_date__lte=report.today
        ).select_related("membership__organization", "from_plan", "to_plan")
    )
    if report.dry_run:
        for change in changes:
            report.add(PLAN_CHANGES, f"{change.membership.organization}: {change}")
        return

    def apply(change: MembershipPlanChange) -> None:
        locked = MembershipPlanChange.objects.select_for_update().get(pk=change.pk)
        if locked.status != MembershipPlanChange.Status.PENDING:
            return
        _membership_switch_plan(
            membership=change.membership,
            plan=change.to_plan,
            reason=f"moved to {change.to_plan} at renewal ({change.effective_date.isoformat()})",
        )
        locked.status = MembershipPlanChange.Status.APPLIED
        locked.applied_at = timezone.now()
        locked.save(update_fields=["status", "applied_at"])
        report.add(
            PLAN_CHANGES,
            f"{change.membership.organization}: now on {change.to_plan} (was {change.from_plan})",
        )

    _each(report, "plan change of", changes, apply)
