"""Complimentary seats: a registration for an event (or ticket type) carrying a tag that the
organization's investor level or plan grants seats for draws them down by itself, through crm's
service under the organization's lock, and its cancellation gives them back."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from crm.models import BenefitUsage, Organization
from crm.models.benefits import parse_tags
from crm.services.benefits import benefit_draw_comp_seats, benefit_usage_return
from events.models import Registration, TicketType


def comp_seats_draw(
    *,
    organization: Organization | None,
    ticket_type: TicketType,
    quantity: int,
    price_each: Decimal,
    by: Any,
    now: datetime,
) -> BenefitUsage | None:
    """Up to `quantity` complimentary seats for the registration about to be made, or None
    (a free seat draws nothing). Runs inside the registration's transaction, after the
    capacity lock."""
    event = ticket_type.event
    tags = parse_tags(event.tags) | parse_tags(ticket_type.tags)
    if organization is None or not tags or price_each <= 0:
        return None
    return benefit_draw_comp_seats(
        organization=organization,
        tags=tags,
        quantity=quantity,
        note=f"{ticket_type.name} at {event.title} ({event.starts_at:%Y-%m-%d})",
        by=by,
        today=timezone.localdate(now),
    )


def comp_seats_return(registration: Registration, *, reason: str, by: Any) -> None:
    """Give a cancelled registration's complimentary seats back to its organization."""
    if registration.benefit_usage_id is None:
        return
    usage = BenefitUsage(pk=registration.benefit_usage_id)
    benefit_usage_return(usage=usage, reason=f"registration cancelled: {reason}", by=by)


def comp_seats_sentence(registration: Registration, *, name_organization: bool = False) -> str:
    """What the registration says of its complimentary seats: to the registrant (its mail and
    page: "your organization"), or to staff (`name_organization`)."""
    n = registration.comp_seats
    if not n:
        return ""
    usage = registration.benefit_usage
    benefit = usage.benefit if usage is not None else "benefit"
    whose = f"{registration.organization}'s" if name_organization else "your organization's"
    seats = "seat is" if n == 1 else "seats are"
    returned = usage is not None and usage.returned_at is not None
    given_back = " (given back: the registration was cancelled)" if returned else ""
    return f"{n} {seats} complimentary, from {whose} {benefit} benefit{given_back}."
