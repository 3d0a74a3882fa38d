"""Registering: a contact found or made for the registrant, and a registration created for
seats that are free (confirmed when free of charge, else held until paid, with its invoice), on
the waitlist when sold out, or refused (closed, members only, over the limit per person).

The capacity lock and seat count are in events.services.common.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from billing.money import ZERO, money
from core.exceptions import ServiceError
from core.services import (
    all_or_nothing,
    keep_prefetched,
    set_change_reason,
    validated_save,
    with_history_user,
)
from crm.models import Affiliation, Contact, Organization
from crm.normalize import normalize_email
from crm.selectors import member_organization_of
from events.models import Attendee, Event, Registration, TicketType
from events.selectors import registration_member_organization
from events.services.billing import (
    mail_registration,
    mail_registration_verification,
    registration_invoice_open_new,
    registration_payment_send,
)
from events.services.common import (
    current_time,
    event_and_seats,
    hold_until,
    lock_person,
    lock_ticket_type,
)
from events.services.comp_seats import comp_seats_draw
from events.tokens import MembershipClaim, membership_token
from webhooks.payloads import emit_registration_change

Status = Registration.Status


@dataclass(frozen=True)
class AttendeeDetails:
    first_name: str
    last_name: str
    email: str = ""


def _invoice_hold_until(now: datetime, event: Event, due: date | None) -> datetime:
    """How long an invoice payer's seats are held: EVENT_INVOICE_HOLD_DAYS, or to the end of
    the invoice's due date if sooner, and never past the event's start."""
    until = now + timedelta(days=settings.EVENT_INVOICE_HOLD_DAYS)
    if due is not None:
        until = min(until, timezone.make_aware(datetime.combine(due + timedelta(days=1), time())))
    return min(until, event.starts_at)


def _check_seats_per_person(*, event: Event, contact: Contact, taken: int, quantity: int) -> None:
    """One person may not hoard an event: their seats (held or waited for, by email address,
    across every registration) stay within EVENT_MAX_SEATS_PER_PERSON."""
    limit = settings.EVENT_MAX_SEATS_PER_PERSON
    if taken + quantity > limit:
        left = max(limit - taken, 0)
        raise ServiceError(
            f"One person may hold at most {limit} seats for {event.title}; {contact.email} "
            f"already has {taken}, so {left} more at most. Please contact the chamber for more.",
            field="quantity",
        )


# --- Contacts ---------------------------------------------------------------------------------


def registration_contact(*, first_name: str, last_name: str, email: str) -> Contact:
    """The contact with this email, or a new one. An existing contact is never changed by what a
    visitor typed: the names on the registration's attendees say who comes."""
    return _registration_contact(first_name=first_name, last_name=last_name, email=email)[0]


def _registration_contact(*, first_name: str, last_name: str, email: str) -> tuple[Contact, bool]:
    """registration_contact(), and whether the contact existed before."""
    email = normalize_email(email)
    if not email:
        raise ServiceError("Give an email address.", field="contact.email")
    existing = Contact.objects.filter(email__iexact=email).first()
    if existing is not None:
        return existing, True
    contact = Contact(first_name=first_name.strip(), last_name=last_name.strip(), email=email)
    try:
        # Two registrations from one new address at once: the unique email decides (so it is
        # not asked beforehand), the loser reads the winner's contact.
        with transaction.atomic():
            validated_save(contact, checked=["email"])
    except IntegrityError:
        return Contact.objects.get(email__iexact=email), True
    except ServiceError as exc:
        if Contact.objects.filter(email__iexact=email).exists():
            return Contact.objects.get(email__iexact=email), True
        raise ServiceError(
            exc.message, field=f"contact.{exc.field}" if exc.field else None
        ) from exc
    return contact, False


# --- Member terms -----------------------------------------------------------------------------


def _public_terms(
    *,
    ticket_type: TicketType,
    contact: Contact,
    organization_name: str,
    payment: str,
    verified_by: Contact | None,
    claim_member: bool,
) -> tuple[Organization | None, bool, bool]:
    """A website registration's organization, whether it earns member terms now, and whether it
    waits for the mailed confirmation link. Decided without reading whether the named
    organization is a member unless a signed-in portal contact vouches for it, so the answer
    cannot tell a visitor who is a member."""
    if verified_by is not None:
        organization = member_organization_of(verified_by, organization_name=organization_name)
        if organization is not None:
            return organization, True, False
    claims = claim_member or ticket_type.members_only or payment == Registration.Payment.INVOICE
    return None, False, claims


