"""Memberships: status steps, plan changes, reinstatement, the renewals page, and the email log."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from billing.selectors import saved_payment_method_of
from core.admin.actions import (
    ActionPage,
    FormAction,
    ServiceAction,
    ServiceErrorMessageMixin,
    ServiceSaveMixin,
    run_service_action,
)
from core.admin.filters import IndexedValuesFieldListFilter
from core.admin.history import HistoryAdmin
from crm import services
from crm.admin.data_tools import CsvXlsxExportMixin
from crm.admin.filters import PaidThroughMonthFilter, RenewalMonthFilter
from crm.admin.plan_change import PlanChangeAction
from crm.models import (
    EmailLog,
    Membership,
    MembershipPlanChange,
    MembershipTransition,
)
from crm.selectors import membership_renewals_overview
from crm.services import applications
from crm.services.renewals import (
    membership_auto_renew_set,
    membership_reinstate_and_bill,
    membership_renewal_invoice,
    membership_send_reminder,
)

# --- Memberships ------------------------------------------------------------------------------


class MembershipTransitionInline(admin.TabularInline):
    model = MembershipTransition
    extra = 0
    can_delete = False
    fields = ("at", "from_status", "to_status", "by", "reason")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("by")


class MembershipPlanChangeInline(admin.TabularInline):
    model = MembershipPlanChange
    extra = 0
    can_delete = False
    fields = (
        "requested_at",
        "by",
        "from_plan",
        "to_plan",
        "kind",
        "status",
        "effective_date",
        "applied_at",
        "invoice",
    )
    readonly_fields = fields
    verbose_name_plural = "plan changes"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related("from_plan", "to_plan", "invoice__organization", "by")
        )


class ReinstateForm(forms.Form):
    fee = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text="An optional reinstatement fee, billed as a line of its own.",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False
    )


REINSTATE_PAGE = ActionPage(
    "Reinstate members",
    "Members whose dues no longer cover today are sent an invoice for the current period, with "
    "the fee as a line of its own.",
    "Reinstate",
)


@admin.register(EmailLog)
class EmailLogAdmin(admin.ModelAdmin):
    list_display = ["queued_at", "recipients", "subject", "template", "organization", "status"]
    list_filter = ["status", ("template", IndexedValuesFieldListFilter)]
    search_fields = ["recipients", "subject", "organization__name", "reason"]
    list_select_related = ["organization"]
    show_full_result_count = False
    readonly_fields = [f.name for f in EmailLog._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Membership)
class MembershipAdmin(ServiceErrorMessageMixin, ServiceSaveMixin, CsvXlsxExportMixin, HistoryAdmin):
    list_display = [
        "organization",
        "plan",
        "status",
        "start_date",
        "paid_through",
        "auto_renew",
        "source",
    ]
    list_filter = [
        "status",
        "plan",
        PaidThroughMonthFilter,
        RenewalMonthFilter,
        "source",
        "auto_renew",
    ]
    search_fields = ["organization__name", "reference"]
    date_hierarchy = "start_date"
    list_select_related = ["organization", "plan"]
    autocomplete_fields = ["organization"]
    show_full_result_count = False
    inlines = [MembershipTransitionInline, MembershipPlanChangeInline]
    actions = [
        "approve",
        "reject",
        "drop",
        "reinstate",
        "reinstate_with_fee",
        "change_plan",
        "auto_renew_off",
    ]
    import_export_change_list_template = "admin/crm/membership_change_list.html"
    readonly_fields = [
        "status",
        "paid_through",
        "member_since",
        "status_changed_at",
        "status_reason",
        "reference",
        "saved_payment_method",
        "created",
        "modified",
    ]

    fixed_once_made = ["organization", "plan", "source"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Once made, automatic renewal is switched on by the member in the portal (it needs
        # their saved card) and off by the action below.
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "auto_renew"] if obj is not None else fields

    @admin.display(description="saved payment method")
    def saved_payment_method(self, obj: Membership) -> str:
        saved = saved_payment_method_of(obj.organization_id) if obj.pk else None
        return str(saved) if saved else "none (the renewal invoice is mailed to pay)"

    auto_renew_off = ServiceAction(
        "Turn off automatic renewal",
        call=lambda m, by: membership_auto_renew_set(
            membership=m, enabled=False, by=by, reason="by staff in the admin"
        ),
        done="set to renew by invoice",
    )

    def update_object(self, obj: Membership, by: Any) -> None:
        services.membership_update(membership=obj, by=by)

    def create_object(self, obj: Membership, by: Any) -> Membership:
        return services.membership_create(
            organization=obj.organization,
            plan=obj.plan,
            start_date=obj.start_date,
            by=by,
            source=obj.source,
            message=obj.application_message,
            auto_renew=obj.auto_renew,
        )

    approve = ServiceAction(
        "Approve selected applications",
        call=lambda m, by: applications.application_approve(membership=m, by=by),
        done="approved",
    )
    reject = FormAction(
        "Reject selected applications…",
        page=ActionPage("Reject applications", "The applicant is told the reason.", "Reject"),
        call=lambda m, by, reason: applications.application_reject(
            membership=m, by=by, reason=reason
        ),
        done="rejected",
    )
    drop = FormAction(
        "Drop selected members…",
        page=ActionPage("Drop members", "Dropped members lose member benefits at once.", "Drop"),
        call=lambda m, by, reason: services.membership_cancel(membership=m, by=by, reason=reason),
        done="dropped",
    )
    reinstate = ServiceAction(
        "Reinstate selected lapsed or dropped members",
        call=lambda m, by: membership_reinstate_and_bill(membership=m, by=by),
        done="reinstated",
    )
    reinstate_with_fee = FormAction(
        "Reinstate selected members with a fee…",
        form_class=ReinstateForm,
        page=REINSTATE_PAGE,
        call=lambda m, by, **data: membership_reinstate_and_bill(membership=m, by=by, **data),
        done="reinstated",
    )
    change_plan = PlanChangeAction()

    # --- the renewals page -------------------------------------------------------------------

    def get_urls(self) -> list[Any]:

        return [
            path(
                "renewals/",
                self.admin_site.admin_view(self.renewals_view),
                name="crm_membership_renewals",
            ),
            *super().get_urls(),
        ]

    def renewals_view(self, request: HttpRequest) -> Any:
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        can_act = self.has_change_permission(request)
        if request.method == "POST":
            if not can_act:
                raise PermissionDenied
            action = request.POST.get("action", "")
            reason = request.POST.get("reason", "").strip()
            chosen = Membership.objects.filter(
                pk__in=request.POST.getlist("membership")
            ).select_related("organization", "plan")
            calls = {
                "send_invoice": (
                    lambda m: membership_renewal_invoice(membership=m, by=request.user),
                    "sent a renewal invoice",
                ),
                "send_reminder": (
                    lambda m: membership_send_reminder(membership=m, by=request.user),
                    "reminded",
                ),
                "reinstate": (
                    lambda m: membership_reinstate_and_bill(
                        membership=m, by=request.user, reason=reason
                    ),
                    "reinstated",
                ),
                "drop": (
                    lambda m: services.membership_cancel(
                        membership=m, by=request.user, reason=reason
                    ),
                    "dropped",
                ),
            }
            if action not in calls:
                self.message_user(request, "Choose an action.", messages.ERROR)
            elif not chosen:
                self.message_user(request, "Select at least one member.", messages.ERROR)
            else:
                call, done = calls[action]
                run_service_action(self, request, chosen, call=call, done=done)
            return HttpResponseRedirect(request.get_full_path())
        groups = membership_renewals_overview(today=today)
        sections = [
            ("due", "Due in the next 60 days, not yet invoiced", groups["due"]),
            ("invoiced", "Invoiced, not yet reminded", groups["invoiced"]),
            ("reminded", "Reminded, still unpaid", groups["reminded"]),
            ("grace", "In grace", groups["grace"]),
            ("lapsed", "Lapsed this month", groups["lapsed"]),
        ]
        return TemplateResponse(
            request,
            "admin/crm/renewals.html",
            {
                **self.admin_site.each_context(request),
                "title": "Renewals",
                "opts": self.model._meta,
                "today": today,
                "can_act": can_act,
                "sections": [(key, label, list(rows[:500])) for key, label, rows in sections],
            },
        )
