"""Pending affiliations on the organization's page: each with Confirm and Decline, which open
a page that asks once more and then calls the service staff and the portal share
(affiliation_confirm, affiliation_reject)."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from core.exceptions import ServiceError
from crm import services
from crm.models import Affiliation


class DecideForm(forms.Form):
    affiliation = forms.IntegerField(min_value=1, max_value=2**62)
    decide = forms.ChoiceField(choices=[("confirm", "Confirm"), ("decline", "Decline")])
    reason = forms.CharField(
        required=False, max_length=200, help_text="Optional: kept in the change history."
    )


class PendingAffiliationsMixin:
    """For OrganizationAdmin: the page that confirms or declines one of its pending
    affiliations (?affiliation=<id>&decide=confirm|decline; it asks once, the POST decides),
    and the links to it (`decide_links`, shown by the pending affiliations' inline)."""

    admin_site: admin.AdminSite

    def get_urls(self) -> list:
        view = self.admin_site.admin_view(self.pending_affiliation_view)
        return [
            path(
                "<int:pk>/pending-affiliations/",
                view,
                name="crm_organization_pending_affiliation",
            ),
            *super().get_urls(),  # type: ignore[misc]
        ]

    def pending_affiliation_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("crm.change_affiliation"):
            raise PermissionDenied
        back = HttpResponseRedirect(reverse("admin:crm_organization_change", args=[pk]))
        form = DecideForm(request.POST if request.method == "POST" else request.GET)
        if not form.is_valid():
            messages.error(request, "Choose Confirm or Decline on a pending affiliation below.")
            return back
        affiliation = (
            Affiliation.objects.select_related("contact", "organization")
            .filter(pk=form.cleaned_data["affiliation"], organization_id=pk)
            .first()
        )
        if affiliation is None:
            raise Http404
        confirm = form.cleaned_data["decide"] == "confirm"
        if request.method == "POST":
            name = affiliation.contact.full_name
            try:
                if confirm:
                    services.affiliation_confirm(affiliation=affiliation, by=request.user)
                else:
                    services.affiliation_reject(
                        affiliation=affiliation, by=request.user, reason=form.cleaned_data["reason"]
                    )
            except ServiceError as exc:
                messages.error(request, exc.message)
            else:
                done = (
                    "confirmed (give them roles below if they need any)" if confirm else "declined"
                )
                messages.success(request, f"{name}'s link to the organization is {done}.")
            return back
        if affiliation.status != Affiliation.Status.PENDING:
            messages.info(request, f"{affiliation.contact.full_name}'s link is not pending.")
            return back
        return TemplateResponse(
            request,
            "admin/crm/affiliation_decide.html",
            {
                **self.admin_site.each_context(request),
                "title": "Confirm affiliation" if confirm else "Decline affiliation",
                "affiliation": affiliation,
                "confirm": confirm,
                "form": form,
                "back": back["Location"],
                "opts": affiliation.organization._meta,
            },
        )


def decide_links(affiliation: Affiliation) -> Any:
    url = reverse("admin:crm_organization_pending_affiliation", args=[affiliation.organization_id])
    return format_html(
        '<a href="{}?affiliation={}&amp;decide=confirm">Confirm</a> · '
        '<a href="{}?affiliation={}&amp;decide=decline">Decline</a>',
        url,
        affiliation.pk,
        url,
        affiliation.pk,
    )
