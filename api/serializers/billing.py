"""Staff API serializers for billing: invoices (with their lines and payments), payments and
refunds. All read-only: money moves only through the invoice actions, which call the billing
services. Amounts are strings ("300.00")."""

from django.utils import timezone
from rest_framework import serializers

from api.serializers.staff_base import money, nullable, username
from billing.models import Invoice, InvoiceLine, Payment, Refund

OFFLINE_METHOD_CHOICES = [
    (m.value, m.label) for m in Payment.Method if m in Payment.OFFLINE_METHODS
]


class InvoiceLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceLine
        fields = [
            "id",
            "position",
            "kind",
            "description",
            "amount",
            "gl_account",
            "period_start",
            "period_end",
            "membership",
            "pledge_installment",
            "registration",
        ]
        read_only_fields = fields


class InvoicePaymentSerializer(serializers.ModelSerializer):
    amount_refunded = money("Given back so far (pending and succeeded refunds).")

    class Meta:
        model = Payment
        fields = [
            "id",
            "method",
            "status",
            "amount",
            "amount_refunded",
            "received_on",
            "check_number",
        ]
        read_only_fields = fields


class InvoiceSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    contact_name = nullable(serializers.CharField, "contact.full_name")
    amount_paid = money("Succeeded payments.")
    amount_refunded = money("Refunded of those payments.")
    net_paid = money("Paid minus refunded.")
    amount_due = money("What the payer still owes (zero unless open or written off).")
    overdue = serializers.BooleanField(
        source="is_overdue", read_only=True, help_text="Open and past its due date."
    )
    pay_url = serializers.URLField(
        read_only=True, allow_null=True, help_text="Stripe's hosted page, while payable."
    )
    payment_instructions = serializers.CharField(
        read_only=True, help_text="How to pay without Stripe; empty when there is a pay_url."
    )
    # A plain string, not a URL: empty until Stripe has made the PDF.
    stripe_pdf_url = serializers.CharField(
        read_only=True, help_text="Stripe's PDF of the invoice; empty until there is one."
    )
    lines = InvoiceLineSerializer(many=True, read_only=True)
    payments = InvoicePaymentSerializer(
        many=True, read_only=True, help_text="Every payment, failed ones included."
    )

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "reference",
            "organization",
            "organization_name",
            "contact",
            "contact_name",
            "kind",
            "status",
            "currency",
            "total",
            "amount_paid",
            "amount_refunded",
            "net_paid",
            "amount_due",
            "overdue",
            "issue_date",
            "due_date",
            "explanation",
            "memo",
            "status_changed_at",
            "status_reason",
            "paid_at",
            "reversed_at",
            "last_sent_at",
            "pay_url",
            "payment_instructions",
            "stripe_invoice_id",
            "stripe_pdf_url",
            "stripe_error",
            "lines",
            "payments",
            "created",
            "modified",
        ]
        read_only_fields = fields


class PaymentSerializer(serializers.ModelSerializer):
    invoice_number = serializers.CharField(source="invoice.number", read_only=True)
    organization = serializers.IntegerField(source="invoice.organization_id", read_only=True)
    organization_name = serializers.CharField(source="invoice.organization.name", read_only=True)
    amount_refunded = money("Given back so far (pending and succeeded refunds).")
    refundable = money("What may still be refunded.")
    recorded_by = username("recorded_by")

    class Meta:
        model = Payment
        fields = [
            "id",
            "invoice",
            "invoice_number",
            "organization",
            "organization_name",
            "method",
            "status",
            "amount",
            "fee",
            "net",
            "amount_refunded",
            "refundable",
            "received_on",
            "check_number",
            "memo",
            "gl_account",
            "failure_message",
            "recorded_by",
            "stripe_payment_intent_id",
            "stripe_charge_id",
            "created",
            "modified",
        ]
        read_only_fields = fields


class RefundSerializer(serializers.ModelSerializer):
    payment_method = serializers.CharField(source="payment.method", read_only=True)
    invoice = serializers.IntegerField(source="payment.invoice_id", read_only=True)
    invoice_number = serializers.CharField(source="payment.invoice.number", read_only=True)
    organization = serializers.IntegerField(
        source="payment.invoice.organization_id", read_only=True
    )
    organization_name = serializers.CharField(
        source="payment.invoice.organization.name", read_only=True
    )
    created_by = username("created_by")

    class Meta:
        model = Refund
        fields = [
            "id",
            "payment",
            "payment_method",
            "invoice",
            "invoice_number",
            "organization",
            "organization_name",
            "amount",
            "reason",
            "status",
            "failure_message",
            "outcome",
            "created_by",
            "stripe_refund_id",
            "created",
            "modified",
        ]
        read_only_fields = fields


# --- Action bodies ---------------------------------------------------------------------------


class RecordPaymentSerializer(serializers.Serializer):
    method = serializers.ChoiceField(
        choices=OFFLINE_METHOD_CHOICES,
        help_text="How the money came: check, cash, wire or an ACH transfer to the bank.",
    )
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="At most what is due on the invoice."
    )
    received_on = serializers.DateField(
        default=timezone.localdate, help_text="When it arrived (today when not given)."
    )
    check_number = serializers.CharField(
        max_length=50,
        required=False,
        allow_blank=True,
        default="",
        help_text="The check's number (required for a check), or the transfer's reference.",
    )
    memo = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class RefundRequestSerializer(serializers.Serializer):
    payment = serializers.PrimaryKeyRelatedField(
        queryset=Payment.objects.all(), help_text="A succeeded payment on this invoice (id)."
    )
    amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        allow_null=True,
        default=None,
        help_text="Leave out to refund everything still refundable on the payment.",
    )
    reason = serializers.CharField(max_length=2000, help_text="Why; kept with the refund.")
