"""Registering oneself and colleagues for events from the portal: the registration service the
website and staff use (events' `registration_create`), with the signed-in contact vouching for
the organization's membership (`verified_by`, the verified-membership rule), so the member
price and members-only tickets apply, and a paid registration is invoiced to the organization
(it appears under the portal's Invoices, payable on Stripe's page)."""

from collections.abc import Sequence

from django.utils import timezone

from core.exceptions import InvalidData, ServiceError
from crm.models import Affiliation, Contact, Organization
from crm.selectors import member_organization_of
from events.models import Event, Registration, TicketType
from events.selectors import ticket_types_with_seats
from events.services import registration_create
from portal.services import as_portal_contact


def portal_event_register(
    *,
    organization: Organization,
    event: Event,
    ticket_type: TicketType,
    contacts: Sequence[Contact],
    by_contact: Contact,
) -> list[Registration]:
    """Register each of `contacts` (people confirmed at `organization`) for one seat of
    `ticket_type`, at the member price, a paid seat invoiced to the organization. The caller
    has checked that `by_contact` may register them (themselves, or colleagues as the event
    contact or primary representative). Everything is checked first (the organization a member
    with `by_contact` confirmed there, each person confirmed there and not yet registered, the
    event open, seats or a waitlist for all of them): a refusal changes nothing."""
    if not contacts:
        raise InvalidData("Choose at least one person to register.", field="contacts")
    if ticket_type.event_id != event.pk:
        raise InvalidData("This ticket type belongs to another event.", field="ticket_type")
    if member_organization_of(by_contact, organization_name=organization.name) != organization:
        raise ServiceError(
            f"Member prices are for member organizations: {organization.name}'s membership is "
            "not current, or your place there is not confirmed yet. Register on the events "
            "page, or write to the Alliance."
        )
    confirmed = set(
        Affiliation.objects.filter(
            organization=organization,
            status=Affiliation.Status.CONFIRMED,
            contact__in=contacts,
        ).values_list("contact_id", flat=True)
    )
    strangers = [c.full_name for c in contacts if c.pk not in confirmed]
    if strangers:
        raise InvalidData(
            f"{', '.join(strangers)} {'is' if len(strangers) == 1 else 'are'} not confirmed at "
            f"{organization.name}.",
            field="contacts",
        )
    already = sorted(
        {
            r.contact.full_name
            for r in Registration.objects.filter(
                event=event, contact__in=contacts, status__in=Registration.ACTIVE_STATUSES
            ).select_related("contact")
        }
    )
    if already:
        raise InvalidData(
            f"{', '.join(already)} {'is' if len(already) == 1 else 'are'} already registered "
            f"for {event.title}.",
            field="contacts",
        )
    _check_open_and_seats(event, ticket_type, len(contacts))
    made: list[Registration] = []
    for contact in contacts:
        # One registration each (each person's own seat, mail and cancel button), each in its
        # own transaction: its invoice goes to Stripe once it is committed.
        try:
            with as_portal_contact(by_contact) as by:
                registration = registration_create(
                    event=event,
                    ticket_type=ticket_type,
                    contact=contact,
                    organization_name=organization.name,
                    payment=Registration.Payment.INVOICE,
                    public=True,
                    verified_by=by_contact,
                    by=by,
                )
        except ServiceError as exc:
            if not made:
                raise
            # Taken meanwhile by someone else (the checks above passed): say who is in.
            names = ", ".join(r.contact.full_name for r in made)
            raise ServiceError(
                f"{names} registered; {contact.full_name} not: {exc.message}"
            ) from exc
        made.append(registration)
    return made


def _check_open_and_seats(event: Event, ticket_type: TicketType, wanted: int) -> None:
    """The refusals registration_create() would give for the last of `wanted` people, said
    before the first is registered."""
    if not Event.objects.get(pk=event.pk).registration_open_at(timezone.now()):
        raise ServiceError(f"Registration for {event.title} is closed.")
    free = ticket_types_with_seats().get(pk=ticket_type.pk).seats_available
    if wanted > free and not event.waitlist_enabled:
        left = f"only {free} left" if free > 0 else "none left"
        raise ServiceError(
            f"{ticket_type.name} tickets are sold out ({left}) and this event keeps no waitlist.",
            field="contacts",
        )
