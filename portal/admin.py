"""Staff's side of the portal: "Send portal sign-in link" on the contact's page and the portal
activity on the organization's page (crm's admins, extended here so that crm does not import
the portal), and the directory changes waiting for review."""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from core.admin.actions import action_with_reason, run_service_action
from core.admin.history import HistoryAdmin
from core.exceptions import ServiceError
from crm.admin.organizations import ContactAdmin, OrganizationAdmin
from crm.directory import SOCIAL_NETWORKS, inspect_logo
from crm.models import Contact, Organization
from portal.directory import directory_change_approve, directory_change_reject
from portal.models import DirectoryChange
from portal.selectors import last_sign_in_of, portal_activity
from portal.services import portal_send_sign_in_link


class PortalContactAdmin(ContactAdmin):
    def get_urls(self) -> list:
        view = self.admin_site.admin_view(self.portal_link_view)
        return [
            path("<int:pk>/portal-link/", view, name="crm_contact_portal_link"),
            *super().get_urls(),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is None or not self.has_change_permission(request, obj):
            return fields  # the line offers the link: only for whoever may send it
        return [*fields, "member_portal"]

    @admin.display(description="member portal")
    def member_portal(self, obj: Contact) -> str:
        at = last_sign_in_of(obj)
        seen = (
            f"last signed in {timezone.localtime(at):%b %-d, %Y %H:%M}"
            if at is not None
            else "never signed in"
        )
        url = reverse("admin:crm_contact_portal_link", args=[obj.pk])
        return format_html('{} · <a href="{}">Send portal sign-in link</a>', seen, url)

    def portal_link_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_change_permission(request):
            raise PermissionDenied
        contact = get_object_or_404(Contact, pk=pk)
        back = reverse("admin:crm_contact_change", args=[pk])
        if request.method == "POST":
            try:
                portal_send_sign_in_link(contact=contact, by=request.user)
            except ServiceError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request, f"A portal sign-in link is on its way to {contact.email}."
                )
            return HttpResponseRedirect(back)
        return TemplateResponse(
            request,
            "admin/portal/send_link.html",
            {
                **self.admin_site.each_context(request),
                "title": "Send portal sign-in link",
                "contact": contact,
                "opts": self.model._meta,
                "back": back,
            },
        )


class PortalOrganizationAdmin(OrganizationAdmin):
    """The organization's page with what its people did in the portal."""

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list:
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is None:
            return fieldsets
        return [*fieldsets, ("Member portal", {"fields": ["portal_activity"]})]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list:
        fields = list(super().get_readonly_fields(request, obj))
        return fields if obj is None else [*fields, "portal_activity"]

    @admin.display(description="portal activity (most recent first)")
    def portal_activity(self, obj: Organization) -> str:
        entries = portal_activity(obj)
        if not entries:
            return "Nobody from this organization has used the member portal yet."
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (timezone.localtime(e.at).strftime("%b %-d, %Y %H:%M"), e.contact, e.what)
                for e in entries
            ),
        )
        return format_html(
            '<table id="portal-activity"><thead><tr><th>when</th><th>who</th><th>what</th>'
            "</tr></thead><tbody>{}</tbody></table>",
            rows,
        )


@admin.register(DirectoryChange)
class DirectoryChangeAdmin(HistoryAdmin):
    """Listings saved in the portal while DIRECTORY_CHANGES_NEED_REVIEW is on: approve (the
    listing is set as proposed, in the organization's history as made by the contact) or
    reject them with the list's actions."""

    list_display = ["organization", "contact", "status", "created", "decided_by"]
    list_filter = ["status"]
    search_fields = ["organization__name", "contact__email"]
    list_select_related = ["organization", "contact", "decided_by"]
    actions = ["approve", "reject"]
    readonly_fields = [
        "organization",
        "contact",
        "status",
        "created",
        "proposal",
        "logo_preview",
        "decided_at",
        "decided_by",
        "decision_reason",
    ]
    fields = readonly_fields
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="proposed listing (current in brackets where it differs)")
    def proposal(self, obj: DirectoryChange) -> str:
        org = obj.organization
        current_categories = ", ".join(c.name for c in org.directory_categories.all())
        rows = [
            ("listed", "yes" if obj.listed else "no", "yes" if org.directory_listed else "no"),
            ("description", obj.text, org.directory_text),
            ("website", obj.website, org.website),
            ("categories", ", ".join(c.name for c in obj.categories.all()), current_categories),
            *(
                (label, obj.social.get(network, ""), getattr(org, f"{network}_url"))
                for network, (label, _hosts) in SOCIAL_NETWORKS.items()
            ),
            ("logo", "removed" if obj.remove_logo else ("new" if obj.logo else "unchanged"), ""),
        ]
        return format_html(
            "<table><tbody>{}</tbody></table>",
            format_html_join(
                "",
                "<tr><th>{}</th><td>{}</td><td>{}</td></tr>",
                (
                    (name, new or "—", f"({old or '—'})" if old != new and old else "")
                    for name, new, old in rows
                ),
            ),
        )

    @admin.display(description="new logo")
    def logo_preview(self, obj: DirectoryChange) -> str:
        if not obj.logo:
            return "—"
        url = reverse("admin:portal_directorychange_logo", args=[obj.pk])
        return format_html('<img src="{}" alt="the proposed logo" style="max-height:120px">', url)

    def get_urls(self) -> list:
        view = self.admin_site.admin_view(self.logo_view)
        return [
            path("<int:pk>/logo/", view, name="portal_directorychange_logo"),
            *super().get_urls(),
        ]

    def logo_view(self, request: HttpRequest, pk: int) -> FileResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        change = get_object_or_404(DirectoryChange, pk=pk)
        if not change.logo:
            raise Http404
        try:
            content_type = inspect_logo(change.logo).content_type
        except ValidationError:
            raise Http404 from None
        response = FileResponse(change.logo.open("rb"), content_type=content_type)
        response["Content-Security-Policy"] = "default-src 'none'"
        return response

    @admin.action(description="Approve selected directory changes", permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet) -> None:
        run_service_action(
            self,
            request,
            queryset.select_related("organization", "contact"),
            call=lambda change: directory_change_approve(change=change, by=request.user),
            done="approved and now in the directory",
        )

    @admin.action(description="Reject selected directory changes…", permissions=["change"])
    def reject(self, request: HttpRequest, queryset: QuerySet) -> Any:
        return action_with_reason(
            self,
            request,
            queryset.select_related("organization", "contact"),
            action="reject",
            title="Reject directory changes",
            prompt="Why (kept with the change; the listing stays as it is).",
            submit_label="Reject",
            call=lambda change, reason: directory_change_reject(
                change=change, by=request.user, reason=reason
            ),
            done="rejected",
        )


admin.site.unregister(Contact)
admin.site.register(Contact, PortalContactAdmin)
admin.site.unregister(Organization)
admin.site.register(Organization, PortalOrganizationAdmin)
