"""Reinstating a lapsed or dropped member, with the invoice for what it owes."""

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from billing.models import Invoice
from billing.money import ZERO, format_usd, money
from billing.services import (
    DraftLineSpec,
    invoice_add_line,
    invoice_create_draft,
    invoice_create_for_membership,
    invoice_issue,
    invoice_void,
)
from core.exceptions import InvalidData
from crm import pricing
from crm.models import Membership
from crm.services.memberships import _membership_reinstate

MStatus = Membership.Status


def _fee(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        fee = money(value)
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidData("Enter the fee in dollars and cents.", field="fee") from None
    if fee < ZERO:
        raise InvalidData("The fee cannot be negative.", field="fee")
    return fee or None


def membership_reinstate_and_bill(
    *,
    membership: Membership,
    by: Any = None,
    reason: str = "",
    fee: Any = None,
    today: date | None = None,
) -> tuple[Membership, Invoice | None]:
    """Reinstate a lapsed or dropped member and send what it owes: when its dues no longer
    cover today, an invoice for the current membership period (an unpaid renewal invoice of that
    period is replaced) with the optional reinstatement fee as a line of its own; when they
    still do, an invoice for the fee alone (if any)."""
    today = today or timezone.localdate()
    fee_amount = _fee(fee)
    with transaction.atomic():
        membership = _membership_reinstate(membership=membership, by=by, reason=reason, today=today)
        membership = Membership.objects.select_related("plan", "organization").get(pk=membership.pk)
        fee_line = (
            DraftLineSpec(
                f"Reinstatement fee ({membership.plan})",
                fee_amount,
                membership.plan.gl_revenue_account,
                today,
                today,
            )
            if fee_amount
            else None
        )
        if membership.status == MStatus.ACTIVE:
            if fee_line is None:
                return membership, None
            invoice = invoice_create_draft(
                organization=membership.organization,
                membership=membership,
                lines=[fee_line],
                explanation="The reinstatement fee; the dues paid still cover today.",
                reason="reinstatement fee",
                by=by,
            )
        else:
            start = today
            if membership.paid_through is not None:
                start = membership.paid_through + timedelta(days=1)
                if (
                    pricing.next_period(membership.plan.pricing_rule(), membership.paid_through)[1]
                    < today
                ):
                    start = today  # away for more than a year: a new year starts today
            invoice = invoice_create_for_membership(
                membership=membership, period_start=start, by=by
            )
            if invoice.status == Invoice.Status.OPEN and fee_line is not None:
                invoice_void(
                    invoice=invoice,
                    reason="replaced by the reinstatement invoice with its fee",
                    by=by,
                )
                invoice = invoice_create_for_membership(
                    membership=membership, period_start=start, by=by
                )
            if invoice.status == Invoice.Status.DRAFT and fee_amount is not None:
                invoice = invoice_add_line(
                    invoice=invoice,
                    line=DraftLineSpec(
                        f"Reinstatement fee ({membership.plan})",
                        fee_amount,
                        membership.plan.gl_revenue_account,
                    ),
                    explanation=f"A reinstatement fee of {format_usd(fee_amount)} is added.",
                    membership=membership,
                )
    if invoice.status == Invoice.Status.DRAFT:
        invoice = invoice_issue(
            invoice=invoice,
            by=by,
            template="reinstatement_invoice",
            subject="Welcome back: invoice {number} to reinstate your membership",
        )
    return membership, invoice
