"""Staff's side of the portal: "Send portal sign-in link" on the contact's page (crm's contact
admin, extended here so that crm does not import the portal), and the portal accounts."""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from core.exceptions import ServiceError
from crm.admin.organizations import ContactAdmin
from crm.models import Contact
from portal.models import PortalAccount
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
        account = PortalAccount.objects.filter(contact=obj).first()
        seen = (
            f"last signed in {account.last_sign_in_at:%b %-d, %Y %H:%M}"
            if account is not None and account.last_sign_in_at
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


admin.site.unregister(Contact)
admin.site.register(Contact, PortalContactAdmin)
