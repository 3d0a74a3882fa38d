"""Finance's back office: invoices with their lines and payments, payments, refunds, disputes and
the Stripe events. Every action calls a billing service; money moves only with the Finance
role's permissions (void, write off, record payment, refund, replay)."""

from datetime import date
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from billing import finance_views, selectors, services
from billing.admin_credit import InvoiceCreditEntryInline
from billing.admin_documents import InvoiceDocumentsMixin, PaymentDocumentsMixin
from billing.gateways import GatewayError
from billing.models import (
    BalanceTransaction,
    BankDeposit,
    Dispute,
    Invoice,
    InvoiceLine,
    JournalBatch,
    JournalLine,
    Payment,
    Payout,
    Refund,
    StripeEvent,
)
from billing.money import ZERO, format_usd
from core.admin.actions import action_with_reason, run_service_action
from core.admin.history import HistoryAdmin
from core.exceptions import ServiceError
from crm.pagination import EstimatedCountPaginator
from crm.search import IndexedSearchAdminMixin


class ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OverdueFilter(admin.SimpleListFilter):
    title = "overdue"
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Overdue"), ("no", "Not overdue")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        overdue = {"status": Invoice.Status.OPEN, "due_date__lt": timezone.localdate()}
        if self.value() == "yes":
            return queryset.filter(**overdue)
        if self.value() == "no":
            return queryset.exclude(**overdue)
        return queryset


class InvoiceLineInline(ReadOnlyMixin, admin.TabularInline):
    model = InvoiceLine
    extra = 0
    fields = ("description", "amount", "gl_account", "period_start", "period_end", "kind")
    readonly_fields = fields


class PaymentInline(ReadOnlyMixin, admin.TabularInline):
    model = Payment
    extra = 0
    show_change_link = True
    fields = (
        "method",
        "status",
        "amount",
        "fee",
        "received_on",
        "check_number",
        "failure_message",
    )
    readonly_fields = fields


class PaymentForm(forms.Form):
    method = forms.ChoiceField(
        choices=[(m.value, m.label) for m in Payment.Method if m in Payment.OFFLINE_METHODS]
    )
    amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    received_on = forms.DateField(initial=date.today, help_text="YYYY-MM-DD")
    check_number = forms.CharField(max_length=50, required=False)
    memo = forms.CharField(max_length=500, required=False)


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text="Leave empty to refund everything still refundable.",
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class DepositForm(forms.Form):
    deposited_on = forms.DateField(initial=date.today, help_text="YYYY-MM-DD")
    reference = forms.CharField(max_length=100, required=False, help_text="Deposit slip number")
    memo = forms.CharField(max_length=500, required=False)


def _form_page(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    *,
    form: forms.Form,
    action: str,
    title: str,
    prompt: str,
) -> TemplateResponse:
    return TemplateResponse(
        request,
        "admin/action_reason.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "prompt": prompt,
            "submit_label": title,
            "queryset": queryset,
            "form": form,
            "action": action,
            "opts": modeladmin.model._meta,
        },
    )


