"""Investor levels, pledges and their installments."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from core.admin.actions import ServiceErrorMessageMixin, action_with_reason, run_service_action
from core.admin.history import HistoryAdmin
from crm import services
from crm.admin.data_tools import CsvXlsxExportMixin
from crm.models import (
    InvestorLevel,
    Pledge,
    PledgeInstallment,
)
from crm.services import applications

# --- Investors --------------------------------------------------------------------------------


@admin.register(InvestorLevel)
class InvestorLevelAdmin(CsvXlsxExportMixin, HistoryAdmin):
    list_display = ["name", "code", "minimum_annual_amount", "gl_account", "offered_publicly"]
    prepopulated_fields = {"code": ["name"]}
    search_fields = ["name", "code"]

    def save_model(self, request: HttpRequest, obj: InvestorLevel, form: Any, change: bool) -> None:
        services.investor_level_save(level=obj, by=request.user)


class PledgeInstallmentInline(admin.TabularInline):
    model = PledgeInstallment
    extra = 0
    can_delete = False
    fields = ("number", "due_date", "amount")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # Each row is labelled with str(installment), which names the pledge's organization.
        return super().get_queryset(request).select_related("pledge__organization", "pledge__level")


@admin.register(Pledge)
class PledgeAdmin(ServiceErrorMessageMixin, CsvXlsxExportMixin, HistoryAdmin):
    list_display = [
        "organization",
        "level",
        "annual_amount",
        "term_years",
        "installments_per_year",
        "total",
        "start_date",
        "status",
    ]
    list_filter = ["status", "level", "installments_per_year"]
    search_fields = ["organization__name", "reference"]
    list_select_related = ["organization", "level"]
    autocomplete_fields = ["organization", "contact"]
    show_full_result_count = False
    inlines = [PledgeInstallmentInline]
    actions = ["confirm", "decline", "cancel"]
    readonly_fields = [
        "status",
        "status_reason",
        "confirmed_at",
        "confirmed_by",
        "reference",
        "created",
        "modified",
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            # The schedule is fixed once made: change a pledge by cancelling it and pledging anew.
            fields += [
                "organization",
                "level",
                "annual_amount",
                "start_date",
                "term_years",
                "installments_per_year",
            ]
        return fields

    @admin.display(description="total commitment")
    def total(self, obj: Pledge) -> Any:
        return obj.total_commitment

    def save_model(self, request: HttpRequest, obj: Pledge, form: Any, change: bool) -> None:
        if change:
            # The form already set the edited fields on `obj`.
            services.pledge_update(pledge=obj, by=request.user)
            return
        created = services.pledge_create(
            organization=obj.organization,
            level=obj.level,
            contact=obj.contact,
            annual_amount=obj.annual_amount,
            start_date=obj.start_date,
            term_years=obj.term_years,
            installments_per_year=obj.installments_per_year,
            message=obj.message,
            by=request.user,
        )
        obj.pk = created.pk
        obj.reference = created.reference

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if change:
            super().save_related(request, form, formsets, change)

    @admin.action(description="Confirm selected pledges", permissions=["change"])
    def confirm(self, request: HttpRequest, queryset: QuerySet) -> None:
        run_service_action(
            self,
            request,
            queryset.select_related("organization", "level"),
            call=lambda p: applications.investment_confirm(pledge=p, by=request.user),
            done="confirmed",
        )

    @admin.action(description="Decline selected pledges…", permissions=["change"])
    def decline(self, request: HttpRequest, queryset: QuerySet) -> Any:
        return action_with_reason(
            self,
            request,
            queryset.select_related("organization", "level"),
            action="decline",
            title="Decline pledges",
            prompt="The investor is told the reason.",
            submit_label="Decline",
            call=lambda p, reason: applications.investment_decline(
                pledge=p, by=request.user, reason=reason
            ),
            done="declined",
        )

    @admin.action(description="Cancel selected pledges…", permissions=["change"])
    def cancel(self, request: HttpRequest, queryset: QuerySet) -> Any:
        return action_with_reason(
            self,
            request,
            queryset.select_related("organization", "level"),
            action="cancel",
            title="Cancel pledges",
            prompt="Unbilled installments are dropped.",
            submit_label="Cancel pledges",
            call=lambda p, reason: services.pledge_cancel(pledge=p, by=request.user, reason=reason),
            done="cancelled",
        )
