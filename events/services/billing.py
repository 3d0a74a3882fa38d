"""Where registrations meet billing: the invoice a paid registration is paid through, the
refunds and voids on cancellation, and the registrants' mail. What billing calls when such an
invoice is paid or refunded in full is in events.services.effects.

A paid registration gets an invoice with one `registration` line. With Stripe configured the
invoice is a Stripe invoice and its hosted page is the registration's `pay_url` (card or US bank
account); without Stripe it carries payment instructions and staff record the payment. Either way
the invoice becoming paid is what confirms the registration (`registrations_paid`).
"""

import logging
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from billing.models import Invoice, InvoiceLine, Payment
from billing.money import ZERO, format_usd, money
from billing.services import invoice_create_open, invoice_issue, invoice_void, refund_create
from billing.services.common import bill_to, save_with_reason
from core.exceptions import InvalidData, ServiceError
from core.mail import send_templated
from core.services import all_or_nothing, user_or_none
from crm.models import Affiliation, Membership, Organization
from crm.normalize import normalize_org_name
from crm.services.organizations import affiliation_save, organization_save
from events.models import Registration
from events.selectors import registration_invoice, registration_waitlist_position
from events.services.comp_seats import comp_seats_sentence

logger = logging.getLogger("events")


def registration_page_url(registration: Registration) -> str:
    return f"{settings.SITE_URL}/registrations/{registration.reference}/"


def _payer(registration: Registration, *, contact_is_new: bool = False) -> tuple[Organization, Any]:
    """Who the invoice is addressed to. Paying now: the registrant, under the organization they
    named (made when the chamber does not know it yet, or named after them when they gave
    none). Invoiced: the member organization's billing contact. `contact_is_new`: the contact
    was made with the registration, so it has no organization on record to look for."""
    contact = registration.contact
    if registration.payment == Registration.Payment.INVOICE and registration.organization:
        return registration.organization, bill_to(registration.organization) or contact
    organization = registration.organization
    if organization is None:
        organization = _own_organization(
            contact, registration.organization_name, contact_is_new=contact_is_new
        )
    return organization, contact


def _own_organization(
    contact: Any, organization_name: str, *, contact_is_new: bool = False
) -> Organization:
    """The organization a payer's invoice is filed under when no membership was verified: the
    one they named (else one named after them) among those they are confirmed at, or a new one.
    An organization they merely typed is never billed: its statement would show a stranger's
    invoice. Staff registrations and verified members have `registration.organization` set."""
    names = [n for n in (organization_name, contact.full_name or contact.email) if n]
    # The address was typed, not verified: a member's record (its statement, its portal) is
    # never used, only a non-member one this contact is confirmed at (one made for an earlier
    # registration of theirs, say).
    keys = [normalize_org_name(name) for name in names]
    # Both names in one read (the first name wins); none for a contact made just now.
    own = (
        []
        if contact_is_new
        else list(
            Organization.objects.filter(
                affiliations__contact=contact,
                affiliations__status=Affiliation.Status.CONFIRMED,
                normalized_name__in=keys,
            )
            .exclude(memberships__status__in=Membership.CURRENT_STATUSES)
            .order_by("pk")
        )
    )
    for key in keys:
        found = next((o for o in own if o.normalized_name == key), None)
        if found is not None:
            return found
    organization = organization_save(organization=Organization(name=names[0][:200]))
    # A new organization has nobody yet: nothing to check the link against.
    affiliation_save(
        affiliation=Affiliation(contact=contact, organization=organization, is_event_contact=True),
        checked=True,
    )
    return organization


def registration_payment_start(*, registration: Registration, by: Any = None) -> Invoice | None:
    """The issued invoice of a registration awaiting payment, made the first time it is asked
    for. Stripe being down leaves the invoice open with its error (staff resend it); the
    registration keeps its seats until its hold runs out either way."""
    with all_or_nothing():
        # Two callers at once (a retry, a promotion) must not make two invoices.
        locked = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("event", "ticket_type", "contact", "organization")
            .get(pk=registration.pk)
        )
        if locked.status != Registration.Status.PENDING_PAYMENT or locked.total <= ZERO:
            return registration_invoice(locked)
        invoice = registration_invoice(locked)
        if invoice is None:
            invoice = _new_invoice(locked, by=by)
    if invoice.status in (Invoice.Status.DRAFT, Invoice.Status.OPEN):
        invoice = _issue(registration, invoice, by=by)
    return invoice


