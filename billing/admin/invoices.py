"""Invoices with their lines, payments and credit entries; issuing, voiding, writing off, recording
a payment and refunding, each through its billing service."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from billing import selectors, services
from billing.admin.common import MoneyDisplayMixin, ReadOnlyMixin, form_page
from billing.admin.credits import InvoiceCreditEntryInline
from billing.admin.documents import InvoiceDocumentsMixin
from billing.admin.payment_form import (
    InvoicePaymentFormMixin,
    payment_form,
    payment_recorded_message,
    record_payment_from,
)
from billing.models import (
    Dispute,
    Invoice,
    InvoiceLine,
    Payment,
)
from billing.money import format_usd
from core.admin.actions import ActionPage, FormAction, run_service_action
from core.admin.calendar import CalendarDrillDownMixin
from core.admin.history import HistoryAdmin
from core.exceptions import ServiceError
from crm.pagination import EstimatedCountPaginator
from crm.search import IndexedSearchAdminMixin


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


class InvoiceLineInline(MoneyDisplayMixin, ReadOnlyMixin, admin.TabularInline):
    model = InvoiceLine
    extra = 0
    fields = ("description", "amount", "gl_account", "period_start", "period_end", "kind")
    readonly_fields = fields


class PaymentInline(MoneyDisplayMixin, ReadOnlyMixin, admin.TabularInline):
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
        "returned_at",
    )
    readonly_fields = fields


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text="Leave empty to refund everything still refundable.",
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


@admin.register(Invoice)
class InvoiceAdmin(
    CalendarDrillDownMixin,
    MoneyDisplayMixin,
    IndexedSearchAdminMixin,
    InvoicePaymentFormMixin,
    InvoiceDocumentsMixin,
    HistoryAdmin,
):
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
    search_fields = [
        "number",
        "organization__name",
        "stripe_invoice_id",
        "earlier_stripe_invoices__stripe_invoice_id",
    ]
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    date_hierarchy = "issue_date"
    list_select_related = ["organization"]
    inlines = [InvoiceLineInline, PaymentInline, InvoiceCreditEntryInline]
    actions = ["issue", "resend", "void", "write_off", "record_payment", "refund", "bill_again"]
    money_properties = ("amount_paid", "amount_refunded")
    change_form_template = "admin/billing/invoice_change_form.html"
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
        "disputes_display",
        "amount_due_display",
        "organization_credit",
        "explanation",
        "issue_date",
        "due_date",
        "paid_at",
        "reversed_at",
        "reopened_at",
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

    @admin.display(description="disputes")
    def disputes_display(self, obj: Invoice) -> str:
        """Each chargeback on its payments: amount, status, fee (its own expense), and
        whether it takes the money back from the invoice."""
        disputes = Dispute.objects.filter(payment__invoice=obj).order_by("created", "pk")
        return (
            "; ".join(
                f"{d.stripe_dispute_id}: {format_usd(d.amount)} {d.status}, fee {format_usd(d.fee)}"
                + (", taken back" if d.taken_back else "")
                for d in disputes
            )
            or "none"
        )

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

    void = FormAction(
        "Void selected invoices…",
        page=ActionPage(
            "Void invoices", "Void these invoices? Nothing can be paid on them afterwards.", "Void"
        ),
        call=lambda invoice, by, reason: services.invoice_void(
            invoice=invoice, reason=reason, by=by
        ),
        done="invoice(s) voided",
        permissions=("void",),
    )
    write_off = FormAction(
        "Write off selected invoices…",
        page=ActionPage(
            "Write off invoices", "Mark these invoices uncollectible (bad debt)?", "Write off"
        ),
        call=lambda invoice, by, reason: services.invoice_write_off(
            invoice=invoice, reason=reason, by=by
        ),
        done="invoice(s) written off",
        permissions=("write_off",),
    )

    @admin.action(
        description="Record a payment (check, cash, wire)…", permissions=["record_payment"]
    )
    def record_payment(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, "Record a payment on one invoice at a time.", messages.ERROR)
            return None
        invoice = queryset.get()
        form = payment_form(invoice, request.POST if "apply" in request.POST else None)
        # Refused, the form comes back as typed, with the reason beside its field.
        recorded = "apply" in request.POST and record_payment_from(form, invoice, by=request.user)
        if recorded:
            self.message_user(request, payment_recorded_message(invoice), messages.SUCCESS)
            return None
        return form_page(
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
        return form_page(
            self,
            request,
            queryset,
            form=form,
            action="refund",
            title="Refund",
            prompt=f"Up to {format_usd(refundable)} of invoice {invoice.number} can be refunded.",
        )