def _check_member_terms(
    *,
    ticket_type: TicketType,
    organization: Organization | None,
    is_member: bool,
    contact: Contact,
    payment: str,
    verifying: bool,
) -> None:
    if ticket_type.members_only and not is_member:
        raise ServiceError(
            f"{ticket_type.name} tickets are for people of member organizations only. "
            "Name your organization as it is known to the chamber, or choose another ticket.",
            field="ticket_type",
        )
    if payment != Registration.Payment.INVOICE or verifying:
        return  # a claim's organization and record are checked when its link is followed
    if not is_member or organization is None:
        raise ServiceError(
            "Only a member organization can be invoiced; please pay now.", field="payment"
        )
    if not organization.affiliations.filter(
        contact_id=contact.pk, status=Affiliation.Status.CONFIRMED
    ).exists():
        raise ServiceError(
            f"Only people on {organization}'s record with the chamber can have it "
            "invoiced; please pay now.",
            field="payment",
        )


def _seated(
    *, event: Event, total: Any, expires: bool, now: datetime
) -> tuple[str, str, datetime | None]:
    """The status, reason and hold of a registration given free seats: confirmed when it costs
    nothing, else awaiting payment, held EVENT_HOLD_MINUTES (paying by card through Stripe) or
    as long as its invoice allows."""
    if total == ZERO:
        return Status.CONFIRMED, "Registered (free).", None
    reason = "Registered; seats held until paid."
    if expires:
        return Status.PENDING_PAYMENT, reason, hold_until(now, minutes=settings.EVENT_HOLD_MINUTES)
    # Its invoice is due INVOICE_DAYS_UNTIL_DUE from today (invoice_open_new).
    due = timezone.localdate(now) + timedelta(days=settings.INVOICE_DAYS_UNTIL_DUE)
    return Status.PENDING_PAYMENT, reason, _invoice_hold_until(now, event, due)


# --- Registering ------------------------------------------------------------------------------


