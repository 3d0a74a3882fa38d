"""The admin's data tools: export of every list (with its filters) to CSV and Excel, the roster
import (upload, dry run row by row, confirm), the likely-duplicates report and the merge page.
The writes go through crm.services.imports and crm.services.merges."""

import base64
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import ActionLocation
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode
from import_export.admin import ExportActionMixin

from core.exceptions import ServiceError
from crm import selectors
from crm.services.imports import COLUMNS, MAX_FILE_BYTES, roster_import, roster_read
from crm.services.merges import contact_merge, organization_merge, relations_to_move
from crm.spreadsheet import CSV, XLSX

IMPORT_PERMISSIONS = (
    "crm.add_organization",
    "crm.change_organization",
    "crm.add_contact",
    "crm.change_contact",
    "crm.add_affiliation",
    "crm.change_affiliation",
    "crm.add_membership",
)
_SESSION_KEY = "crm_roster_import"


class CsvXlsxExportMixin(ExportActionMixin):
    """An Export button on the list (exporting what the list's filters and search show) and an
    "Export selected" action, as CSV or Excel, for staff who may view the rows. Text that a
    spreadsheet would run as a formula is escaped (crm.spreadsheet)."""

    export_formats = [CSV, XLSX]
    show_change_form_export = False

    def has_export_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)  # type: ignore[attr-defined]

    def get_actions(
        self, request: HttpRequest, action_location: Any = ActionLocation.CHANGE_LIST
    ) -> Any:
        # django-import-export 4.4 predates Django 6.1's action locations: its export action
        # belongs on the list, and other locations get the admin's own actions.
        if action_location == ActionLocation.CHANGE_LIST:
            return super().get_actions(request)
        return super(ExportActionMixin, self).get_actions(  # type: ignore[call-arg]
            request, action_location=action_location
        )


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label="Roster file (.csv or .xlsx)",
        help_text="One row per contact at an organization; the first row holds the headings.",
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB."
            )
        return upload


