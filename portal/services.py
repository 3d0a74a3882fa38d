"""The portal's writes. Each is one public service; the changes themselves go through crm's
services (contact_save, affiliation_save, affiliation_delete) with the contact's portal user
as their author and "Member portal, <name>" leading the history's reason."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError
from django.utils import timezone

from core.audit import audit_source
from core.exceptions import InvalidData, ServiceError
from core.exceptions import TooManyRequests as CoreTooManyRequests
from core.mail import send_templated
from core.services import atomic, set_change_reason, user_or_none
from crm.models import (
    Affiliation,
    Contact,
    Membership,
    MembershipPlan,
    MembershipPlanChange,
    Organization,
)
from crm.normalize import normalize_email
from crm.services import (
    affiliation_confirm,
    affiliation_delete,
    affiliation_reject,
    affiliation_save,
    contact_save,
)
from crm.services.benefits import portal_sign_in_record
from crm.services.renewals import membership_change_plan
from events.models import Registration
from events.services import registration_cancel
from portal import links
from portal.models import PortalAccount


class TooManyRequests(CoreTooManyRequests):
    """Too many sign-in links asked for one address or from one client this hour."""


class BadLink(ServiceError):
    """The sign-in link is tampered with, expired, used, or no longer anyone's."""


BAD_LINK = (
    "This sign-in link has expired or has already been used. Links work once, for "
    "{minutes} minutes: ask for a new one below."
)


def portal_account(contact: Contact) -> PortalAccount:
    """The contact's portal account, made the first time it is needed (with its user: never
    staff, no password, no group)."""
    account = PortalAccount.objects.select_related("user").filter(contact=contact).first()
    if account is not None:
        return account
    User = get_user_model()
    try:
        with atomic():
            user = User(
                username=f"portal-contact-{contact.pk}",
                first_name=contact.first_name[:150],
                last_name=contact.last_name[:150],
                is_staff=False,
                is_superuser=False,
                is_active=True,
            )
            user.set_unusable_password()
            user.save()
            return PortalAccount.objects.create(contact=contact, user=user)
    except IntegrityError:  # made at the same moment by another request, or a name taken
        account = PortalAccount.objects.select_related("user").filter(contact=contact).first()
        if account is None:
            raise ServiceError(
                f"A login named portal-contact-{contact.pk} already exists and is not this "
                "contact's portal login: rename it in the admin (Users) first."
            ) from None
        return account


@contextmanager
def as_portal_contact(contact: Contact) -> Iterator[Any]:
    """The block's changes are recorded as made by `contact` through the portal: its portal
    user as the history's author, "Member portal, <name>" leading the reason."""
    account = portal_account(contact)
    with audit_source(f"Member portal, {contact.full_name}"), atomic():
        yield account.user


def portal_send_sign_in_link(
    *,
    contact: Contact,
    by: Any = None,
    invited_by: Contact | None = None,
    organization: Organization | None = None,
) -> PortalAccount:
    """Mail `contact` a one-time sign-in link to the portal. `by`: the staff user who sent it
    from the contact's page (None: the contact asked on the sign-in page). `invited_by` and
    `organization`: a colleague invited them, and the mail says so."""
    if not contact.email:
        raise InvalidData(
            f"{contact.full_name} has no email address: add one before sending a sign-in link.",
            field="email",
        )
    account = portal_account(contact)
    user = account.user
    if user.is_staff or user.is_superuser or not user.is_active:
        raise ServiceError(
            f"The portal login of {contact.full_name} ({user.username}) has been changed by "
            "hand (made staff or deactivated): no sign-in link is sent for it."
        )
    staff = user_or_none(by)
    if invited_by is not None:
        reason = f"invited to the member portal by {invited_by.full_name}"
    elif staff is not None:
        reason = f"portal sign-in link sent by {staff.get_username()}"
    else:
        reason = "portal sign-in link asked for on the sign-in page"
    send_templated(
        to=[contact.email],
        template="portal_sign_in",
        subject=(
            f"{invited_by.full_name} invited you to the MetroHartford Alliance member portal"
            if invited_by is not None
            else "Your sign-in link to the MetroHartford Alliance member portal"
        ),
        context={
            "contact": contact,
            "link": links.sign_in_url(account),
            "minutes": _minutes(),
            "invited_by": invited_by,
            "organization": organization,
        },
        reason=reason,
        contact=contact,
        organization=organization,
    )
    PortalAccount.objects.filter(pk=account.pk).update(last_link_sent_at=timezone.now())
    return account


