"""Investing: a commitment to invest submitted from the website, staff confirming it (every
installment invoiced, the ones falling due issued) or declining it, and the installment invoices
its public page shows."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from billing.models import Invoice
from billing.selectors import invoice_list
from billing.services import invoice_create_for_installment, invoice_issue
from core.exceptions import ServiceError
from core.mail import mail_batch
from core.services import all_or_nothing
from crm.models import InvestorLevel, Pledge
from crm.services.applications.mail import _mail, _mail_received, _primary_emails
from crm.services.applications.matching import ContactInput, OrganizationInput, _flag, _match
from crm.services.pledges import _pledge_confirm, _pledge_decline, pledge_create


def pledge_invoices(pledge: Pledge) -> dict[int, Invoice]:
    """The issued invoices of a pledge's installments, by installment id, in one query."""
    invoices = (
        invoice_list()
        .filter(lines__pledge_installment__pledge=pledge)
        .exclude(status__in=[Invoice.Status.VOID, Invoice.Status.DRAFT])
        .annotate(installment_id=F("lines__pledge_installment_id"))
        .order_by("issue_date", "pk")
    )
    # A later invoice for the same installment (after a void) replaces the earlier one.
    return {invoice.installment_id: invoice for invoice in invoices}  # type: ignore[attr-defined]


def investment_submit(
    *,
    level: InvestorLevel,
    annual_amount: Decimal,
    term_years: int,
    installments_per_year: int,
    start_date: date,
    organization: OrganizationInput,
    contact: ContactInput,
    message: str = "",
) -> Pledge:
    """A commitment to invest from the website: a submitted pledge with its schedule, linked to
    the records that already exist, and mail to the investor and the staff. All or nothing."""
    if not level.offered_publicly:
        raise ServiceError("This level is not offered online.", field="level")
    with all_or_nothing():
        match = _match(organization=organization, contact=contact)
        pledge = pledge_create(
            organization=match.organization,
            level=level,
            contact=match.contact,
            annual_amount=annual_amount,
            start_date=start_date,
            term_years=term_years,
            installments_per_year=installments_per_year,
            message=message,
        )
        _flag(pledge, match)
        with mail_batch():
            context = {
                "pledge": pledge,
                "contact": match.contact,
                "organization": match.organization,
                "installments": list(pledge.installments.all()),
                "match_note": pledge.match_note,
            }
            _mail_received(
                "pledge",
                context,
                to=match.contact.email,
                subject="Thank you for your commitment to invest in the MetroHartford Alliance "
                f"({pledge.reference})",
                staff_subject=f"New investment commitment: {match.organization.name}, {level.name}",
                check_match=bool(pledge.match_note),
            )
    return pledge


def investment_confirm(
    *, pledge: Pledge, by: Any = None, reason: str = "", today: date | None = None
) -> Pledge:
    """Staff confirm a pledge: every installment gets its invoice (a draft dated when it falls
    due), those due within the invoice lead time are issued now, and the investor is told."""
    with transaction.atomic():
        was_submitted = pledge.status == Pledge.Status.SUBMITTED
        _pledge_confirm(pledge=pledge, by=by, reason=reason)
        if not was_submitted:
            return pledge
        for installment in pledge.installments.filter(settled_outside=False):
            invoice_create_for_installment(installment=installment, by=by)
    issued = investment_issue_due_invoices(pledge=pledge, by=by, today=today)
    _mail(
        "pledge_confirmed",
        f"Your investment in the MetroHartford Alliance is confirmed ({pledge.reference})",
        {"pledge": pledge, "installments": list(pledge.installments.all()), "issued": issued},
        _pledge_recipients(pledge),
    )
    return pledge


def investment_issue_due_invoices(
    *, pledge: Pledge, by: Any = None, today: date | None = None
) -> list[Invoice]:
    """Issue the pledge's draft installment invoices that fall due within the invoice lead time
    (INVOICE_DAYS_UNTIL_DUE days), oldest first; the later ones stay drafts until then. Safe to
    run again: issued invoices are left as they are."""
    horizon = (today or timezone.localdate()) + timedelta(days=settings.INVOICE_DAYS_UNTIL_DUE)
    drafts = (
        Invoice.objects.filter(
            status=Invoice.Status.DRAFT,
            lines__pledge_installment__pledge=pledge,
            due_date__lte=horizon,
        )
        .distinct()
        .order_by("due_date", "pk")
    )
    return [invoice_issue(invoice=invoice, by=by) for invoice in drafts]


def investment_decline(*, pledge: Pledge, by: Any = None, reason: str) -> Pledge:
    with transaction.atomic():
        was_submitted = pledge.status == Pledge.Status.SUBMITTED
        _pledge_decline(pledge=pledge, by=by, reason=reason)
        if was_submitted:
            _mail(
                "pledge_declined",
                f"Your investment commitment to the MetroHartford Alliance ({pledge.reference})",
                {"pledge": pledge, "reason": pledge.status_reason},
                _pledge_recipients(pledge),
            )
    return pledge


def _pledge_recipients(pledge: Pledge) -> list[str]:
    if pledge.contact is not None and pledge.contact.email:
        return [pledge.contact.email]
    return _primary_emails(pledge.organization)
