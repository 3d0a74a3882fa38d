"""What each event says, and when a change is an event. Every payload carries only what the
public directory or the recipient's own records would show: ids, statuses, dates, plan and
level names, event titles, and an organization's name only when it agreed to be listed in the
directory. Never a contact's email or phone, a note, a reason written by staff, or an amount
other than a paid invoice's own total. (Subscription events carry the subscriber's address:
it is the list's own record, given with consent to that list; see docs/webhooks.md.)

The services call the emit_* helpers below, one line each, inside their transactions."""

from datetime import date, datetime
from typing import Any

from webhooks.services import webhook_emit, webhook_wanted

# The directory's own fields (GET /api/v1/public/directory/).
DIRECTORY_FIELDS = ("name", "website", "industry", "city", "directory_text", "directory_listed")


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value else None


def organization_ref(organization: Any) -> dict[str, Any]:
    listed = bool(organization.directory_listed)
    return {
        "id": organization.pk,
        "name": organization.name if listed else None,
        "directory_listed": listed,
    }


def membership_data(membership: Any) -> dict[str, Any]:
    return {
        "membership": {
            "id": membership.pk,
            "status": membership.status,
            "plan": {"code": membership.plan.code, "name": membership.plan.name},
            "start_date": _iso(membership.start_date),
            "member_since": _iso(membership.member_since),
            "paid_through": _iso(membership.paid_through),
        },
        "organization": organization_ref(membership.organization),
    }


def emit_membership_change(membership: Any, *, from_status: str | None) -> None:
    """After a membership moved from `from_status` (None: it did not move)."""
    if from_status is None:
        return
    status = membership.status
    if status == "active":
        # A member paying for a further period (on time or in grace) renews; anything else that
        # makes a membership active (first dues, approval with dues paid, reinstatement) starts it.
        renewed = from_status in ("active", "grace")
        event = "membership.renewed" if renewed else "membership.activated"
    elif status == "lapsed":
        event = "membership.lapsed"
    elif status == "cancelled":
        event = "membership.cancelled"
    else:
        return
    if webhook_wanted(event):
        webhook_emit(event_type=event, payload=membership_data(membership))


def organization_directory_state(organization: Any) -> dict[str, Any] | None:
    """The organization's directory fields as stored now (None for a new one): read before a
    save, to tell whether the save changed what the directory shows."""
    if organization.pk is None or not webhook_wanted("organization.updated"):
        return None
    return type(organization).objects.filter(pk=organization.pk).values(*DIRECTORY_FIELDS).first()


def emit_organization_update(organization: Any, *, before: dict[str, Any] | None) -> None:
    """organization.updated when a member organization's directory fields changed and it is, or
    was, listed. One that leaves the directory is announced by id alone."""
    after = {name: getattr(organization, name) for name in DIRECTORY_FIELDS}
    if before is None or before == after:
        return
    if not (before["directory_listed"] or after["directory_listed"]):
        return
    if not organization.memberships.filter(status__in=("active", "grace")).exists():
        return
    if after["directory_listed"]:
        data = {
            "id": organization.pk,
            "directory_listed": True,
            "name": organization.name,
            "website": organization.website,
            "industry": organization.industry,
            "city": organization.city,
            "description": organization.directory_text,
        }
    else:
        data = {"id": organization.pk, "directory_listed": False}
    webhook_emit(event_type="organization.updated", payload={"organization": data})


def registration_data(registration: Any) -> dict[str, Any]:
    event = registration.event
    return {
        "registration": {
            "id": registration.pk,
            "status": registration.status,
            "quantity": registration.quantity,
            "ticket_type": registration.ticket_type.code,
        },
        "event": {
            "slug": event.slug,
            "title": event.title,
            "starts_at": _iso(event.starts_at),
            "ends_at": _iso(event.ends_at),
        },
        "organization": organization_ref(registration.organization)
        if registration.organization_id
        else None,
    }


def emit_registration_change(registration: Any, *, from_status: str) -> None:
    """After a registration's status was set (from `from_status`)."""
    status = registration.status
    if status == from_status:
        return
    if status == "confirmed" and from_status != "checked_in":  # undoing a check-in is no news
        event = "registration.confirmed"
    elif status == "cancelled":
        event = "registration.cancelled"
    else:
        return
    if webhook_wanted(event):
        webhook_emit(event_type=event, payload=registration_data(registration))


def invoice_data(invoice: Any) -> dict[str, Any]:
    return {
        "invoice": {
            "id": invoice.pk,
            "number": invoice.number,
            "kind": invoice.kind,
            "status": invoice.status,
            "total": str(invoice.total),
            "currency": invoice.currency,
            "issue_date": _iso(invoice.issue_date),
            "paid_at": _iso(invoice.paid_at),
        },
        "organization": organization_ref(invoice.organization),
    }


def emit_invoice_paid(*, invoice: Any, by: Any = None) -> None:
    """billing's paid listener (registered in WebhooksConfig.ready)."""
    if webhook_wanted("invoice.paid"):
        webhook_emit(event_type="invoice.paid", payload=invoice_data(invoice))


def pledge_data(pledge: Any) -> dict[str, Any]:
    return {
        "pledge": {
            "id": pledge.pk,
            "status": pledge.status,
            "level": {"code": pledge.level.code, "name": pledge.level.name},
            "start_date": _iso(pledge.start_date),
            "term_years": pledge.term_years,
            "confirmed_at": _iso(pledge.confirmed_at),
        },
        "organization": organization_ref(pledge.organization),
    }


def emit_pledge_change(pledge: Any, *, from_status: str | None) -> None:
    if (
        from_status == "submitted"
        and pledge.status == "confirmed"
        and webhook_wanted("pledge.confirmed")
    ):
        webhook_emit(event_type="pledge.confirmed", payload=pledge_data(pledge))