def registration_create(
    *,
    event: Event,
    ticket_type: TicketType,
    contact: Contact,
    quantity: int = 1,
    organization_name: str = "",
    attendees: Sequence[AttendeeDetails] = (),
    payment: str = Registration.Payment.NOW,
    notify: bool = True,
    by: Any = None,
    now: datetime | None = None,
    seat_limit: bool = True,
    contact_is_new: bool = False,
    public: bool = False,
    verified_by: Contact | None = None,
    claim_member: bool = False,
) -> Registration:
    """Register `contact` for `quantity` seats of `ticket_type`.

    Seats free: confirmed at once when the price is nothing, otherwise `pending_payment` with the
    seats held until `hold_expires_at` and an invoice to pay (its Stripe page is the pay link).
    Sold out: `waitlisted` when the event keeps a waitlist, otherwise refused. Member price when
    the contact or the named organization is a member. `payment="invoice"` bills the member
    organization instead (for people on its record). An invoice payer (invoiced, or paying now
    without Stripe) holds the seats EVENT_INVOICE_HOLD_DAYS or until the invoice is due,
    whichever is first, never past the event's start; `expire_event_holds` releases them.
    `seat_limit`: one person holds at most EVENT_MAX_SEATS_PER_PERSON seats of an event across
    registrations (staff pass False to go past it); `contact_is_new`: the caller just made the
    contact, so it has no other registration to wait for. A contact not saved yet (the
    website's new registrant, `contact_is_new`) is saved in the registration's own transaction:
    a refused registration leaves no contact behind, and two statements are saved.

    `public`: the website. There nothing typed grants member terms: the member price, a
    members-only ticket and invoicing the organization need `verified_by`, a contact signed in
    to the member portal (crm.selectors.verified_member_contact) with a confirmed link to a
    member organization, or else the confirmation link mailed to the registrant's address on
    file with one: such a claim (`claim_member`, a members-only ticket or `payment="invoice"`)
    is `pending_verification`, its seats held for MEMBER_CONFIRM_MINUTES, until the link is
    followed (registration_verify). The answer is the same whether or not the organization is a
    member. Staff (`public=False`) vouch for what they enter: the named organization's or the
    contact's membership counts as before.
    """
    from billing.gateways import stripe_configured

    now = current_time(now)
    if ticket_type.event_id != event.pk:
        raise ServiceError("This ticket type belongs to another event.", field="ticket_type")
    if quantity < 1:
        raise ServiceError("Register at least one person.", field="quantity")
    if quantity > ticket_type.max_per_registration:
        raise ServiceError(
            f"At most {ticket_type.max_per_registration} tickets of this type per registration.",
            field="quantity",
        )
    if len(attendees) > quantity:
        raise ServiceError(
            f"{len(attendees)} attendees were named for {quantity} tickets.", field="attendees"
        )
    organization_name = " ".join(organization_name.split())
    if payment not in Registration.Payment.values:
        raise ServiceError("Choose to pay now or to invoice your organization.", field="payment")
    verifying = False
    if public:
        organization, is_member, verifying = _public_terms(
            ticket_type=ticket_type,
            contact=contact,
            organization_name=organization_name,
            payment=payment,
            verified_by=verified_by,
            claim_member=claim_member,
        )
    else:
        organization, is_member = registration_member_organization(
            contact=contact, organization_name=organization_name
        )
    _check_member_terms(
        ticket_type=ticket_type,
        organization=organization,
        is_member=is_member or verifying,
        contact=contact,
        payment=payment,
        verifying=verifying,
    )
    # A claim waiting for its link is priced as it will be once confirmed.
    price_each = money(ticket_type.price_for(member=is_member or verifying))
    total = money(price_each * quantity)
    # Without Stripe a payer cannot pay in minutes (a check, a transfer): their hold is counted
    # in days from the invoice (below).
    expires = payment == Registration.Payment.NOW and total > ZERO and stripe_configured()

    invoice = None
    with all_or_nothing():
        locked = lock_ticket_type(ticket_type.pk)
        if seat_limit and not contact_is_new:
            # A contact made for this request has no other registration to count.
            lock_person(contact)
        # Read after taking the locks: the event as it is now, and exact seat counts.
        event, held, taken = event_and_seats(
            locked, event=event, contact=contact if seat_limit else None
        )
        if not event.registration_open_at(now):
            raise ServiceError(_closed_message(event, now))
        if seat_limit:
            _check_seats_per_person(event=event, contact=contact, taken=taken, quantity=quantity)
        free = locked.capacity - held
        updates: dict[str, Any] = {}
        status: str
        if quantity <= free and verifying:
            status, reason = Status.PENDING_VERIFICATION, "Registered; membership to be confirmed."
            updates["hold_expires_at"] = min(
                hold_until(now, minutes=settings.MEMBER_CONFIRM_MINUTES), event.starts_at
            )
        elif quantity <= free:
            usage = comp_seats_draw(
                organization=organization,
                ticket_type=locked,
                quantity=quantity,
                price_each=price_each,
                by=by,
                now=now,
            )
            if usage is not None:
                updates.update(benefit_usage=usage, comp_seats=usage.quantity)
                total = money(price_each * (quantity - usage.quantity))
                expires = expires and total > ZERO
            status, reason, hold = _seated(event=event, total=total, expires=expires, now=now)
            if usage is not None:
                reason = f"{reason} {usage.quantity} complimentary ({usage.benefit})."
            if hold is not None:
                updates["hold_expires_at"] = hold
        elif verifying:
            # The waitlist promotes without asking again: a claim must be confirmed first.
            raise ServiceError(
                f"{locked.name} tickets are sold out. Members signed in to the member portal "
                "may join the waitlist; or register at the non-member price.",
                field="ticket_type",
            )
        elif event.waitlist_enabled:
            status, reason = Status.WAITLISTED, "Sold out: on the waitlist."
        else:
            left = f"only {free} left" if free > 0 else "none left"
            raise ServiceError(
                f"{locked.name} tickets are sold out ({left}) and this event keeps no waitlist.",
                field="quantity" if free > 0 else None,
            )
        if contact.pk is None:
            _save_new_contact(contact)
        registration = Registration(
            event=event,
            ticket_type=locked,
            contact=contact,
            organization=organization,
            organization_name=organization_name,
            quantity=quantity,
            payment=payment if total > ZERO else Registration.Payment.NOW,
            member_pricing=is_member and not verifying,
            price_each=price_each,
            total=total,
            status=status,
            status_changed_at=now,
            status_reason=reason,
            **updates,
        )
        with_history_user(registration, by)
        set_change_reason(registration, reason)
        registration.save()
        people = list(attendees) or [
            AttendeeDetails(contact.first_name, contact.last_name, contact.email)
        ]
        seated = Attendee.objects.bulk_create(
            Attendee(
                registration=registration,
                first_name=person.first_name.strip()[:100],
                last_name=person.last_name.strip()[:100],
                email=normalize_email(person.email),
            )
            for person in people
        )
        keep_prefetched(registration, "attendees", seated)  # its page lists them
        emit_registration_change(registration, from_status="")
        if registration.status == Status.PENDING_PAYMENT:
            # Made and numbered with the registration; Stripe and mail wait for the commit.
            invoice = registration_invoice_open_new(
                registration=registration, by=by, contact_is_new=contact_is_new
            )
    if invoice is not None:
        invoice = registration_payment_send(registration=registration, invoice=invoice, by=by)
    # A new registration's invoice is the one just made, or none: its mail and its page (the
    # API's answer) read it from here instead of asking the database again.
    registration._invoice_cache = invoice  # type: ignore[attr-defined]
    if verifying:
        _mail_verification(registration)
    elif notify:
        mail_registration(registration, "registration_received")
    return registration


