"""The online queues: applications and pledges waiting for staff."""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.text import Truncator

from billing.money import format_usd
from core.admin.actions import ReasonForm
from core.exceptions import InvalidData, ServiceError
from crm.admin.investors import PledgeAdmin
from crm.admin.memberships import MembershipAdmin
from crm.models import (
    Application,
    Membership,
    Pledge,
    PledgeToConfirm,
)
from crm.selectors.applications import application_review
from crm.services import applications

# --- The online queues ------------------------------------------------------------------------


class QueuePermissions:
    """The queues are views of memberships and pledges: they follow those models' permissions,
    so the roles need nothing new."""

    model: Any

    def _may(self, request: HttpRequest, action: str) -> bool:
        from django.contrib.auth import get_permission_codename

        opts = self.model._meta.concrete_model._meta
        return request.user.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may(request, "view") or self._may(request, "change")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request, "view") or self._may(request, "change")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request, "change")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    # The history is the membership's or the pledge's own (a queue keeps none of its own).
    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None):
        return self._to_history(request, "history", object_id)

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ):
        return self._to_history(request, "simple_history", object_id, version_id)

    def _to_history(self, request: HttpRequest, view: str, *args: str) -> HttpResponseRedirect:
        may = self.has_change_permission if request.method == "POST" else self.has_view_permission
        if not may(request):
            raise PermissionDenied
        opts = self.model._meta.concrete_model._meta
        return HttpResponseRedirect(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)
        )


