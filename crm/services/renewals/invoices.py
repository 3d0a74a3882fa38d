"""Renewal invoices: the next period's invoice for each member whose renewal comes round,
charged to the saved card of an auto-renewing member, mailed to everyone else."""

from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from billing.gateways import GatewayError, get_gateway
from billing.models import Invoice, InvoiceLine
from billing.money import format_usd
from billing.services import invoice_create_for_membership, invoice_issue
from billing.services.invoice_drafts import STANDING
from core.exceptions import ServiceError
from crm.models import Membership, MembershipPlan, MembershipPlanChange
from crm.services.renewals.report import (
    RENEWAL_INVOICES,
    RunReport,
    _chunks,
    _each,
    logger,
)


def _pending_change(membership: Membership) -> MembershipPlanChange | None:
    changes = getattr(membership, "pending_changes", None)
    if changes is None:
        changes = list(
            membership.plan_changes.filter(
                status=MembershipPlanChange.Status.PENDING
            ).select_related("to_plan")
        )
    return changes[0] if changes else None


def _can_charge_automatically(membership: Membership) -> bool:
    """Auto-renewal needs Stripe, a Stripe customer, and a default payment method saved there."""
    customer_id = membership.organization.stripe_customer_id
    gateway = get_gateway()
    if not (membership.auto_renew and gateway.is_remote and customer_id):
        return False
    try:
        return bool(gateway.default_payment_method(customer_id))
    except GatewayError as exc:
        logger.warning("no saved payment method read for %s: %s", customer_id, exc.message)
        return False


def membership_renewal_invoice(
    *, membership: Membership, by: Any = None, today: date | None = None
) -> tuple[Invoice, str]:
    """Issue the invoice for the membership's next period (priced by the plan's current rule,
    or the pending downgrade's plan, and the organization's current employees), due the day
    the period starts. An auto-renewing member with a saved card is charged at once; everyone
    else is mailed a payable invoice. Asking again returns the same invoice and sends nothing."""
    today = today or timezone.localdate()
    membership = Membership.objects.select_related("plan", "organization").get(pk=membership.pk)
    if membership.status not in Membership.CURRENT_STATUSES or membership.paid_through is None:
        raise ServiceError(
            f"Only a member in good standing with a paid-through date is renewed; this one is "
            f"{membership.get_status_display().lower()}."
        )
    change = _pending_change(membership)
    start = membership.paid_through + timedelta(days=1)
    plan = change.to_plan if change and change.effective_date == start else membership.plan
    invoice = invoice_create_for_membership(
        membership=membership,
        period_start=start,
        plan=plan,
        due_date=start,
        employees=membership.organization.employees or 0,
        by=by,
    )
    if invoice.status != Invoice.Status.DRAFT:
        return invoice, f"{membership.organization}: renewal invoice {invoice.number} already sent."
    auto = _can_charge_automatically(membership)
    invoice = invoice_issue(
        invoice=invoice,
        by=by,
        send_email=not auto,
        charge_automatically=auto,
        template="renewal_invoice",
        subject=f"Your {plan} membership renewal: invoice {{number}}",
    )
    what = f"renewal invoice {invoice.number} for {format_usd(invoice.total)}"
    if auto and not invoice.stripe_error:
        transaction.on_commit(lambda: charge_invoice_later(invoice.pk))
        return invoice, f"{membership.organization}: {what}, being charged to the saved card."
    return invoice, f"{membership.organization}: {what} sent."


def charge_invoice_later(invoice_pk: int) -> None:
    from billing.tasks import charge_invoice

    charge_invoice.enqueue(invoice_pk)


def _renewal_candidates(today: date) -> list[int]:
    lead = MembershipPlan.objects.aggregate(m=Max("renewal_lead_days"))["m"] or 0
    next_period_billed = InvoiceLine.objects.filter(
        membership=OuterRef("pk"),
        kind=InvoiceLine.Kind.MEMBERSHIP,
        period_start__gt=OuterRef("paid_through"),
        invoice__status__in=STANDING,
    )
    return list(
        Membership.objects.filter(
            status__in=Membership.CURRENT_STATUSES,
            paid_through__isnull=False,
            paid_through__lte=today + timedelta(days=lead),
        )
        .exclude(Exists(next_period_billed))
        .order_by("paid_through", "pk")
        .values_list("pk", flat=True)
    )


def _with_pending_changes(queryset: QuerySet[Membership]) -> QuerySet[Membership]:
    return queryset.select_related("plan", "organization").prefetch_related(
        Prefetch(
            "plan_changes",
            queryset=MembershipPlanChange.objects.filter(
                status=MembershipPlanChange.Status.PENDING
            ).select_related("to_plan"),
            to_attr="pending_changes",
        )
    )


def _step_renewal_invoices(report: RunReport) -> None:
    today = report.today
    for chunk in _chunks(_renewal_candidates(today)):
        due = [
            m
            for m in _with_pending_changes(Membership.objects.filter(pk__in=chunk)).order_by(
                "paid_through", "pk"
            )
            if m.paid_through is not None
            and m.paid_through - timedelta(days=m.plan.renewal_lead_days) <= today
        ]
        if report.dry_run:
            for m in due:
                report.add(
                    RENEWAL_INVOICES,
                    f"{m.organization}: renewal invoice for the period from "
                    f"{m.paid_through + timedelta(days=1) if m.paid_through else '-'}"
                    + (" (auto-renew)" if m.auto_renew else ""),
                )
            continue

        def renew(membership: Membership) -> None:
            _invoice, sentence = membership_renewal_invoice(membership=membership, today=today)
            report.add(RENEWAL_INVOICES, sentence)

        _each(report, "renewal of", due, renew)
