"""The history pages of the admin (django-simple-history), for every model that keeps one."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """SimpleHistoryAdmin that lets only those who may change a record revert it, and whose
    history page runs the same number of queries however long the history is."""

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        # simple-history shows a past version to anyone who may view the record, and saves the
        # form posted from that page (a revert) without asking whether they may change it.
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def render_history_view(self, request: HttpRequest, template: Any, context: Any, **kwargs: Any):
        # The list of versions: each is labelled with str() of the object as it was, which
        # simple-history rebuilds without the related rows it has already joined in; hand them
        # over. (The page of one past version is rendered here too, without a list.)
        for record in context["page_obj"].object_list if "page_obj" in context else ():
            obj = record.history_object
            for field in obj._meta.concrete_fields:
                if field.is_relation and field.name in record._state.fields_cache:
                    field.set_cached_value(obj, record._state.fields_cache[field.name])
            # history_object is computed on each access; keep this one for the template.
            record.history_object = obj
        return super().render_history_view(request, template, context, **kwargs)


def child_history(records: Any, label: Any, limit: int = 50) -> str:
    """A panel for a parent's change page listing the changes to rows edited inline (ticket types
    of an event, price brackets of a plan), which have no History page of their own: when, who,
    which row, what changed and why, newest first. One query whatever the number of rows."""
    rows = list(records.select_related("history_user").order_by("history_date", "history_id"))
    previous: dict[Any, Any] = {}
    lines = []
    for record in rows:
        before = previous.get(record.id)
        if before is not None and record.history_type == "~":
            changes = ", ".join(
                f"{c.field}: {c.old} → {c.new}" for c in record.diff_against(before).changes
            )
        else:
            changes = ""
        previous[record.id] = record
        lines.append(
            (
                timezone.localtime(record.history_date).strftime("%Y-%m-%d %H:%M"),
                record.history_user or "—",
                label(record),
                record.get_history_type_display(),
                changes,
                record.history_change_reason or "",
            )
        )
    if not lines:
        return "No changes recorded."
    body = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        reversed(lines[-limit:]),
    )
    return format_html(
        '<table class="child-history"><thead><tr><th>When</th><th>Who</th><th>Row</th>'
        "<th>What</th><th>Changes</th><th>Why</th></tr></thead><tbody>{}</tbody></table>",
        body,
    )
