"""Verifying: a website registration that claimed member terms without a signed-in portal
contact goes ahead once the link mailed to the address on file is followed: priced as a member,
invoiced to the organization when asked, its seats kept (they were held meanwhile)."""

from datetime import datetime
from typing import Any

from django.db import transaction

from billing.money import ZERO, money
from core.exceptions import ServiceError
from crm.models import Affiliation, Membership
from events.models import Registration
from events.services.billing import (
    mail_registration,
    registration_invoice_open_new,
    registration_payment_send,
)
from events.services.common import current_time, lock_ticket_type, set_registration_status
from events.services.registrations.registering import _seated
from events.tokens import BadToken, read_membership_token

Status = Registration.Status


def registration_verify(*, token: str, now: datetime | None = None, by: Any = None) -> Registration:
    """Follow a membership confirmation link: the registration it names, still waiting, gets
    member terms for the organization on whose record the address is (the member price, the
    members-only ticket, the organization invoiced when asked) and goes on to payment, or is
    confirmed when it costs nothing. An expired, tampered or already used link, or a claim that
    no longer holds (the link or the membership gone meanwhile), is refused and changes
    nothing."""
    from billing.gateways import stripe_configured

    now = current_time(now)
    try:
        claim = read_membership_token(token)
    except BadToken as exc:
        raise ServiceError(str(exc)) from None
    registration_type = (
        Registration.objects.filter(pk=claim.registration_id)
        .values_list("ticket_type_id", flat=True)
        .first()
    )
    if registration_type is None:
        raise ServiceError("This confirmation link is not valid.")
    invoice = None
    with transaction.atomic():
        lock_ticket_type(registration_type)
        registration = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("event", "ticket_type", "contact")
            .get(pk=claim.registration_id)
        )
        if registration.contact_id != claim.contact_id:
            raise ServiceError("This confirmation link is not valid.")
        if registration.status != Status.PENDING_VERIFICATION:
            raise ServiceError(
                "This confirmation link has already been used, or the registration is no "
                "longer waiting for it."
            )
        if registration.hold_expires_at is not None and registration.hold_expires_at <= now:
            raise ServiceError(
                "This confirmation link has expired: please register again, or sign in to the "
                "member portal."
            )
        on_record = Affiliation.objects.filter(
            contact_id=claim.contact_id,
            organization_id=claim.organization_id,
            status=Affiliation.Status.CONFIRMED,
            organization__memberships__status__in=Membership.CURRENT_STATUSES,
        ).select_related("organization")
        affiliation = on_record.first()
        if affiliation is None:
            raise ServiceError(
                "Your address is no longer on file with a member organization: please register "
                "again at the non-member price, or contact the chamber."
            )
        ticket_type = registration.ticket_type
        price_each = money(ticket_type.member_price)
        total = money(price_each * registration.quantity)
        payment = registration.payment if total > ZERO else Registration.Payment.NOW
        expires = payment == Registration.Payment.NOW and total > ZERO and stripe_configured()
        status, _reason, hold = _seated(
            event=registration.event, total=total, expires=expires, now=now
        )
        registration.organization = affiliation.organization
        registration.member_pricing = True
        registration.price_each = price_each
        registration.total = total
        registration.payment = payment
        set_registration_status(
            registration,
            to=status,
            reason=f"Membership of {affiliation.organization.name} confirmed through the "
            "link mailed to the address on file.",
            by=by,
            hold_expires_at=hold,
        )
        if status == Status.PENDING_PAYMENT:
            invoice = registration_invoice_open_new(registration=registration, by=by)
    if invoice is not None:
        invoice = registration_payment_send(registration=registration, invoice=invoice, by=by)
    registration._invoice_cache = invoice  # type: ignore[attr-defined]
    mail_registration(
        registration,
        "registration_confirmed" if status == Status.CONFIRMED else "registration_received",
    )
    return registration
