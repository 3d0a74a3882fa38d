"""Membership plans and their price brackets."""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from billing.admin.common import MoneyDisplayMixin
from core.admin.history import HistoryAdmin, child_history
from core.services import validated_save
from crm import pricing
from crm.admin.benefits import BenefitGrantInline
from crm.admin.common import (
    InlineServiceSaveMixin,
)
from crm.admin.data_tools import CsvXlsxExportMixin
from crm.models import (
    MembershipPlan,
    PlanBracket,
)

# --- Plans ------------------------------------------------------------------------------------


class BracketFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(form.errors for form in self.forms):
            return  # each bad row already says what is wrong with it
        plan = self.instance
        rows = [
            f.cleaned_data
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        kind = self.data.get("pricing_kind", getattr(plan, "pricing_kind", pricing.FLAT))
        rule = pricing.PricingRule(
            kind=kind,
            brackets=tuple(
                pricing.Bracket(max_employees=r["max_employees"], amount=r["amount"])
                for r in sorted(rows, key=lambda r: r["max_employees"])
            ),
        )
        try:
            pricing.validate_rule(rule)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


class PlanBracketInline(MoneyDisplayMixin, admin.TabularInline):
    model = PlanBracket
    formset = BracketFormSet
    extra = 0


@admin.register(MembershipPlan)
class MembershipPlanAdmin(
    MoneyDisplayMixin, CsvXlsxExportMixin, InlineServiceSaveMixin, HistoryAdmin
):
    list_display = [
        "name",
        "code",
        "pricing_kind",
        "intended_size_display",
        "billing_cycle",
        "proration",
        "grace_days",
        "offered_publicly",
        "requires_review",
        "is_active",
        "gl_revenue_account",
    ]
    list_filter = ["pricing_kind", "billing_cycle", "offered_publicly", "is_active"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}
    inlines = [PlanBracketInline, BenefitGrantInline]
    readonly_fields = ["bracket_history"]

    @admin.display(description="intended for")
    def intended_size_display(self, obj: MembershipPlan) -> str:
        return obj.intended_size or "any size"

    @admin.display(description="changes to the price brackets")
    def bracket_history(self, obj: MembershipPlan) -> str:
        if obj.pk is None:
            return "—"
        return child_history(
            PlanBracket.history.filter(plan_id=obj.pk),
            label=lambda r: f"up to {r.max_employees} employees",
        )

    def save_model(
        self, request: HttpRequest, obj: MembershipPlan, form: Any, change: bool
    ) -> None:
        validated_save(obj, by=request.user)