def registration_create_for_person(
    *,
    event: Event,
    ticket_type: TicketType,
    first_name: str,
    last_name: str,
    email: str,
    **options: Any,
) -> Registration:
    """Register someone known only by name and email (the website): their contact is found by
    email or made, and a refused registration leaves no new contact behind. A new address's
    contact is made in the registration's transaction (registration_create); of two
    registrations racing to make it, the one the unique email refuses registers again with
    the winner's contact."""
    if not options.get("attendees"):
        # The person as they typed themselves, not as the record has it: what the registration
        # shows must not tell a visitor the name on file for an address they typed.
        options["attendees"] = [AttendeeDetails(first_name, last_name, email)]
    if not options.get("public"):
        contact, known = _registration_contact(
            first_name=first_name, last_name=last_name, email=email
        )
        return _register_contact(event, ticket_type, contact, known=known, options=options)
    normalized = normalize_email(email)
    if not normalized:
        raise ServiceError("Give an email address.", field="contact.email")
    existing = Contact.objects.filter(email__iexact=normalized).first()
    if existing is not None:
        return _register_contact(event, ticket_type, existing, known=True, options=options)
    new = Contact(first_name=first_name.strip(), last_name=last_name.strip(), email=normalized)
    try:
        return _register_contact(event, ticket_type, new, known=False, options=options)
    except IntegrityError:
        existing = Contact.objects.filter(email__iexact=normalized).first()
        if existing is None:
            raise
    return _register_contact(event, ticket_type, existing, known=True, options=options)


def _register_contact(
    event: Event, ticket_type: TicketType, contact: Contact, *, known: bool, options: dict
) -> Registration:
    # A new contact saved beforehand (not the website's: that one goes with the registration's
    # own transaction) is removed again when the registration is refused.
    made_before = not known and contact.pk is not None
    try:
        return registration_create(
            event=event,
            ticket_type=ticket_type,
            contact=contact,
            contact_is_new=not known,
            **options,
        )
    except ServiceError:
        if made_before and not contact.registrations.exists():
            contact.delete()
        raise


def _save_new_contact(contact: Contact) -> None:
    """The website's new registrant, saved in the registration's transaction. Its unique email
    is the last word (an IntegrityError rolls the registration back; the caller retries with
    the contact that won)."""
    try:
        validated_save(contact, checked=["email"])
    except ServiceError as exc:
        raise ServiceError(
            exc.message, field=f"contact.{exc.field}" if exc.field else None
        ) from exc


def _mail_verification(registration: Registration) -> None:
    """Mail the registrant of a claim: the confirmation link when their address is on file
    (a confirmed link) with a member organization, the one they named when it is among them."""
    contact = registration.contact
    organization = member_organization_of(contact, organization_name=registration.organization_name)
    link = None
    if organization is not None and contact.email:
        token = membership_token(
            MembershipClaim(
                registration_id=registration.pk,
                contact_id=contact.pk,
                organization_id=organization.pk,
            )
        )
        link = f"{settings.SITE_URL}{reverse('confirm-membership', args=[token])}"
    mail_registration_verification(registration, link=link, organization=organization)


def _closed_message(event: Event, now: datetime) -> str:
    if event.status == Event.Status.CANCELLED:
        return f"{event.title} is cancelled."
    if event.status != Event.Status.PUBLISHED:
        return f"{event.title} is not open for registration."
    if event.registration_opens_at and now < event.registration_opens_at:
        opens = timezone.localtime(event.registration_opens_at)
        return f"Registration for {event.title} opens {opens:%B %-d, %Y at %-I:%M %p}."
    return f"Registration for {event.title} is closed."