def _minutes() -> int:
    from django.conf import settings

    return int(settings.PORTAL_LINK_MINUTES)


def portal_request_sign_in_link(*, email: str, client: str | None) -> None:
    """The sign-in page's form: mail a link when `email` is a contact's address. It answers the
    same whether or not it is (nothing is raised for an unknown address) and counts every
    request against the address's and the client's hourly limits (TooManyRequests)."""
    email = _valid_email(email)
    if links.over_request_limit(email=email, client=client):
        raise TooManyRequests(
            "Too many sign-in links were asked for this address or from this connection. "
            "Wait an hour, or use the last link we sent."
        )
    contact = Contact.objects.filter(email__iexact=email).first()
    if contact is not None:
        portal_send_sign_in_link(contact=contact)


def _valid_email(email: str) -> str:
    email = normalize_email(email or "")
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidData("Enter an email address, e.g. ana@example.com.", field="email") from None
    return email


def portal_sign_in(*, token: str) -> Contact:
    """Use a sign-in link: the contact it is for. Once only: the link (and every older link of
    the contact) stops working; two clicks at once sign in once (the user's row is locked)."""
    with atomic():
        account = links.account_for_token(token, lock=True)
        if account is None:
            raise BadLink(BAD_LINK.format(minutes=_minutes()))
        now = timezone.now()
        user = account.user
        user.last_login = now
        user.save(update_fields=["last_login"])
        portal_sign_in_record(contact=account.contact, at=now)
    return account.contact


def portal_contact_update(
    *, contact: Contact, first_name: str, last_name: str, phone: str, title: str
) -> Contact:
    """A contact changes their own details (not the email address they sign in with)."""
    with as_portal_contact(contact) as by:
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        contact.first_name = first_name.strip()
        contact.last_name = last_name.strip()
        contact.phone = phone.strip()
        contact.title = title.strip()
        set_change_reason(contact, "Changed their own details")
        contact_save(contact=contact, by=by)
    return contact


def portal_colleague_invite(
    *,
    organization: Organization,
    first_name: str,
    last_name: str,
    email: str,
    title: str = "",
    is_billing: bool = False,
    is_event_contact: bool = False,
    by_contact: Contact,
) -> Affiliation:
    """The primary representative adds a colleague: the contact (an existing one when the
    address is already on file), their place at the organization with the roles given, and a
    sign-in link in the mail."""
    email = _valid_email(email)
    with as_portal_contact(by_contact) as by:
        contact = Contact.objects.filter(email__iexact=email).first()
        if contact is None:
            contact = Contact(
                first_name=first_name.strip(), last_name=last_name.strip(), email=email
            )
            set_change_reason(contact, f"Invited to {organization.name} by a colleague")
            contact_save(contact=contact, by=by)
        elif existing := Affiliation.objects.filter(
            contact=contact, organization=organization
        ).first():
            raise InvalidData(
                f"{contact.full_name} ({email}) is already at {organization.name}"
                + (
                    ": confirm them under Waiting for your confirmation."
                    if existing.status == Affiliation.Status.PENDING
                    else "."
                ),
                field="email",
            )
        affiliation = Affiliation(
            contact=contact,
            organization=organization,
            title=title.strip(),
            is_billing=is_billing,
            is_event_contact=is_event_contact,
        )
        set_change_reason(affiliation, "Invited by a colleague")
        affiliation_save(affiliation=affiliation, by=by)
        portal_send_sign_in_link(contact=contact, invited_by=by_contact, organization=organization)
    return affiliation


