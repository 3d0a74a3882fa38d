"""Benefits: their definitions, the grants on plans and levels (inlines), the uses recorded, and
the organization page's table of granted, used and left this term with its one-click
"Record one use" buttons."""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from core.admin.history import HistoryAdmin
from core.exceptions import ServiceError
from crm.models import Benefit, BenefitGrant, BenefitUsage, Organization
from crm.selectors.benefits import (
    OrganizationBenefits,
    benefit_usage_list,
    organization_benefits_of,
)
from crm.services.benefits import benefit_save, benefit_use

RECORD_PERMISSION = "crm.add_benefitusage"


def benefits_this_term(obj: Organization) -> OrganizationBenefits:
    """The organization's benefits this term, read once for its page: the benefits table and
    the engagement score (crm.admin.pipeline) both show them."""
    if "_benefits_this_term" not in obj.__dict__:
        obj.__dict__["_benefits_this_term"] = organization_benefits_of(
            obj, today=timezone.localdate()
        )
    return obj.__dict__["_benefits_this_term"]


@admin.register(Benefit)
class BenefitAdmin(HistoryAdmin):
    list_display = ["name", "code", "kind", "counted", "event_tag", "sort_order"]
    list_filter = ["kind", "counted"]
    search_fields = ["name", "code", "event_tag"]
    prepopulated_fields = {"code": ["name"]}

    def save_model(self, request: HttpRequest, obj: Benefit, form: Any, change: bool) -> None:
        benefit_save(benefit=obj, by=request.user)


class BenefitGrantInline(admin.TabularInline):
    """On a plan's or a level's page: the benefits it grants, so many a term."""

    model = BenefitGrant
    extra = 0
    fields = ["benefit", "quantity"]
    autocomplete_fields = ["benefit"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("benefit", "plan", "level")


@admin.register(BenefitUsage)
class BenefitUsageAdmin(HistoryAdmin):
    """Uses are recorded from the organization's page (or by a registration): listed here."""

    list_display = [
        "organization",
        "benefit",
        "quantity",
        "used_on",
        "term_start",
        "source",
        "given_back",
        "recorded_by",
    ]
    list_filter = ["benefit", "source", "term_start"]
    search_fields = ["organization__name", "note"]
    date_hierarchy = "used_on"
    fields = readonly_fields = [
        "organization",
        "benefit",
        "quantity",
        "used_on",
        "term_start",
        "source",
        "note",
        "recorded_by",
        "returned_at",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return benefit_usage_list()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # from the organization's page, where what is left is shown

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a use is history: one given back is marked so, not deleted

    @admin.display(description="given back", boolean=True)
    def given_back(self, obj: BenefitUsage) -> bool:
        return obj.returned_at is not None


class OrganizationBenefitsMixin:
    """The organization page's benefits this term: granted, used and left of each, and for
    staff who may record uses, a "Record one use" button on each row with some left (it posts
    the page's form to the benefits/use/ URL: one click, no JavaScript)."""

    admin_site: admin.AdminSite

    def get_urls(self) -> list:
        view = self.admin_site.admin_view(self.benefit_use_view)
        return [
            path("<int:pk>/benefits/use/", view, name="crm_organization_benefit_use"),
            *super().get_urls(),  # type: ignore[misc]
        ]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list:
        fieldsets = list(super().get_fieldsets(request, obj))  # type: ignore[misc]
        if obj is None:
            return fieldsets
        name = "benefits_to_record" if request.user.has_perm(RECORD_PERMISSION) else "benefits"
        return [*fieldsets, ("Benefits this term", {"fields": [name]})]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list:
        return [*super().get_readonly_fields(request, obj), "benefits", "benefits_to_record"]  # type: ignore[misc]

    def _table(self, obj: Organization, *, buttons: bool) -> str:
        current = benefits_this_term(obj)
        if not current.entitlements:
            return "Its plan and investor levels grant no benefits this term."
        url = reverse("admin:crm_organization_benefit_use", args=[obj.pk])
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    e.benefit,
                    e.granted if e.benefit.counted else "yes",
                    e.used,
                    e.left,
                    ", ".join(e.sources),
                    format_html(
                        '<button type="submit" formaction="{}" formmethod="post" name="benefit" '
                        'value="{}" formnovalidate>Record one use</button>',
                        url,
                        e.benefit.pk,
                    )
                    if buttons and e.left > 0
                    else "",
                )
                for e in current.entitlements
            ),
        )
        return format_html(
            "<p>Term {} to {}.</p><table><thead><tr><th>benefit</th><th>granted</th>"
            "<th>used</th><th>left</th><th>from</th><th></th></tr></thead><tbody>{}</tbody>"
            "</table>",
            f"{current.term_start:%B %-d, %Y}",
            f"{current.term_end:%B %-d, %Y}",
            rows,
        )

    @admin.display(description="granted, used and left")
    def benefits(self, obj: Organization) -> str:
        return self._table(obj, buttons=False)

    @admin.display(description="granted, used and left")
    def benefits_to_record(self, obj: Organization) -> str:
        return self._table(obj, buttons=True)

    def benefit_use_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm(RECORD_PERMISSION) or request.method != "POST":
            raise PermissionDenied
        organization = get_object_or_404(Organization, pk=pk)
        back = reverse("admin:crm_organization_change", args=[pk])
        choice = request.POST.get("benefit") or ""
        benefit = Benefit.objects.filter(pk=int(choice)).first() if choice.isdigit() else None
        if benefit is None:
            messages.error(request, "Choose the benefit used.")
            return HttpResponseRedirect(back)
        try:
            usage = benefit_use(
                organization=organization,
                benefit=benefit,
                note=request.POST.get("benefit_note", ""),
                by=request.user,
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Recorded: {organization} used {usage.benefit} once.")
        return HttpResponseRedirect(back)
