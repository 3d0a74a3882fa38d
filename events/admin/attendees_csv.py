"""The attendee list as CSV, safe to open in a spreadsheet."""

import csv

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone

from crm.spreadsheet import formula_safe


def attendee_csv(registrations: QuerySet, filename: str) -> HttpResponse:
    """One row per seat: who sits in it, for badges and the door list."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "event",
            "reference",
            "status",
            "ticket type",
            "first name",
            "last name",
            "attendee email",
            "registrant",
            "registrant email",
            "organization",
            "member price",
            "checked in at",
        ]
    )
    for registration in registrations.prefetch_related("attendees").order_by(
        "event__starts_at", "contact__last_name", "pk"
    ):
        people = list(registration.attendees.all())
        # Unnamed guests still take a seat: one row each, under the registrant's name.
        rows: list[tuple[str, str, str]] = [(a.first_name, a.last_name, a.email) for a in people]
        for guest in range(len(people), registration.quantity):
            rows.append((f"Guest {guest + 1} of", registration.contact.full_name, ""))
        organization = (
            registration.organization.name
            if registration.organization
            else registration.organization_name
        )
        checked_in = (
            timezone.localtime(registration.checked_in_at).strftime("%Y-%m-%d %H:%M")
            if registration.checked_in_at
            else ""
        )
        for first, last, email in rows:
            writer.writerow(
                [
                    _csv_safe(registration.event.title),
                    registration.reference,
                    registration.get_status_display(),
                    _csv_safe(registration.ticket_type.name),
                    _csv_safe(first),
                    _csv_safe(last),
                    _csv_safe(email),
                    _csv_safe(registration.contact.full_name),
                    _csv_safe(registration.contact.email),
                    _csv_safe(organization),
                    "yes" if registration.member_pricing else "no",
                    checked_in,
                ]
            )
    return response


# Names typed on the website must not run as formulas in a spreadsheet.
_csv_safe = formula_safe
