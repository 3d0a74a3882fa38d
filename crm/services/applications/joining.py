"""Joining: an application to join submitted from the website, with its dues invoice, and staff
approving it (the invoice issued, the applicant welcomed) or rejecting it (the invoice voided or
refunded, the applicant told why)."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction

from billing.models import Invoice, Payment
from billing.money import ZERO
from billing.selectors import invoice_for_membership
from billing.services import (
    invoice_create_for_membership,
    invoice_issue,
    invoice_void,
    refund_create,
)
from core.exceptions import ServiceError
from core.mail import mail_batch
from core.services import all_or_nothing
from crm import pricing
from crm.models import Contact, Membership, MembershipPlan
from crm.services.applications.mail import _mail, _mail_received, _primary_emails
from crm.services.applications.matching import ContactInput, Match, OrganizationInput, _match
from crm.services.memberships import _membership_approve, _membership_reject, membership_create

# How far a start date may lie from today: a little back (an application finished after the
# first of the month), up to a year ahead.
START_BACK_DAYS = 31
START_AHEAD_DAYS = 366


@dataclass
class SubmittedApplication:
    membership: Membership
    quote: pricing.Quote
    invoice: Any = None


def _draft_dues_invoice(
    membership: Membership,
    *,
    employees: int | None,
    by: Any,
    fresh: bool = False,
    payer: Contact | None = None,
    issue: bool = False,
) -> Invoice:
    """The first dues invoice of an approved application, from its start date. `employees` is
    what the applicant declared (the number the quote used), else the record's. `fresh`: the
    membership was made in the caller's open transaction."""
    return invoice_create_for_membership(
        membership=membership,
        period_start=membership.start_date,
        employees=employees,
        by=by,
        # The plan as the caller has it, with its brackets loaded (the same plan).
        plan=membership.plan,
        fresh=fresh,
        contact=payer,
        issue=issue,
        # An issued one is mailed by _issue() right after the commit.
        mail=issue,
    )


def _issue(invoice: Invoice, *, by: Any, opened: bool = False) -> Invoice:
    """Number the invoice, hand it to Stripe when configured and mail it to the payer. Runs
    after the application's own transaction has committed: a slow or failing Stripe never
    undoes the application (the invoice then shows payment instructions and staff see the
    Stripe error on it)."""
    return invoice_issue(invoice=invoice, by=by, opened=opened)


def application_invoice(membership: Membership) -> Invoice | None:
    """The dues invoice an application's public status page shows, or None."""
    return invoice_for_membership(membership)


def _quote_for(plan: MembershipPlan, organization: OrganizationInput, start: date) -> pricing.Quote:
    return pricing.quote(
        plan.pricing_rule(on=start), employees=organization.employees or 0, start=start
    )


def _record_application(
    plan: MembershipPlan,
    organization: OrganizationInput,
    contact: ContactInput,
    billing_contact: ContactInput | None,
    start_date: date,
    message: str,
    *,
    retried: bool = False,
) -> tuple[Match, Membership, Invoice]:
    """application_submit()'s one transaction: matching, the membership and its invoice,
    numbered and open. `retried`: see _match()."""
    with all_or_nothing():
        match = _match(
            organization=organization,
            contact=contact,
            billing_contact=billing_contact,
            retried=retried,
            apart_from_busy=True,
        )
        try:
            membership = membership_create(
                organization=match.organization,
                plan=plan,
                start_date=start_date,
                source=Membership.Source.WEBSITE,
                message=message,
                # Matching locked it (select_for_update) or created it just now.
                organization_locked=True,
                approved_because="" if plan.requires_review else "the plan needs no review",
                match_note=match.note if match.found_existing else "",
            )
        except ServiceError:
            # Only for an organization in the public directory (matching kept any other apart):
            # said without naming the plan or state of its membership.
            raise ServiceError(
                "This organization already has a membership or an application in progress. "
                "Please contact the membership team.",
                field="organization.name",
            ) from None
        # The dues are invoiced with the application (docs/public-api.md): a business can pay
        # at once.
        # Paying does not skip review: the payment waits on the application and approval
        # activates it; a rejection voids or refunds the invoice.
        # Numbered with the application (a rollback gives the number back); Stripe and the
        # mail wait for the commit.
        draft = _draft_dues_invoice(
            membership,
            employees=organization.employees,
            by=None,
            fresh=True,
            payer=match.payer,
            issue=True,
        )
    return match, membership, draft


