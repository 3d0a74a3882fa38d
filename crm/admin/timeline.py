"""What the organization's page shows of its life: the timeline (crm.selectors.timeline, every
app's entries, newest first), and a history whose "Changed" rows say what changed when only
the organization's people did (the primary representative moved, a contact linked)."""

from datetime import timedelta
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from crm.models import Affiliation, Contact, Organization
from crm.selectors.timeline import organization_timeline

# A save of the organization's page writes the organization, then its inline rows, within the
# same request: the rows written this long after it belong to that "Changed" row.
SAME_SAVE = timedelta(seconds=60)
_ROLES = ("title", "is_primary", "is_billing", "is_event_contact", "status")


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value) if value not in (None, "") else "—"


def _affiliation_changes(organization_id: int) -> list[tuple[Any, dict[str, str]]]:
    """Every change to the organization's links to its people, oldest first, as (when, change)
    in the form simple-history's page shows a field's change: two queries."""
    rows = list(
        Affiliation.history.filter(organization_id=organization_id).order_by(
            "history_date", "history_id"
        )
    )
    contacts = Contact.objects.filter(pk__in={r.contact_id for r in rows})
    full = {c.pk: c.full_name for c in contacts.only("first_name", "last_name")}
    previous: dict[int, Any] = {}
    changes = []
    for row in rows:
        who = full.get(row.contact_id, f"contact #{row.contact_id}")
        before = previous.get(row.id)
        previous[row.id] = row
        if row.history_type == "+":
            roles = ", ".join(Affiliation(**{f: getattr(row, f) for f in _ROLES[1:4]}).roles)
            changes.append(
                (
                    row.history_date,
                    {"field": who, "old": "—", "new": f"linked ({roles or 'no role'})"},
                )
            )
        elif row.history_type == "-":
            changes.append((row.history_date, {"field": who, "old": "linked", "new": "removed"}))
        elif before is not None:
            for name in _ROLES:
                old, new = getattr(before, name), getattr(row, name)
                if old != new:
                    label = getattr(Affiliation._meta.get_field(name), "verbose_name", name)
                    changes.append(
                        (
                            row.history_date,
                            {"field": f"{who}: {label}", "old": _shown(old), "new": _shown(new)},
                        )
                    )
    return changes


def _unexplained(record: Any) -> bool:
    """A "Changed" row whose own fields did not change (simple-history compared it)."""
    return record.history_type == "~" and getattr(record, "history_delta_changes", None) == []


class OrganizationTimelineMixin:
    timeline_fieldset = ("Timeline", {"fields": ["timeline"]})

    @admin.display(description="timeline (newest first)")
    def timeline(self, obj: Organization) -> str:
        if obj.pk is None:
            return "—"
        entries = organization_timeline(organization_id=obj.pk)
        if not entries:
            return "Nothing has happened yet."
        rows = format_html_join(
            "",
            '<tr class="timeline-{}"><td>{}</td><td>{}</td><td>{}</td></tr>',
            (
                (
                    e.kind,
                    timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M"),
                    e.kind,
                    format_html('<a href="{}">{}</a>', e.url, e.summary) if e.url else e.summary,
                )
                for e in entries
            ),
        )
        return format_html(
            '<table class="org-timeline"><thead><tr><th>When</th><th>What</th><th>Details</th>'
            "</tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    def set_history_delta_changes(
        self, request: HttpRequest, historical_records: Any, foreign_keys_are_objs: bool = True
    ) -> None:
        """Simple-history compares the organization's own fields only: a save that changed its
        people instead (the primary representative moved) showed "Changed" and nothing else.
        Such rows list the changes to its people made by the same save."""
        super().set_history_delta_changes(  # type: ignore[misc]
            request, historical_records, foreign_keys_are_objs
        )
        records = list(historical_records)
        if not any(_unexplained(r) for r in records):
            return
        people = _affiliation_changes(records[0].id)
        newer = None
        for record in records:  # newest first
            if _unexplained(record):
                start = record.history_date - timedelta(seconds=5)
                end = min(filter(None, [newer, record.history_date + SAME_SAVE]))
                record.history_delta_changes = [
                    change for at, change in people if start <= at < end
                ] or [{"field": "Fields", "old": "", "new": "saved without a change"}]
            newer = record.history_date