class DataToolsMixin(CsvXlsxExportMixin):
    """Roster import, duplicates report and merge pages for the organization and contact admins."""

    import_export_change_list_template = "admin/crm/change_list_data_tools.html"
    duplicate_groups: Callable[[], list[selectors.DuplicateGroup]]
    merge: Callable[..., Any]

    def _url_name(self, view: str) -> str:
        opts = self.model._meta  # type: ignore[attr-defined]
        return f"{opts.app_label}_{opts.model_name}_{view}"

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view  # type: ignore[attr-defined]
        return [
            path(
                "import-roster/",
                wrap(self.roster_import_view),
                name=self._url_name("import_roster"),
            ),
            path("duplicates/", wrap(self.duplicates_view), name=self._url_name("duplicates")),
            path("merge/", wrap(self.merge_view), name=self._url_name("merge")),
            *super().get_urls(),  # type: ignore[misc]
        ]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        extra_context = {
            **(extra_context or {}),
            "has_roster_import_permission": request.user.has_perms(IMPORT_PERMISSIONS),
        }
        return super().changelist_view(request, extra_context)  # type: ignore[misc]

    def _context(self, request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "title": title,
            "opts": self.model._meta,  # type: ignore[attr-defined]
            **extra,
        }

    # --- Import -------------------------------------------------------------------------------

    def roster_import_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perms(IMPORT_PERMISSIONS):
            raise PermissionDenied
        form = RosterUploadForm()
        report = None
        if request.method == "POST" and "confirm" in request.POST:
            stored = request.session.pop(_SESSION_KEY, None)
            if stored is None:
                messages.error(request, "The uploaded file is gone; upload it again.")
                return HttpResponseRedirect(request.path)
            rows, ignored = roster_read(
                data=base64.b64decode(stored["data"]), file_name=stored["name"]
            )
            report = roster_import(
                rows=rows, dry_run=False, by=request.user, ignored_columns=ignored
            )
            messages.success(request, report.summary)
        elif request.method == "POST":
            form = RosterUploadForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                data = upload.read()
                try:
                    rows, ignored = roster_read(data=data, file_name=upload.name)
                except ServiceError as exc:
                    form.add_error("file", exc.message)
                else:
                    report = roster_import(
                        rows=rows, dry_run=True, by=request.user, ignored_columns=ignored
                    )
                    # Kept in the session (not a temporary file) so the confirming request may
                    # reach any web process.
                    request.session[_SESSION_KEY] = {
                        "name": upload.name,
                        "data": base64.b64encode(data).decode(),
                    }
        return TemplateResponse(
            request,
            "admin/crm/roster_import.html",
            self._context(
                request,
                "Import a member roster",
                form=form,
                report=report,
                columns=[(name, headings[0]) for name, headings in COLUMNS.items()],
            ),
        )

    # --- Duplicates and merging ---------------------------------------------------------------

    def duplicates_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):  # type: ignore[attr-defined]
            raise PermissionDenied
        groups = type(self).duplicate_groups()
        merge_url = reverse(f"admin:{self._url_name('merge')}")
        for group in groups:
            first, *others = group.records
            group.merges = [  # type: ignore[attr-defined]
                (other, f"{merge_url}?{urlencode({'keep': first.pk, 'remove': other.pk})}")
                for other in others
            ]
        return TemplateResponse(
            request,
            "admin/crm/duplicates.html",
            self._context(
                request,
                f"Likely duplicate {self.model._meta.verbose_name_plural}",  # type: ignore[attr-defined]
                groups=groups,
                can_merge=self.has_change_permission(request),  # type: ignore[attr-defined]
            ),
        )

    def merge_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_change_permission(request):  # type: ignore[attr-defined]
            raise PermissionDenied
        model = self.model  # type: ignore[attr-defined]
        source = request.POST if request.method == "POST" else request.GET
        try:
            keep = get_object_or_404(model, pk=int(source.get("keep", "")))
            remove = get_object_or_404(model, pk=int(source.get("remove", "")))
        except ValueError:
            raise PermissionDenied from None
        if request.method == "POST":
            try:
                result = type(self).merge(keep=keep, remove=remove, by=request.user)
            except ServiceError as exc:
                messages.error(request, f"Not merged: {exc.message}")
            else:
                messages.success(request, f"Merged into {result.kept}: {result.description}.")
                return HttpResponseRedirect(
                    reverse(f"admin:{self._url_name('change')}", args=[keep.pk])
                )
        counts = [
            (
                relation.related_model._meta.verbose_name_plural,
                relation.related_model._base_manager.filter(
                    **{relation.field.name: remove}
                ).count(),
            )
            for relation in relations_to_move(model)
            if not relation.many_to_many
        ]
        swap = f"{request.path}?{urlencode({'keep': remove.pk, 'remove': keep.pk})}"
        return TemplateResponse(
            request,
            "admin/crm/merge.html",
            self._context(
                request,
                f"Merge two {model._meta.verbose_name_plural}",
                keep=keep,
                remove=remove,
                counts=[(label, n) for label, n in counts if n],
                swap_url=swap,
            ),
        )

    @admin.action(description="Merge the two selected records…", permissions=["change"])
    def merge_selected(self, request: HttpRequest, queryset: QuerySet) -> Any:
        pks = sorted(queryset.values_list("pk", flat=True))
        if len(pks) != 2:
            messages.error(request, "Select exactly two records to merge.")
            return None
        url = reverse(f"admin:{self._url_name('merge')}")
        return HttpResponseRedirect(f"{url}?{urlencode({'keep': pks[0], 'remove': pks[1]})}")


class OrganizationDataTools(DataToolsMixin):
    duplicate_groups = staticmethod(selectors.organization_duplicate_groups)
    merge = staticmethod(organization_merge)


class ContactDataTools(DataToolsMixin):
    duplicate_groups = staticmethod(selectors.contact_duplicate_groups)
    merge = staticmethod(contact_merge)