def portal_colleague_remove(*, affiliation: Affiliation, by_contact: Contact) -> None:
    """The primary representative removes a colleague from the organization (the person's
    contact record stays: it may belong elsewhere, and the history keeps who removed them)."""
    if affiliation.contact_id == by_contact.pk:
        raise ServiceError(
            "You cannot remove yourself: make a colleague primary representative first and "
            "ask them to remove you."
        )
    if affiliation.is_primary:
        raise ServiceError("The primary representative cannot be removed.")
    with as_portal_contact(by_contact) as by:
        set_change_reason(affiliation, "Removed by a colleague")
        affiliation_delete(affiliation=affiliation, by=by)


def portal_colleague_confirm(*, affiliation: Affiliation, by_contact: Contact) -> Affiliation:
    """The primary representative confirms someone who attached themselves to the organization
    on a public form (a join, a pledge, a registration): crm's affiliation_confirm, as staff
    confirm them, recorded as made by the representative through the portal."""
    with as_portal_contact(by_contact) as by:
        return affiliation_confirm(affiliation=affiliation, by=by, by_contact=by_contact)


def portal_colleague_decline(*, affiliation: Affiliation, by_contact: Contact) -> None:
    """The primary representative declines such a link: crm's affiliation_reject (the link is
    removed; the person's contact record stays)."""
    with as_portal_contact(by_contact) as by:
        affiliation_reject(
            affiliation=affiliation,
            by=by,
            by_contact=by_contact,
            reason="not one of ours, said in the member portal",
        )


def portal_primary_move(*, affiliation: Affiliation, by_contact: Contact) -> Affiliation:
    """The primary representative hands the role to a colleague (and keeps their other roles)."""
    if affiliation.is_primary:
        raise ServiceError(f"{affiliation.contact.full_name} is already primary representative.")
    with as_portal_contact(by_contact) as by:
        affiliation.is_primary = True
        set_change_reason(affiliation, "Made primary representative by the previous one")
        affiliation_save(affiliation=affiliation, by=by)
    return affiliation


def portal_plan_change(
    *, membership: Membership, plan: MembershipPlan, by_contact: Contact
) -> MembershipPlanChange:
    """The primary representative moves the membership to a plan offered on the join page:
    the service staff use (membership_change_plan), so an upgrade is invoiced now for the rest
    of the year and a downgrade waits for the renewal."""
    if not (plan.is_active and plan.offered_publicly):
        raise InvalidData(f"The {plan} plan is not offered: ask the Alliance.", field="plan")
    with as_portal_contact(by_contact) as by:
        return membership_change_plan(membership=membership, plan=plan, by=by)


def portal_registration_cancel(
    *, registration: Registration, by_contact: Contact, colleague_of: Affiliation | None = None
) -> Registration:
    """A contact cancels their own registration, as the registrant (until the event's
    cancellation cutoff; a paid one is refunded, the seats go to the waitlist). `colleague_of`:
    the canceller's place at the registration's organization, as its event contact or primary
    representative, who cancel the seats of colleagues registered for it too."""
    if registration.contact_id != by_contact.pk and not (
        colleague_of is not None
        and colleague_of.contact_id == by_contact.pk
        and (colleague_of.is_primary or colleague_of.is_event_contact)
        and registration.organization_id == colleague_of.organization_id
    ):
        raise ServiceError("Only the person registered cancels a registration here.")
    with as_portal_contact(by_contact) as by:
        return registration_cancel(
            registration=registration,
            reason="Cancelled by the registrant in the member portal."
            if registration.contact_id == by_contact.pk
            else f"Cancelled in the member portal by {by_contact.full_name}, a colleague.",
            by=by,
            by_registrant=True,
        )
