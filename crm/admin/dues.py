"""The admin of dues planning and of the dues deductibility notice.

A dues schedule is drafted plan by plan (brackets written as "10: 450, 25: 695"), compared with
today's dues on its what-if page (totals by plan and county, the members whose dues rise most,
a CSV of every member), then applied from a renewal date there, by membership or finance staff.
"""

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from billing.admin.common import MoneyDisplayMixin
from core.admin.actions import ActionPage, FormAction
from core.admin.history import HistoryAdmin
from core.exceptions import ServiceError
from core.services import validated_save
from crm import pricing
from crm.dues_planning import dues_what_if, what_if_csv_lines
from crm.models import DuesDeductibility, DuesSchedule, DuesScheduleRule
from crm.services.dues import (
    DuesRuleInput,
    dues_schedule_apply,
    dues_schedule_draft_from_plans,
    dues_schedule_save,
    dues_schedule_withdraw,
    format_brackets,
    parse_brackets,
)

APPLY_PERMISSION = "crm.apply_duesschedule"


class DuesScheduleRuleForm(forms.ModelForm):
    brackets_text = forms.CharField(
        label="brackets",
        required=False,
        widget=forms.TextInput(attrs={"size": 40}),
        help_text="Up to employees: annual dues, e.g. 10: 450, 25: 695, 50: 995.",
    )

    class Meta:
        model = DuesScheduleRule
        fields = [
            "plan",
            "pricing_kind",
            "flat_amount",
            "brackets_text",
            "per_employee_above",
            "cap",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["brackets_text"].initial = format_brackets(self.instance.brackets.all())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            data["brackets"] = parse_brackets(data.get("brackets_text") or "")
        except ValueError as exc:
            raise forms.ValidationError({"brackets_text": str(exc)}) from exc
        plan = data.get("plan")
        if plan is not None and not self.errors:
            given = _rule_input(data)
            try:
                pricing.validate_rule(given.pricing_rule())
            except ValueError as exc:
                raise forms.ValidationError(str(exc)) from exc
        return data


def _rule_input(data: dict[str, Any]) -> DuesRuleInput:
    return DuesRuleInput(
        plan=data["plan"],
        kind=data.get("pricing_kind") or pricing.FLAT,
        flat_amount=data.get("flat_amount") or Decimal("0.00"),
        brackets=data.get("brackets") or (),
        per_employee_above=data.get("per_employee_above") or Decimal("0.00"),
        cap=data.get("cap"),
    )


class DuesScheduleRuleFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        plans = [
            f.cleaned_data["plan"].pk
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("plan")
        ]
        if len(set(plans)) != len(plans):
            raise forms.ValidationError("A plan may appear once in a dues schedule.")


class DuesScheduleRuleInline(MoneyDisplayMixin, admin.TabularInline):
    model = DuesScheduleRule
    form = DuesScheduleRuleForm
    formset = DuesScheduleRuleFormSet
    extra = 0


class WhatIfForm(forms.Form):
    on = forms.DateField(label="renewals from", help_text="YYYY-MM-DD")
    rise_above = forms.DecimalField(
        label="list members whose dues rise by more than (%)",
        max_digits=6,
        decimal_places=1,
        min_value=Decimal("0"),
        initial=Decimal("10"),
    )


class ApplyForm(forms.Form):
    effective_from = forms.DateField(
        label="apply to renewals from",
        help_text="Membership periods starting on or after this day use the new dues.",
    )


@admin.register(DuesSchedule)
class DuesScheduleAdmin(MoneyDisplayMixin, HistoryAdmin):
    list_display = ["name", "status", "effective_from", "plans", "applied_at", "what_if_link"]
    list_filter = ["status"]
    search_fields = ["name"]
    inlines = [DuesScheduleRuleInline]
    readonly_fields = ["status", "effective_from", "applied_at", "applied_by", "what_if_link"]
    fields = ["name", "member_notice", *readonly_fields]
    actions = ["withdraw"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(plan_count=Count("rules"))

    @admin.display(description="plans", ordering="plan_count")
    def plans(self, obj: DuesSchedule) -> int:
        return obj.plan_count  # type: ignore[attr-defined]

    @admin.display(description="what-if")
    def what_if_link(self, obj: DuesSchedule) -> str:
        if obj.pk is None:
            return "Save the draft first."
        url = reverse("admin:crm_duesschedule_what_if", args=[obj.pk])
        return format_html('<a href="{}">Compare with today\'s dues</a>', url)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.status != DuesSchedule.Status.DRAFT:
            return False  # applied or withdrawn: kept as it was
        return super().has_change_permission(request, obj)

    def has_apply_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(APPLY_PERMISSION)

    def save_model(self, request: HttpRequest, obj: DuesSchedule, form: Any, change: bool) -> None:
        pass  # saved with its rules in save_related, through the service

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        rules = None
        for formset in formsets:
            if formset.model is DuesScheduleRule:
                rules = [
                    _rule_input(f.cleaned_data)
                    for f in formset.forms
                    if f.cleaned_data
                    and not f.cleaned_data.get("DELETE")
                    and f.cleaned_data.get("plan")
                ]
        dues_schedule_save(schedule=form.instance, rules=rules, by=request.user)
        for formset in formsets:
            # What the admin's change message reads; the service replaced the rows wholesale.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    withdraw = FormAction(
        "Withdraw selected schedules…",
        page=ActionPage(
            "Withdraw dues schedules",
            "A withdrawn schedule prices no renewal; one already in effect cannot be withdrawn "
            "(apply a new one). Renewal invoices it already priced keep their amounts.",
            "Withdraw",
        ),
        call=lambda schedule, by, reason: dues_schedule_withdraw(
            schedule=schedule, reason=reason, by=by
        ),
        done="withdrawn",
        permissions=("apply",),
    )

    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path("new-from-plans/", wrap(self.new_from_plans_view), name="crm_duesschedule_new"),
            path("<int:pk>/what-if/", wrap(self.what_if_view), name="crm_duesschedule_what_if"),
            path(
                "<int:pk>/what-if.csv",
                wrap(self.what_if_csv_view),
                name="crm_duesschedule_what_if_csv",
            ),
            *super().get_urls(),
        ]

    def new_from_plans_view(self, request: HttpRequest) -> HttpResponse:
        """POST: a draft with every active plan's dues today, to edit into the new schedule."""
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:crm_duesschedule_changelist"))
        if not self.has_add_permission(request):
            raise PermissionDenied
        name = f"Dues from {timezone.localdate().year + 1} (draft)"
        schedule = dues_schedule_draft_from_plans(name=name, by=request.user)
        self.message_user(
            request,
            "A draft with today's dues of every plan: edit it, then compare.",
            messages.INFO,
        )
        return HttpResponseRedirect(reverse("admin:crm_duesschedule_change", args=[schedule.pk]))

    def _schedule(self, request: HttpRequest, pk: int) -> DuesSchedule:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(DuesSchedule, pk=pk)

    def _default_on(self, schedule: DuesSchedule) -> date:
        today = timezone.localdate()
        return schedule.effective_from or date(today.year + 1, 1, 1)

    def what_if_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        schedule = self._schedule(request, pk)
        may_apply = (
            self.has_apply_permission(request) and schedule.status == DuesSchedule.Status.DRAFT
        )
        if request.method == "POST":
            if not may_apply:
                raise PermissionDenied
            apply_form = ApplyForm(request.POST)
            if apply_form.is_valid():
                try:
                    dues_schedule_apply(
                        schedule=schedule,
                        effective_from=apply_form.cleaned_data["effective_from"],
                        by=request.user,
                    )
                except ServiceError as exc:
                    apply_form.add_error(None, exc.message)
                else:
                    self.message_user(
                        request,
                        f"{schedule} prices renewals from "
                        f"{apply_form.cleaned_data['effective_from']:%B %-d, %Y}.",
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(
                        reverse("admin:crm_duesschedule_change", args=[schedule.pk])
                    )
        else:
            apply_form = ApplyForm(initial={"effective_from": self._default_on(schedule)})
        form = WhatIfForm(request.GET or None, initial={"on": self._default_on(schedule)})
        on, rise_above = self._default_on(schedule), Decimal("10")
        if form.is_bound and form.is_valid():
            on, rise_above = form.cleaned_data["on"], form.cleaned_data["rise_above"]
        elif not form.is_bound:
            form = WhatIfForm(initial={"on": on, "rise_above": rise_above})
        result = dues_what_if(schedule=schedule, on=on, rise_above=rise_above)
        return TemplateResponse(
            request,
            "admin/crm/dues_what_if.html",
            {
                **self.admin_site.each_context(request),
                "title": f"What if: {schedule}",
                "opts": self.model._meta,
                "schedule": schedule,
                "rules": schedule.rules.select_related("plan").prefetch_related("brackets"),
                "form": form,
                "apply_form": apply_form if may_apply else None,
                "result": result,
                "csv_url": reverse("admin:crm_duesschedule_what_if_csv", args=[schedule.pk])
                + f"?on={on.isoformat()}",
            },
        )

    def what_if_csv_view(self, request: HttpRequest, pk: int) -> StreamingHttpResponse:
        schedule = self._schedule(request, pk)
        try:
            on = date.fromisoformat(request.GET.get("on", ""))
        except ValueError:
            on = self._default_on(schedule)
        response = StreamingHttpResponse(
            what_if_csv_lines(schedule=schedule, on=on), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="dues-what-if-{schedule.pk}-{on.isoformat()}.csv"'
        )
        return response


@admin.register(DuesDeductibility)
class DuesDeductibilityAdmin(HistoryAdmin):
    list_display = ["year", "non_deductible_percent", "example"]
    fields = ["year", "non_deductible_percent", "wording"]

    @admin.display(description="on $1,000.00 of dues")
    def example(self, obj: DuesDeductibility) -> str:
        return obj.notice(Decimal("1000.00"))

    def save_model(
        self, request: HttpRequest, obj: DuesDeductibility, form: Any, change: bool
    ) -> None:
        validated_save(obj, by=request.user)