@admin.register(Invoice)
class InvoiceAdmin(IndexedSearchAdminMixin, InvoiceDocumentsMixin, HistoryAdmin):
    list_display = [
        "number_or_draft",
        "organization",
        "kind",
        "status",
        "total",
        "amount_due_display",
        "issue_date",
        "due_date",
        "stripe_problem",
    ]
    list_filter = ["status", "kind", OverdueFilter, "issue_date", "due_date"]
    search_fields = ["number", "organization__name", "stripe_invoice_id"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    date_hierarchy = "issue_date"
    list_select_related = ["organization"]
    inlines = [InvoiceLineInline, PaymentInline, InvoiceCreditEntryInline]
    actions = ["issue", "resend", "void", "write_off", "record_payment", "refund", "bill_again"]
    readonly_fields = [
        "number",
        "organization",
        "contact",
        "kind",
        "status",
        "status_reason",
        "total",
        "amount_paid",
        "amount_refunded",
        "amount_due_display",
        "organization_credit",
        "explanation",
        "issue_date",
        "due_date",
        "paid_at",
        "reversed_at",
        "stripe_invoice_id",
        "stripe_hosted_url",
        "stripe_pdf_url",
        "stripe_error",
        "payment_instructions",
        "last_sent_at",
    ]
    fields = readonly_fields + ["memo"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return selectors.invoice_list()

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Invoices are created by the services (dues, installments, registrations).
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Invoice, form: Any, change: bool) -> None:
        # Only the memo is editable here; the rest changes through the actions.
        services.invoice_set_memo(invoice=obj, memo=obj.memo, by=request.user)

    @admin.display(description="number", ordering="number")
    def number_or_draft(self, obj: Invoice) -> str:
        return obj.number or f"draft #{obj.pk}"

    @admin.display(description="amount due")
    def amount_due_display(self, obj: Invoice) -> str:
        return format_usd(obj.amount_due)

    @admin.display(description="organization's credit balance")
    def organization_credit(self, obj: Invoice) -> str:
        return format_usd(services.credit_balance(obj.organization_id))

    @admin.display(description="Stripe")
    def stripe_problem(self, obj: Invoice) -> str:
        return obj.stripe_error[:80] if obj.stripe_error else ""

    def _has(self, request: HttpRequest, codename: str) -> bool:
        return request.user.has_perm(f"billing.{codename}")

    def has_void_permission(self, request: HttpRequest) -> bool:
        return self._has(request, "void_invoice")

    def has_write_off_permission(self, request: HttpRequest) -> bool:
        return self._has(request, "write_off_invoice")

    def has_record_payment_permission(self, request: HttpRequest) -> bool:
        return self._has(request, "record_payment")

    def has_refund_permission(self, request: HttpRequest) -> bool:
        return self._has(request, "refund_payment")

    @admin.action(description="Issue selected invoices", permissions=["change"])
    def issue(self, request: HttpRequest, queryset: QuerySet) -> None:
        for invoice in queryset:
            try:
                invoice = services.invoice_issue(invoice=invoice, by=request.user)
            except ServiceError as exc:
                self.message_user(request, f"{invoice}: {exc.message}", messages.ERROR)
                continue
            if invoice.stripe_error:
                self.message_user(
                    request,
                    f"Invoice {invoice.number} is issued here but not in Stripe: "
                    f"{invoice.stripe_error} Issue it again to retry.",
                    messages.WARNING,
                )
            else:
                self.message_user(request, f"Invoice {invoice.number} issued.", messages.SUCCESS)

    @admin.action(description="Send selected invoices to the payer again", permissions=["change"])
    def resend(self, request: HttpRequest, queryset: QuerySet) -> None:
        run_service_action(
            self,
            request,
            queryset,
            call=lambda invoice: services.invoice_resend(invoice=invoice, by=request.user),
            done="invoice(s) sent again",
        )

    @admin.action(
        description="Bill again selected invoices refunded in full (a new invoice)",
        permissions=["change"],
    )
    def bill_again(self, request: HttpRequest, queryset: QuerySet) -> None:
        run_service_action(
            self,
            request,
            queryset,
            call=lambda invoice: services.invoice_bill_again(invoice=invoice, by=request.user),
            done="billed again with a new invoice",
        )

    @admin.action(description="Void selected invoices…", permissions=["void"])
    def void(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return action_with_reason(
            self,
            request,
            queryset,
            action="void",
            title="Void invoices",
            prompt="Void these invoices? Nothing can be paid on them afterwards.",
            submit_label="Void",
            call=lambda invoice, reason: services.invoice_void(
                invoice=invoice, reason=reason, by=request.user
            ),
            done="invoice(s) voided",
        )

    @admin.action(description="Write off selected invoices…", permissions=["write_off"])
    def write_off(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return action_with_reason(
            self,
            request,
            queryset,
            action="write_off",
            title="Write off invoices",
            prompt="Mark these invoices uncollectible (bad debt)?",
            submit_label="Write off",
            call=lambda invoice, reason: services.invoice_write_off(
                invoice=invoice, reason=reason, by=request.user
            ),
            done="invoice(s) written off",
        )

    @admin.action(
        description="Record a payment (check, cash, wire)…", permissions=["record_payment"]
    )
    def record_payment(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, "Record a payment on one invoice at a time.", messages.ERROR)
            return None
        invoice = queryset.get()
        form = PaymentForm(
            request.POST if "apply" in request.POST else None,
            initial={"amount": invoice.amount_due, "method": Payment.Method.CHECK},
        )
        if "apply" in request.POST and form.is_valid():
            try:
                services.payment_record_offline(
                    invoice=invoice, by=request.user, **form.cleaned_data
                )
            except ServiceError as exc:
                self.message_user(request, f"{invoice}: {exc.message}", messages.ERROR)
            else:
                invoice.refresh_from_db()
                self.message_user(
                    request,
                    f"Payment recorded on invoice {invoice.number}. {invoice.status_reason}",
                    messages.SUCCESS,
                )
            return None
        return _form_page(
            self,
            request,
            queryset,
            form=form,
            action="record_payment",
            title="Record payment",
            prompt=f"{format_usd(invoice.amount_due)} is due on invoice {invoice.number}.",
        )

    @admin.action(description="Refund the payments of selected invoices…", permissions=["refund"])
    def refund(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, "Refund one invoice at a time.", messages.ERROR)
            return None
        invoice = queryset.get()
        payments = [p for p in invoice.payments.all() if p.refundable > 0]
        if not payments:
            self.message_user(request, f"{invoice}: nothing to refund.", messages.ERROR)
            return None
        form = RefundForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            amount = form.cleaned_data["amount"]
            reason = form.cleaned_data["reason"]
            for payment in payments:
                part = None if amount is None else min(amount, payment.refundable)
                if part is not None and part <= 0:
                    break
                try:
                    refund = services.refund_create(
                        payment=payment, amount=part, reason=reason, by=request.user
                    )
                except ServiceError as exc:
                    self.message_user(request, f"{invoice}: {exc.message}", messages.ERROR)
                    return None
                if amount is not None:
                    amount -= refund.amount
                self.message_user(
                    request,
                    f"Refunded {format_usd(refund.amount)} on invoice {invoice.number}. "
                    f"{refund.outcome}",
                    messages.SUCCESS,
                )
            return None
        refundable = sum(p.refundable for p in payments)
        return _form_page(
            self,
            request,
            queryset,
            form=form,
            action="refund",
            title="Refund",
            prompt=f"Up to {format_usd(refundable)} of invoice {invoice.number} can be refunded.",
        )


@admin.register(Payment)
class PaymentAdmin(PaymentDocumentsMixin, ReadOnlyMixin, HistoryAdmin):
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
        return _form_page(
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
class RefundAdmin(ReadOnlyMixin, HistoryAdmin):
    list_display = ["payment", "amount", "status", "reason", "outcome", "created"]
    list_filter = ["status"]
    search_fields = ["payment__invoice__number", "stripe_refund_id", "reason"]
    list_select_related = ["payment__invoice__organization"]


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyMixin, HistoryAdmin):
    list_display = ["stripe_dispute_id", "payment", "amount", "reason", "status", "evidence_due_by"]
    list_filter = ["status"]
    search_fields = ["stripe_dispute_id", "stripe_charge_id"]
    list_select_related = ["payment__invoice__organization"]


@admin.register(StripeEvent)
class StripeEventAdmin(admin.ModelAdmin):
    list_display = ["stripe_id", "type", "status", "stripe_created", "received_at", "attempts"]
    list_filter = ["status", "type"]
    search_fields = ["stripe_id", "type", "error"]
    readonly_fields = [
        "stripe_id",
        "type",
        "livemode",
        "status",
        "stripe_created",
        "received_at",
        "processed_at",
        "attempts",
        "error",
        "outcome",
        "payload",
    ]
    actions = ["replay"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_replay_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("billing.replay_stripeevent")

    @admin.action(description="Process selected events again", permissions=["replay"])
    def replay(self, request: HttpRequest, queryset: QuerySet) -> None:
        for event in queryset:
            result = services.stripe_event_process(event=event, force=True)
            if result.status == StripeEvent.Status.FAILED:
                self.message_user(request, f"{event}: {result.error}", messages.ERROR)
            else:
                self.message_user(request, f"{event}: {result.outcome}", messages.SUCCESS)


# --- reconciliation: payouts, bank deposits, journal batches ------------------------------------


class JournalRangeForm(forms.Form):
    date_from = forms.DateField(help_text="YYYY-MM-DD")
    date_to = forms.DateField(help_text="YYYY-MM-DD")


def _export_selected(
    modeladmin: admin.ModelAdmin, request: HttpRequest, **chosen: Any
) -> HttpResponse | None:
    try:
        batch = services.journal_export(by=request.user, **chosen)
    except ServiceError as exc:
        modeladmin.message_user(request, exc.message, messages.ERROR)
        return None
    modeladmin.message_user(
        request,
        f"Exported as journal batch {batch.number} ({format_usd(batch.total_debits)} debits "
        f"and credits): download it from the batch.",
        messages.SUCCESS,
    )
    return HttpResponseRedirect(reverse("admin:billing_journalbatch_change", args=[batch.pk]))


@admin.register(Payout)
class PayoutAdmin(ReadOnlyMixin, HistoryAdmin):
    list_display = [
        "stripe_payout_id",
        "arrival_date",
        "status",
        "amount",
        "open_exceptions",
        "reviewed",
        "exported",
        "reconciliation_link",
    ]
    list_filter = ["status", "arrival_date"]
    search_fields = ["stripe_payout_id", "transactions__source_id"]
    date_hierarchy = "arrival_date"
    list_select_related = ["journal_batch"]
    actions = ["reconcile_again", "mark_reviewed", "export"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(
                exceptions_open=Count(
                    "transactions",
                    filter=Q(
                        transactions__match__in=BalanceTransaction.EXCEPTIONS,
                        transactions__resolved_at__isnull=True,
                    ),
                )
            )
        )

    def get_urls(self) -> list:
        view = self.admin_site.admin_view(finance_views.payout_reconciliation)
        return [
            path("<int:pk>/reconciliation/", view, name="billing_payout_reconciliation"),
            *super().get_urls(),
        ]

    def change_view(self, request: HttpRequest, object_id: str, *args: Any, **kwargs: Any):
        return HttpResponseRedirect(
            reverse("admin:billing_payout_reconciliation", args=[object_id])
        )

    @admin.display(description="open exceptions", ordering="exceptions_open")
    def open_exceptions(self, obj: Payout) -> int:
        return obj.exceptions_open  # type: ignore[attr-defined]

    @admin.display(description="reviewed", boolean=True)
    def reviewed(self, obj: Payout) -> bool:
        return obj.reviewed_at is not None

    @admin.display(description="journal batch")
    def exported(self, obj: Payout) -> str:
        return str(obj.journal_batch.number) if obj.journal_batch else ""

    @admin.display(description="")
    def reconciliation_link(self, obj: Payout) -> str:
        url = reverse("admin:billing_payout_reconciliation", args=[obj.pk])
        return format_html('<a href="{}">Reconciliation</a>', url)

    def has_reconcile_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("billing.change_payout")

    def has_export_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("billing.add_journalbatch")

    @admin.action(description="Read selected payouts from Stripe again", permissions=["reconcile"])
    def reconcile_again(self, request: HttpRequest, queryset: QuerySet) -> None:
        for payout in queryset:
            try:
                outcomes = services.payout_refresh(payout_id=payout.stripe_payout_id)
            except (ServiceError, GatewayError) as exc:
                self.message_user(request, f"{payout}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, " ".join(outcomes), messages.INFO)

    @admin.action(description="Mark selected payouts reviewed", permissions=["reconcile"])
    def mark_reviewed(self, request: HttpRequest, queryset: QuerySet) -> None:
        run_service_action(
            self,
            request,
            queryset,
            call=lambda payout: services.payout_review(payout=payout, by=request.user),
            done="payout(s) marked reviewed",
        )

    @admin.action(description="Export selected payouts to the journal", permissions=["export"])
    def export(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return _export_selected(self, request, payouts=list(queryset))


@admin.register(BankDeposit)
class BankDepositAdmin(ReadOnlyMixin, HistoryAdmin):
    list_display = [
        "deposited_on",
        "reference",
        "total",
        "reviewed",
        "exported",
        "reconciliation_link",
    ]
    list_filter = ["deposited_on"]
    search_fields = ["reference", "memo", "items__payment__check_number"]
    date_hierarchy = "deposited_on"
    list_select_related = ["journal_batch"]
    actions = ["mark_reviewed", "export"]

    def get_urls(self) -> list:
        view = self.admin_site.admin_view(finance_views.deposit_reconciliation)
        return [
            path("<int:pk>/reconciliation/", view, name="billing_bankdeposit_reconciliation"),
            *super().get_urls(),
        ]

    def change_view(self, request: HttpRequest, object_id: str, *args: Any, **kwargs: Any):
        return HttpResponseRedirect(
            reverse("admin:billing_bankdeposit_reconciliation", args=[object_id])
        )

    @admin.display(description="reviewed", boolean=True)
    def reviewed(self, obj: BankDeposit) -> bool:
        return obj.reviewed_at is not None

    @admin.display(description="journal batch")
    def exported(self, obj: BankDeposit) -> str:
        return str(obj.journal_batch.number) if obj.journal_batch else ""

    @admin.display(description="")
    def reconciliation_link(self, obj: BankDeposit) -> str:
        url = reverse("admin:billing_bankdeposit_reconciliation", args=[obj.pk])
        return format_html('<a href="{}">Reconciliation</a>', url)

    def has_review_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("billing.change_bankdeposit")

    def has_export_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("billing.add_journalbatch")

    @admin.action(description="Mark selected deposits reviewed", permissions=["review"])
    def mark_reviewed(self, request: HttpRequest, queryset: QuerySet) -> None:
        run_service_action(
            self,
            request,
            queryset,
            call=lambda deposit: services.deposit_review(deposit=deposit, by=request.user),
            done="deposit(s) marked reviewed",
        )

    @admin.action(description="Export selected deposits to the journal", permissions=["export"])
    def export(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return _export_selected(self, request, deposits=list(queryset))


class JournalLineInline(ReadOnlyMixin, admin.TabularInline):
    model = JournalLine
    extra = 0
    fields = ("entry_number", "entry_date", "account", "debit", "credit", "description", "name")
    readonly_fields = fields


@admin.register(JournalBatch)
class JournalBatchAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "date_from",
        "date_to",
        "total_debits",
        "total_credits",
        "created_at",
        "created_by",
        "downloads",
    ]
    readonly_fields = (
        "number",
        "date_from",
        "date_to",
        "total_debits",
        "total_credits",
        "created_at",
        "created_by",
        "downloads",
    )
    fields = list(readonly_fields)
    inlines = [JournalLineInline]
    list_select_related = ["created_by"]

    def get_urls(self) -> list:
        return [
            path(
                "<int:pk>/<str:fmt>.csv",
                self.admin_site.admin_view(finance_views.journal_download),
                name="billing_journalbatch_download",
            ),
            *super().get_urls(),
        ]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="download")
    def downloads(self, obj: JournalBatch) -> str:
        if obj.pk is None:
            return ""
        return format_html(
            '<a href="{}">QuickBooks Online CSV</a> · <a href="{}">generic CSV</a>',
            reverse("admin:billing_journalbatch_download", args=[obj.pk, "qbo"]),
            reverse("admin:billing_journalbatch_download", args=[obj.pk, "generic"]),
        )

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None):
        """Adding a batch is exporting a date range."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = JournalRangeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            response = _export_selected(self, request, **form.cleaned_data)
            if response is not None:
                return response
        return TemplateResponse(
            request,
            "admin/action_reason.html",
            {
                **self.admin_site.each_context(request),
                "title": "Export journal entries",
                "prompt": "Export the deposited payouts and bank deposits of these days, and "
                "the revenue recognised in the months they reach, that are not exported yet.",
                "submit_label": "Export",
                "queryset": [],
                "form": form,
                "action": "",
                "opts": self.model._meta,
            },
        )