def registration_invoice_open_new(
    *, registration: Registration, by: Any = None, contact_is_new: bool = False
) -> Invoice:
    """registration_payment_start() for a registration awaiting payment that the caller has
    just made in its still open transaction (with its event, ticket type and contact loaded):
    nobody else can see it yet, so it is neither locked nor searched for an invoice again, and
    the invoice is made and numbered within that transaction. After the commit the caller
    hands it to registration_payment_send() (Stripe and the mail)."""
    return _new_invoice(registration, by=by, contact_is_new=contact_is_new, issue=True)


def registration_payment_send(
    *, registration: Registration, invoice: Invoice, by: Any = None
) -> Invoice:
    """The second half of registration_invoice_open_new(), after its transaction committed."""
    return _issue(registration, invoice, by=by, opened=True)


def _issue(registration: Registration, invoice: Invoice, *, by: Any, opened: bool = False) -> Any:
    # The invoice mail goes out only to an invoiced organization; a registrant paying now has
    # the pay link in the registration's own mail and on its page.
    return invoice_issue(
        invoice=invoice,
        by=by,
        send_email=registration.payment == Registration.Payment.INVOICE,
        opened=opened,
    )


def _new_invoice(
    locked: Registration, *, by: Any, contact_is_new: bool = False, issue: bool = False
) -> Invoice:
    """The registration's invoice: a draft, or (`issue`) numbered and open from its first save
    for a caller that hands it to Stripe and the mail after its transaction commits."""
    from billing.gateways import stripe_configured

    organization, contact = _payer(locked, contact_is_new=contact_is_new)
    event = locked.event
    invoice = Invoice(
        organization=organization,
        contact=contact,
        kind=Invoice.Kind.EVENT,
        explanation=(
            f"{locked.quantity} × {locked.ticket_type.name} at "
            f"{format_usd(locked.price_each)} "
            f"({'member' if locked.member_pricing else 'non-member'} price) for "
            f"{event.title}, registration {locked.reference}."
        ),
        created_by=user_or_none(by),
        total=locked.total,
    )
    if locked.payment == Registration.Payment.NOW and stripe_configured():
        # Paying now on Stripe's page; without Stripe it is paid by check on the usual terms.
        invoice.due_date = timezone.localdate()
    starts = timezone.localdate(event.starts_at)
    line = InvoiceLine(
        kind=InvoiceLine.Kind.REGISTRATION,
        description=f"{event.title} ({starts:%B %-d, %Y}): "
        f"{locked.quantity} × {locked.ticket_type.name}",
        amount=locked.total,
        gl_account=event.gl_account,
        period_start=starts,
        period_end=max(starts, timezone.localdate(event.ends_at)),
        registration=locked,
    )
    reason = "event registration invoice created"
    if issue:
        return invoice_create_open(
            invoice=invoice,
            lines=[line],
            reason=reason,
            by=by,
            # _issue() mails it to an invoiced organization only.
            mail=locked.payment == Registration.Payment.INVOICE,
        )
    save_with_reason(invoice, reason=reason, by=by)
    line.invoice = invoice
    line.save()
    return invoice


def registration_void_unpaid_invoice(*, registration: Registration, reason: str, by: Any) -> str:
    """Void the invoice of a registration that no longer needs paying, so it cannot be paid by
    mistake later. Returns a problem to report, or ''."""
    invoice = registration_invoice(registration)
    if invoice is None or invoice.status == Invoice.Status.PAID:
        return ""
    if invoice.amount_paid > ZERO:
        return f"Invoice {invoice.number} has a part payment on it: refund it in billing."
    try:
        invoice_void(invoice=invoice, reason=reason, by=by)
    except ServiceError as exc:
        logger.warning("registration %s: invoice not voided: %s", registration.pk, exc.message)
        return f"Invoice {invoice.number} is still open: {exc.message}"
    return ""


def registration_refund_check(*, registration: Registration, amount: Decimal | None) -> Decimal:
    """What registration_refund() would give back for `amount` (all that was paid when None),
    checked before anything changes: more than was paid, nothing paid, or a card payment with
    Stripe no longer configured raise here instead of after the cancellation."""
    from billing.gateways import stripe_configured

    invoice = registration_invoice(registration)
    payments = (
        [] if invoice is None else list(invoice.payments.filter(status=Payment.Status.SUCCEEDED))
    )
    refundable = sum((p.refundable for p in payments), ZERO)
    if amount is None:
        wanted = refundable
    else:
        wanted = money(amount)
        if wanted <= ZERO:
            raise InvalidData("The refund must be more than zero.", field="amount")
        if refundable <= ZERO:
            raise InvalidData(
                "Nothing paid for this registration is left to refund.", field="amount"
            )
        if wanted > refundable:
            raise InvalidData(
                f"At most {format_usd(refundable)} can be refunded for this registration; "
                f"{format_usd(wanted)} was asked.",
                field="amount",
            )
    stripe_paid = any(p.is_stripe and p.refundable > ZERO for p in payments)
    if wanted > ZERO and stripe_paid and not stripe_configured():
        raise ServiceError(
            "It was paid through Stripe, which is not configured here: it cannot be "
            "refunded now. Nothing was changed."
        )
    return wanted


