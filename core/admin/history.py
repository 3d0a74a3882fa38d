"""The history pages of the admin (django-simple-history), for every model that keeps one.

Reverting to a past version restores only what a person may edit in the record's change form:
the fields of that form (as it is for the record now) minus the admin's
`history_lifecycle_fields`. Everything else (status, the dates set by the steps, money,
counters, references) is taken from the record as it is now, under its lock, so a revert never
moves a record through its lifecycle: that is its services' job."""

from typing import Any

from django.contrib import messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from core.exceptions import ServiceError

# Set on the request while a history form view (a past version, or its revert) runs.
_REVERTING = "_crm_history_form_view"


class _AutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete, which labels a posted choice by looking it up: a value that is not
    a key at all (a form posted by hand) is left out of the lookup instead of raising a
    ValueError, so the form answers with its "select a valid choice" error."""

    def optgroups(self, name: str, value: Any, attr: Any = None) -> Any:
        key = self.field.remote_field.get_related_field()
        valid = []
        for item in value:
            try:
                key.to_python(item)
            except ValidationError:
                continue
            valid.append(item)
        return super().optgroups(name, valid, attr)


class HistoryAdmin(SimpleHistoryAdmin):
    """SimpleHistoryAdmin that lets only those who may change a record revert it, restores only
    its editable fields, and whose history page runs the same number of queries however long the
    history is."""

    # Fields a change form may show as editable that a revert still never restores: they move
    # through a service (an event's draft/published status is set in its form, but publishing is
    # a step of its own with its own timestamp).
    history_lifecycle_fields: tuple[str, ...] = ("status",)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = _AutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        # simple-history shows a past version to anyone who may view the record, and saves the
        # form posted from that page (a revert) without asking whether they may change it.
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied
        setattr(request, _REVERTING, True)
        try:
            with transaction.atomic():
                return super().history_form_view(request, object_id, version_id, extra_context)
        except ServiceError as exc:
            # The record's own rules refuse the past values (a date now out of range...).
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        if obj is not None and getattr(request, _REVERTING, False):
            self._keep_lifecycle(request, obj)
        return super().get_form(request, obj, change=change, **kwargs)

    def history_revertable_fields(self, request: HttpRequest, current: models.Model) -> set[str]:
        """The fields a revert restores: those of the record's change form, less the lifecycle."""
        current._lifecycle_kept = True  # type: ignore[attr-defined]
        form_class = self.get_form(request, current, change=True)
        return set(form_class.base_fields) - set(self.history_lifecycle_fields)

    def _keep_lifecycle(self, request: HttpRequest, past: Any) -> None:
        """Give the past version (simple-history's form instance) the current values of every
        field a revert does not restore."""
        if getattr(past, "_lifecycle_kept", False):
            return
        rows = self.model._base_manager.all()
        if request.method == "POST":
            rows = rows.select_for_update()
        current = rows.filter(pk=past.pk).first()
        if current is None:  # the record is gone: simple-history's own 404/validation applies
            return
        revertable = self.history_revertable_fields(request, current)
        for field in self.model._meta.concrete_fields:
            if field.name in revertable or field.primary_key:
                continue
            setattr(past, field.attname, getattr(current, field.attname))
            if field.is_relation and field.is_cached(past):
                field.delete_cached_value(past)
        past._lifecycle_kept = True

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
