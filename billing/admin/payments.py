"""Payments (grouped into bank deposits from here), refunds and disputes: what finance reads;
changes come through the invoice's actions and Stripe."""

from datetime import date

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from billing import services
from billing.admin.common import MoneyDisplayMixin, ReadOnlyMixin, form_page
from billing.admin.documents import PaymentDocumentsMixin
from billing.models import (
    Dispute,
    Payment,
    Refund,
)
from billing.money import ZERO, format_usd
from core.admin.calendar import CalendarDrillDownMixin
from core.admin.history import HistoryAdmin
from core.exceptions import ServiceError


class DepositForm(forms.Form):
    deposited_on = forms.DateField(initial=date.today, help_text="YYYY-MM-DD")
    reference = forms.CharField(max_length=100, required=False, help_text="Deposit slip number")
    memo = forms.CharField(max_length=500, required=False)


class PaymentDisputeInline(MoneyDisplayMixin, ReadOnlyMixin, admin.TabularInline):
    model = Dispute
    extra = 0
    show_change_link = True
    fields = ("stripe_dispute_id", "amount", "fee", "status", "taken_back", "outcome")
    readonly_fields = fields


@admin.register(Payment)
class PaymentAdmin(
    CalendarDrillDownMixin, MoneyDisplayMixin, PaymentDocumentsMixin, ReadOnlyMixin, HistoryAdmin
):
    list_display = ["invoice", "method", "status", "amount", "fee", "net", "received_on", "created"]
    list_filter = ["method", "status", "received_on"]
    search_fields = [
        "invoice__number",
        "invoice__organization__name",
        "check_number",
        "stripe_payment_intent_id",
        "stripe_charge_id",
    ]
    list_select_related = ["invoice__organization"]
    date_hierarchy = "created"
    inlines = [PaymentDisputeInline]
    actions = ["group_into_deposit"]

    def has_deposit_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("billing.add_bankdeposit")

    @admin.action(
        description="Group selected payments into a bank deposit…", permissions=["deposit"]
    )
    def group_into_deposit(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        form = DepositForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            try:
                deposit = services.deposit_create(
                    payments=list(queryset), by=request.user, **form.cleaned_data
                )
            except ServiceError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return None
            self.message_user(
                request, f"{deposit} recorded with {queryset.count()} payment(s).", messages.SUCCESS
            )
            return HttpResponseRedirect(
                reverse("admin:billing_bankdeposit_reconciliation", args=[deposit.pk])
            )
        total = sum((p.amount for p in queryset), ZERO)
        return form_page(
            self,
            request,
            queryset,
            form=form,
            action="group_into_deposit",
            title="Record bank deposit",
            prompt=f"These {queryset.count()} payments, {format_usd(total)}, went to the bank "
            f"together:",
        )


@admin.register(Refund)
class RefundAdmin(MoneyDisplayMixin, ReadOnlyMixin, HistoryAdmin):
    list_display = ["payment", "amount", "status", "reason", "outcome", "created"]
    list_filter = ["status"]
    search_fields = ["payment__invoice__number", "stripe_refund_id", "reason"]
    list_select_related = ["payment__invoice__organization"]


@admin.register(Dispute)
class DisputeAdmin(MoneyDisplayMixin, ReadOnlyMixin, HistoryAdmin):
    list_display = [
        "stripe_dispute_id",
        "payment",
        "amount",
        "fee",
        "taken_back",
        "reason",
        "status",
        "evidence_due_by",
    ]
    list_filter = ["status", "taken_back"]
    search_fields = ["stripe_dispute_id", "stripe_charge_id"]
    list_select_related = ["payment__invoice__organization"]