def registration_refunded_since(*, registration: Registration, since: datetime) -> Decimal:
    """What was refunded on the registration's invoice from `since` (its cancellation) on."""
    from billing.models import Refund

    invoice = registration_invoice(registration)
    if invoice is None:
        return ZERO
    refunds = Refund.objects.filter(
        payment__invoice=invoice, status__in=Refund.COUNTED_STATUSES, created__gte=since
    )
    return sum((r.amount for r in refunds), ZERO)


def registration_refund(
    *, registration: Registration, reason: str, amount: Decimal | None = None, by: Any = None
) -> tuple[Decimal, str]:
    """Give back `amount` (all that was paid when None) of what the registration's invoice
    received, payment by payment. Returns what was refunded and a problem to report, or ''."""
    invoice = registration_invoice(registration)
    if invoice is None:
        return ZERO, ""
    payments = list(
        Payment.objects.filter(invoice=invoice, status=Payment.Status.SUCCEEDED).order_by("pk")
    )
    refundable = sum((p.refundable for p in payments), ZERO)
    wanted = refundable if amount is None else money(amount)
    if wanted > refundable:
        return ZERO, f"At most {format_usd(refundable)} can be refunded."
    refunded = ZERO
    for payment in payments:
        if refunded >= wanted:
            break
        share = min(payment.refundable, wanted - refunded)
        if share <= ZERO:
            continue
        try:
            refund_create(
                # The cancellation's own mail says what is refunded.
                payment=payment,
                amount=share,
                reason=reason,
                by=by,
                notify=False,
            )
        except ServiceError as exc:
            return refunded, exc.message
        refunded += share
    return refunded, ""


# --- Mail --------------------------------------------------------------------------------------

SUBJECTS = {
    "registration_received": "Your registration for {title}",
    "registration_verify": "Confirm your membership for {title}",
    "registration_confirmed": "You are confirmed for {title}",
    "registration_promoted": "A place opened up for you at {title}",
    "registration_expired": "Your held seats for {title} were released",
    "registration_cancelled": "Your registration for {title} is cancelled",
    "event_cancelled": "{title} is cancelled",
}


def mail_registration(
    registration: Registration,
    template: str,
    *,
    refunded: Decimal = ZERO,
    reason: str = "",
    deadline: datetime | None = None,
) -> bool:
    # A registration just made carries its invoice (or None) from registration_create.
    if "_invoice_cache" in registration.__dict__:
        invoice = registration.__dict__["_invoice_cache"]
    else:
        invoice = registration_invoice(registration)
    return send_templated(
        to=[registration.contact.email],
        # The first mail goes to the address typed on the events page.
        unverified=template == "registration_received",
        template=template,
        subject=SUBJECTS[template].format(title=registration.event.title),
        context={
            "registration": registration,
            "event": registration.event,
            "contact": registration.contact,
            "page_url": registration_page_url(registration),
            "invoice": invoice,
            "pay_url": invoice.pay_url if invoice else None,
            "payment_instructions": invoice.payment_instructions if invoice else "",
            "deadline": deadline or registration.hold_expires_at,
            "waitlist_position": registration_waitlist_position(registration),
            "refunded": refunded,
            "reason": reason,
            "comp_seats": comp_seats_sentence(registration),
        },
        reason=f"registration {registration.reference}: {template}",
    )


def mail_registration_verification(
    registration: Registration, *, link: str | None, organization: Organization | None
) -> bool:
    """The mail of a website registration claiming member terms, to the address typed: the
    confirmation link when that address is on file with a member organization, else how to go
    on. Only the address's owner learns which it is."""
    return send_templated(
        to=[registration.contact.email],
        unverified=True,
        template="registration_verify",
        subject=SUBJECTS["registration_verify"].format(title=registration.event.title),
        context={
            "registration": registration,
            "event": registration.event,
            "page_url": registration_page_url(registration),
            "link": link,
            "organization": organization,
            "deadline": registration.hold_expires_at,
        },
        reason=f"registration {registration.reference}: registration_verify",
    )
