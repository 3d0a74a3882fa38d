"""Recording a check, cash, a wire or an ACH transfer, on the invoice's page and as a list action,
both through billing.services.payment_record_offline. A refusal (no check number for a check,
more than is due, a date in the future) shows the form again with what was typed and the error
beside its field."""

from datetime import date
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse

from billing import services
from billing.models import Invoice, Payment
from core.exceptions import ServiceError

RECORD_PAYMENT = "billing.record_payment"


class PaymentForm(forms.Form):
    amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    received_on = forms.DateField(
        label="Received on",
        initial=date.today,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    method = forms.ChoiceField(
        choices=[(m.value, m.label) for m in Payment.Method if m in Payment.OFFLINE_METHODS]
    )
    check_number = forms.CharField(
        label="Check number or reference",
        max_length=50,
        required=False,
        help_text="Required for a check; the bank's reference of a wire or ACH transfer.",
    )
    memo = forms.CharField(max_length=500, required=False)


def payment_form(invoice: Invoice, data: Any = None) -> PaymentForm:
    """The form, filled in with what is due and a check, or bound to what staff typed."""
    return PaymentForm(data, initial={"amount": invoice.amount_due, "method": Payment.Method.CHECK})


def record_payment_from(form: PaymentForm, invoice: Invoice, *, by: Any) -> Payment | None:
    """The payment the valid form describes, recorded; None when the form or the service
    refuses it, the service's sentence then an error of the form (beside the field it names)."""
    if not form.is_valid():
        return None
    try:
        return services.payment_record_offline(invoice=invoice, by=by, **form.cleaned_data)
    except ServiceError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return None


def payment_recorded_message(invoice: Invoice) -> str:
    invoice.refresh_from_db()
    return f"Payment recorded on invoice {invoice.number}. {invoice.status_reason}"


class InvoicePaymentFormMixin:
    """The invoice's page offers the form to whoever may record payments, while something is
    due; it posts to <pk>/record-payment/."""

    admin_site: admin.AdminSite

    def get_urls(self) -> list:
        view = self.admin_site.admin_view(self.record_payment_view)
        return [
            path("<int:pk>/record-payment/", view, name="billing_invoice_record_payment"),
            *super().get_urls(),  # type: ignore[misc]
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: Any = None,
        payment: PaymentForm | None = None,
    ) -> Any:
        """The page; `payment` is the form as typed when recording it failed (shown with its
        errors)."""
        extra_context = dict(extra_context or {})
        if payment is not None:
            extra_context["payment_form"] = payment
        return super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc]

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> Any:
        # The invoice the page already read (not read again for the form).
        typed = context.pop("payment_form", None)
        if (
            obj is not None
            and request.user.has_perm(RECORD_PAYMENT)
            and obj.status in Invoice.PAYABLE_STATUSES
            and obj.amount_due > 0
        ):
            context["payment_form"] = typed or payment_form(obj)
        return super().render_change_form(  # type: ignore[misc]
            request, context, add=add, change=change, form_url=form_url, obj=obj
        )

    def record_payment_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm(RECORD_PAYMENT):
            raise PermissionDenied
        invoice = get_object_or_404(Invoice, pk=pk)
        form = payment_form(invoice, request.POST)
        if record_payment_from(form, invoice, by=request.user) is not None:
            messages.success(request, payment_recorded_message(invoice))
            return HttpResponseRedirect(reverse("admin:billing_invoice_change", args=[pk]))
        # The invoice's page again, with the form as typed and its errors.
        request.method = "GET"
        return self.change_view(request, str(pk), payment=form)
