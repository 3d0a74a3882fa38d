"""Staff API for billing: invoices with their actions, payments and refunds (read-only: money
moves only through the invoice actions, which call billing.services). See
api/views/staff_base.py for the pattern."""

from functools import partial
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request

from api.filters.billing import InvoiceFilter, PaymentFilter, RefundFilter
from api.plain_rows import PlainListMixin, PlainRows
from api.serializers.billing import (
    InvoiceSerializer,
    PaymentSerializer,
    RecordPaymentSerializer,
    RefundRequestSerializer,
    RefundSerializer,
)
from api.views.staff_base import StaffViewSet, service_action, transition_action
from billing import documents, selectors, services
from billing.models import Invoice, Payment, Refund


class ReadOnlyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, StaffViewSet):
    pass


def pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type=documents.PDF)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def pdf_action(*, url_path: str, description: str) -> Any:
    """GET /<resource>/<id>/<url_path>/: a document as PDF, for whoever may view invoices; a
    record that has no such document (a draft, a failed payment) is a 409 saying why."""

    def decorate(view: Any) -> Any:
        routed = action(
            detail=True,
            methods=["get"],
            url_path=url_path,
            required_perms=["billing.view_invoice"],
        )(view)
        return extend_schema(
            description=description,
            responses={
                (200, documents.PDF): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF."),
            },
        )(routed)

    return decorate


# An invoice's lifecycle step that needs a reason, answered with the invoice.
invoice_step = partial(transition_action, response=InvoiceSerializer, reason_required=True)


class InvoiceViewSet(PlainListMixin, ReadOnlyViewSet):
    """Invoices with their lines and payments. The system drafts them (dues, pledge installments,
    registrations); they change only through the actions."""

    queryset = Invoice.objects.all()
    serializer_class = InvoiceSerializer
    # What the balance, the pay link and the contact's name are worked out from.
    plain_rows = PlainRows(("stripe_hosted_url", "contact__first_name", "contact__last_name"))
    filterset_class = InvoiceFilter
    search_fields = ["number", "reference", "organization__name", "stripe_invoice_id"]
    ordering_fields = ["number", "issue_date", "due_date", "total", "created", "modified"]
    ordering = ["-created", "-pk"]

    def get_queryset(self) -> QuerySet[Invoice]:
        return selectors.invoice_list_with_lines_and_payments()

    @pdf_action(
        url_path="pdf",
        description="The invoice as PDF: its lines, total, what is paid and still due, how to "
        "pay, and the dues deductibility notice on dues invoices. A draft has none (409).",
    )
    def pdf(self, request: Request, pk: str | None = None) -> HttpResponse:
        invoice = self.get_object()
        return pdf_response(documents.invoice_pdf(invoice=invoice), f"invoice-{invoice.number}.pdf")

    @service_action(
        permission="billing.change_invoice",
        response=InvoiceSerializer,
        description="Issue a draft: it gets its number, goes to Stripe when Stripe is configured "
        "(a Stripe failure leaves it open with `stripe_error` set; issue again to retry) and is "
        "mailed to the payer.",
    )
    def issue(self, invoice: Invoice, data: dict[str, Any], user: Any) -> None:
        services.invoice_issue(invoice=invoice, by=user)

    @service_action(
        permission="billing.change_invoice",
        response=InvoiceSerializer,
        description="Mail an open or written-off invoice to its payer again.",
    )
    def resend(self, invoice: Invoice, data: dict[str, Any], user: Any) -> None:
        services.invoice_resend(invoice=invoice, by=user)

    @service_action(
        permission="billing.change_invoice",
        response=InvoiceSerializer,
        url_path="bill-again",
        created=True,
        description="Bill again what an invoice refunded in full (`refunded`) billed: a new "
        "invoice with the same lines, issued and mailed. Answers with the new invoice (the same "
        "one when asked again). Event registrations are not billed again: register again.",
    )
    def bill_again(self, invoice: Invoice, data: dict[str, Any], user: Any) -> Invoice:
        new = services.invoice_bill_again(invoice=invoice, by=user)
        return selectors.invoice_list_with_lines_and_payments().get(pk=new.pk)

    @invoice_step(
        permission="billing.void_invoice",
        description="Void an invoice that was a mistake, saying why; only while nothing has "
        "been paid on it.",
    )
    def void(self, invoice: Invoice, reason: str, user: Any) -> None:
        services.invoice_void(invoice=invoice, reason=reason, by=user)

    @invoice_step(
        permission="billing.write_off_invoice",
        url_path="write-off",
        description="Write off an open invoice as bad debt, saying why; a payment that still "
        "arrives is taken.",
    )
    def write_off(self, invoice: Invoice, reason: str, user: Any) -> None:
        services.invoice_write_off(invoice=invoice, reason=reason, by=user)

    @service_action(
        permission="billing.record_payment",
        response=PaymentSerializer,
        body=RecordPaymentSerializer,
        url_path="record-payment",
        created=True,
        description="Record money received by hand (a check with its number, cash, a wire, an "
        "ACH transfer). When it covers the invoice, the invoice is paid and takes effect. "
        "Answers with the payment.",
    )
    def record_payment(self, invoice: Invoice, data: dict[str, Any], user: Any) -> Payment:
        payment = services.payment_record_offline(invoice=invoice, by=user, **data)
        return selectors.payment_list().get(pk=payment.pk)

    @service_action(
        permission="billing.refund_payment",
        response=RefundSerializer,
        body=RefundRequestSerializer,
        created=True,
        description="Give back a payment of this invoice, in full (no amount) or in part, "
        "saying why; through Stripe for card and ACH payments. A full refund undoes what the "
        "invoice paid for; the refund's `outcome` says what changed.",
    )
    def refund(self, invoice: Invoice, data: dict[str, Any], user: Any) -> Refund:
        payment = data["payment"]
        if payment.invoice_id != invoice.pk:
            raise serializers.ValidationError(
                {"payment": [f"Payment {payment.pk} is not on this invoice."]}
            )
        refund = services.refund_create(
            payment=payment, amount=data["amount"], reason=data["reason"], by=user
        )
        return selectors.refund_list().get(pk=refund.pk)


class PaymentViewSet(ReadOnlyViewSet):
    """Payments, online and recorded by hand. Record one with invoices/<id>/record-payment/."""

    queryset = Payment.objects.all()
    serializer_class = PaymentSerializer
    filterset_class = PaymentFilter
    search_fields = ["check_number", "memo", "invoice__number", "invoice__organization__name"]
    ordering_fields = ["received_on", "amount", "created", "modified"]
    ordering = ["-created", "-pk"]

    def get_queryset(self) -> QuerySet[Payment]:
        return selectors.payment_list()

    @pdf_action(
        url_path="receipt",
        description="The receipt of a succeeded payment as PDF (online or recorded by hand): "
        "the amount received and what is still due on its invoice. A pending or failed "
        "payment has none (409).",
    )
    def receipt(self, request: Request, pk: str | None = None) -> HttpResponse:
        payment = self.get_object()
        return pdf_response(documents.receipt_pdf(payment=payment), f"receipt-{payment.pk}.pdf")


class RefundViewSet(ReadOnlyViewSet):
    """Money given back. Refund a payment with invoices/<id>/refund/."""

    queryset = Refund.objects.all()
    serializer_class = RefundSerializer
    filterset_class = RefundFilter
    search_fields = ["reason", "payment__invoice__number", "payment__invoice__organization__name"]
    ordering_fields = ["amount", "created", "modified"]
    ordering = ["-created", "-pk"]

    def get_queryset(self) -> QuerySet[Refund]:
        return selectors.refund_list()