def application_submit(
    *,
    plan: MembershipPlan,
    organization: OrganizationInput,
    contact: ContactInput,
    billing_contact: ContactInput | None = None,
    start_date: date,
    message: str = "",
) -> SubmittedApplication:
    """An application to join from the website: the organization and its people (found or
    created), the membership (`applied`, or `approved` when the plan needs no review), its dues
    invoice, and mail to the applicant and the membership staff. All or nothing."""
    if not (plan.is_active and plan.offered_publicly):
        raise ServiceError("This plan is not offered for joining online.", field="plan")
    quote = _quote_for(plan, organization, start_date)
    try:
        match, membership, draft = _record_application(
            plan, organization, contact, billing_contact, start_date, message, retried=True
        )
    except IntegrityError:
        # A new contact's address was taken by another submission meanwhile: everything was
        # undone, and this time matching finds that contact.
        match, membership, draft = _record_application(
            plan, organization, contact, billing_contact, start_date, message
        )
    # The invoice mail and the two below go out together (mail_batch: two queries, not six).
    with mail_batch():
        invoice = _issue(draft, by=None, opened=True)
        context = {
            "membership": membership,
            "contact": match.contact,
            "organization": match.organization,
            "plan": plan,
            "quote": quote,
            "invoice": invoice,
            "match_note": membership.match_note,
        }
        _mail_received(
            "application",
            context,
            to=match.contact.email,
            subject=f"Your application to join the MetroHartford Alliance ({membership.reference})",
            staff_subject=f"New membership application: {match.organization.name} ({plan.name})",
            check_match=bool(membership.match_note),
        )
    # Made just now: nothing has been paid on it (its answer need not ask).
    invoice.paid_sum = ZERO  # type: ignore[attr-defined]
    return SubmittedApplication(membership=membership, quote=quote, invoice=invoice)


def application_approve(*, membership: Membership, by: Any = None, reason: str = "") -> Membership:
    """Staff accept an application: approved, its dues invoice issued, the applicant told."""
    with transaction.atomic():
        was_applied = membership.status == Membership.Status.APPLIED
        _membership_approve(membership=membership, by=by, reason=reason)
        if not was_applied:
            return membership
        # The join already issued it; applications entered by staff get theirs now.
        draft = application_invoice(membership) or _draft_dues_invoice(
            membership, employees=None, by=by
        )
    invoice = draft if draft.status != Invoice.Status.DRAFT else _issue(draft, by=by)
    _mail(
        "application_approved",
        "Welcome to the MetroHartford Alliance: your application is approved",
        {"membership": membership, "invoice": invoice, "explanation": invoice.explanation},
        _primary_emails(membership.organization),
    )
    return membership


def application_reject(*, membership: Membership, by: Any = None, reason: str) -> Membership:
    """Staff turn an application down; the applicant is told the reason."""
    with transaction.atomic():
        was_applied = membership.status == Membership.Status.APPLIED
        _membership_reject(membership=membership, by=by, reason=reason)
        if was_applied:
            _settle_rejected_invoice(membership, by=by)
            _mail(
                "application_rejected",
                f"Your application to the MetroHartford Alliance ({membership.reference})",
                {"membership": membership, "reason": membership.status_reason},
                _primary_emails(membership.organization),
            )
    return membership


def _settle_rejected_invoice(membership: Membership, *, by: Any) -> None:
    """A rejected applicant owes nothing: an unpaid dues invoice is voided, a paid one refunded."""
    invoice = application_invoice(membership)
    if invoice is None:
        return
    reason = f"application {membership.reference} rejected"
    if (
        invoice.status == Invoice.Status.OPEN
        and not invoice.payments.filter(status=Payment.Status.SUCCEEDED).exists()
    ):
        invoice_void(invoice=invoice, reason=reason, by=by)
        return
    for payment in invoice.payments.filter(status=Payment.Status.SUCCEEDED):
        if payment.refundable > 0:
            refund_create(payment=payment, reason=reason, by=by)
