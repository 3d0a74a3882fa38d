"""The online queues: applications and pledges waiting for staff."""

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse

from billing.money import format_usd
from crm.admin.investors import PledgeAdmin
from crm.admin.memberships import MembershipAdmin
from crm.models import (
    Application,
    Membership,
    Pledge,
    PledgeToConfirm,
)
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


@admin.register(Application)
class ApplicationAdmin(QueuePermissions, MembershipAdmin):
    """Applications waiting for a decision, and approved ones waiting for their dues."""

    list_display = [
        "organization",
        "plan",
        "status",
        "applied_on",
        "start_date",
        "needs_attention",
        "duplicate_hint",
        "invoice_state",
    ]
    list_filter = ["status", "needs_attention", "plan", "source"]
    list_display_links = ["organization"]
    actions = ["approve", "reject"]
    ordering = ["created"]
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

    @admin.display(description="applied", ordering="created")
    def applied_on(self, obj: Membership) -> Any:
        return obj.created.date()

    @admin.display(description="duplicate hint")
    def duplicate_hint(self, obj: Membership) -> str:
        return obj.match_note.splitlines()[0] if obj.match_note else "—"

    @admin.display(description="dues invoice")
    def invoice_state(self, obj: Membership) -> str:
        invoice = applications.application_invoice(obj)
        if invoice is None:
            return "not issued yet" if obj.status == Membership.Status.APPLIED else "—"
        return f"{invoice.number}: {invoice.status}"


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