class ApplicationStageFilter(admin.SimpleListFilter):
    """Applications to review (the default), or approved ones still waiting for their dues."""

    title = "waiting for"
    parameter_name = "stage"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("review", "A decision"), ("payment", "Their dues (approved)")]

    def choices(self, changelist: Any) -> Any:
        current = self.value() or "review"
        for value, label in self.lookup_choices:
            yield {
                "selected": current == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        status = Membership.Status.APPROVED if self.value() == "payment" else None
        return queryset.filter(status=status or Membership.Status.APPLIED)


@admin.register(Application)
class ApplicationAdmin(QueuePermissions, MembershipAdmin):
    """Applications waiting for a decision (newest first), and approved ones waiting for their
    dues. Each application's page is its review: the applicant, the quote, the invoice, and
    Approve / Reject, which call the same services as the list's actions."""

    # Few, short columns (the start date and the rest are on the application's page), so that
    # the list fits beside the admin's menu and filters at 1400 px.
    list_display = [
        "organization",
        "plan",
        "employees",
        "applied_on",
        "duplicate_hint",
        "invoice_state",
    ]
    list_filter: list[Any] = [ApplicationStageFilter, "needs_attention", "plan", "source"]
    list_display_links = ["organization"]
    actions = ["approve", "reject"]
    ordering = ["-created", "-pk"]
    change_form_template = "admin/crm/application_change_form.html"

    class Media:
        css = {"all": ["css/admin_pages.css"]}

    fieldsets = [
        (None, {"fields": ["organization", "plan", "status", "start_date", "source"]}),
        ("Application", {"fields": ["application_message", "needs_attention", "match_note"]}),
        ("Record", {"fields": ["reference", "status_changed_at", "status_reason", "created"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .filter(status__in=[Membership.Status.APPLIED, Membership.Status.APPROVED])
            .select_related("organization", "plan")
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [
            "organization",
            "plan",
            "status",
            "start_date",
            "source",
            "application_message",
            "match_note",
            "reference",
            "status_changed_at",
            "status_reason",
            "created",
        ]

    @admin.display(description="employees", ordering="organization__employees")
    def employees(self, obj: Membership) -> Any:
        employees = obj.organization.employees
        return "—" if employees is None else employees

    @admin.display(description="applied", ordering="created")
    def applied_on(self, obj: Membership) -> Any:
        return obj.created.date()

    @admin.display(description="duplicate hint")
    def duplicate_hint(self, obj: Membership) -> str:
        if not obj.match_note:
            return "—"
        hint = Truncator(obj.match_note.splitlines()[0]).chars(70)
        return f"Check: {hint}" if obj.needs_attention else hint

    @admin.display(description="dues invoice")
    def invoice_state(self, obj: Membership) -> str:
        invoice = applications.application_invoice(obj)
        if invoice is None:
            return "not issued yet" if obj.status == Membership.Status.APPLIED else "—"
        return f"{invoice.number}: {invoice.status}"

    # --- the review page: its Approve and Reject buttons -------------------------------------

    def get_urls(self) -> list[Any]:
        approve = self.admin_site.admin_view(self.approve_view)
        reject = self.admin_site.admin_view(self.reject_view)
        return [
            path("<int:pk>/approve/", approve, name="crm_application_approve"),
            path("<int:pk>/reject/", reject, name="crm_application_reject"),
            *super().get_urls(),
        ]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        membership = self.get_object(request, object_id)
        if membership is not None:
            extra_context = {
                **(extra_context or {}),
                "review": application_review(membership),
                "can_decide": self.has_change_permission(request, membership)
                and membership.status == Membership.Status.APPLIED,
                "reason_form": ReasonForm(),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def _decide(self, request: HttpRequest, pk: int, decide: Any, done: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request):
            raise PermissionDenied
        # Any membership: one decided already is refused by the service, with its reason.
        membership = get_object_or_404(
            Membership.objects.select_related("organization", "plan"), pk=pk
        )
        page = reverse("admin:crm_application_change", args=[pk])
        try:
            decide(membership)
        except ServiceError as exc:
            self.message_user(request, f"{membership.organization}: {exc.message}", messages.ERROR)
            return HttpResponseRedirect(page)
        self.message_user(
            request, f"{membership.organization}: application {done}.", messages.SUCCESS
        )
        return HttpResponseRedirect(reverse("admin:crm_application_changelist"))

    def approve_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._decide(
            request,
            pk,
            lambda m: applications.application_approve(membership=m, by=request.user),
            "approved",
        )

    def reject_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        def reject(membership: Membership) -> Membership:
            form = ReasonForm(request.POST)
            if not form.is_valid():
                raise InvalidData(
                    "Give the reason for the rejection: the applicant is sent it.", field="reason"
                )
            return applications.application_reject(
                membership=membership, by=request.user, reason=form.cleaned_data["reason"]
            )

        return self._decide(request, pk, reject, "rejected")


@admin.register(PledgeToConfirm)
class PledgeToConfirmAdmin(QueuePermissions, PledgeAdmin):
    """Pledges made online, waiting for staff to confirm them with the investor."""

    list_display = [
        "organization",
        "level",
        "annual_amount",
        "term_years",
        "total",
        "schedule",
        "start_date",
        "needs_attention",
        "created",
    ]
    list_filter = ["needs_attention", "level", "installments_per_year"]
    actions = ["confirm", "decline"]
    ordering = ["created"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .filter(status=Pledge.Status.SUBMITTED)
            .prefetch_related("installments")
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [
            "organization",
            "contact",
            "level",
            "annual_amount_usd",  # MoneyDisplayMixin (from PledgeAdmin): $6,000.00
            "start_date",
            "term_years",
            "installments_per_year",
            "message",
            "match_note",
            "status",
            "reference",
            "created",
        ]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Staff untick "needs attention" once they have checked the match.
        return [*self.get_readonly_fields(request, obj), "needs_attention"]

    @admin.display(description="schedule")
    def schedule(self, obj: Pledge) -> str:
        items = list(obj.installments.all())
        if not items:
            return "—"
        first, last = items[0], items[-1]
        return (
            f"{len(items)} installments of about {format_usd(first.amount)}, "
            f"{first.due_date:%Y-%m-%d} to {last.due_date:%Y-%m-%d}"
        )
