"""Staff API serializers for payouts: Stripe deposits with a summary of their balance
transactions and where their reconciliation stands. Read-only: payouts are read from Stripe
and reconciled in the finance pages (billing.services.payouts)."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.staff_base import money, nullable, username
from billing.models import BalanceTransaction, Payout
from billing.money import ZERO

RECONCILIATION_STATES = [
    ("not_reconciled", "Its balance transactions are not read from Stripe yet"),
    ("to_resolve", "Read, with exceptions or a net that differs from the amount"),
    ("reconciled", "Every transaction matches; awaiting finance's review"),
    ("reviewed", "Signed off by finance"),
    ("exported", "In a journal batch"),
]


class PayoutTransactionsSummarySerializer(serializers.Serializer):
    count = serializers.IntegerField()
    gross = money("Charges.")
    refunds = money("Refunds (negative).")
    fees = money("Stripe's fees.")
    net = money("What the transactions add up to; the payout's amount when it is explained.")
    open_exceptions = serializers.IntegerField(
        help_text="Transactions not matched to ours, or with another amount, not yet resolved."
    )


class PayoutSerializer(serializers.ModelSerializer):
    transactions = serializers.SerializerMethodField()
    difference = serializers.SerializerMethodField(
        help_text="The amount minus the transactions' net (a string); zero when explained."
    )
    reconciliation = serializers.SerializerMethodField(
        help_text="not_reconciled, to_resolve, reconciled, reviewed or exported."
    )
    reviewed_by = username("reviewed_by")
    journal_batch = nullable(serializers.IntegerField, "journal_batch.number")

    class Meta:
        model = Payout
        fields = [
            "id",
            "stripe_payout_id",
            "status",
            "amount",
            "currency",
            "arrival_date",
            "description",
            "failure_message",
            "transactions",
            "difference",
            "reconciliation",
            "synced_at",
            "reconciled_at",
            "reviewed_at",
            "reviewed_by",
            "journal_batch",
            "stripe_created",
            "created",
            "modified",
        ]
        read_only_fields = fields

    # The values come from billing.selectors.payout_list()'s annotations: no query per row.
    @extend_schema_field(PayoutTransactionsSummarySerializer)
    def get_transactions(self, obj: Payout) -> dict[str, Any]:
        return PayoutTransactionsSummarySerializer(
            {
                "count": obj.transactions_count,  # type: ignore[attr-defined]
                "gross": obj.transactions_gross,  # type: ignore[attr-defined]
                "refunds": obj.transactions_refunds,  # type: ignore[attr-defined]
                "fees": obj.transactions_fees,  # type: ignore[attr-defined]
                "net": obj.transactions_net,  # type: ignore[attr-defined]
                "open_exceptions": obj.open_exceptions,  # type: ignore[attr-defined]
            }
        ).data

    @extend_schema_field(serializers.DecimalField(max_digits=12, decimal_places=2))
    def get_difference(self, obj: Payout) -> str:
        return f"{obj.amount - obj.transactions_net:.2f}"  # type: ignore[attr-defined]

    @extend_schema_field(serializers.ChoiceField(choices=RECONCILIATION_STATES))
    def get_reconciliation(self, obj: Payout) -> str:
        # The same rules as payout_problems(), which the review refuses on.
        if obj.journal_batch_id is not None:
            return "exported"
        if obj.reviewed_at is not None:
            return "reviewed"
        if obj.reconciled_at is None:
            return "not_reconciled"
        net_differs = (
            obj.status == Payout.Status.PAID and obj.amount - obj.transactions_net != ZERO  # type: ignore[attr-defined]
        )
        if obj.open_exceptions or net_differs:  # type: ignore[attr-defined]
            return "to_resolve"
        return "reconciled"


class BalanceTransactionSerializer(serializers.ModelSerializer):
    invoice = nullable(serializers.IntegerField, "payment.invoice_id")
    invoice_number = nullable(serializers.CharField, "payment.invoice.number")
    organization_name = nullable(serializers.CharField, "payment.invoice.organization.name")
    resolved_by = username("resolved_by")

    class Meta:
        model = BalanceTransaction
        fields = [
            "id",
            "stripe_id",
            "type",
            "reporting_category",
            "amount",
            "fee",
            "net",
            "source_id",
            "description",
            "stripe_created",
            "match",
            "expected_amount",
            "payment",
            "refund",
            "dispute",
            "invoice",
            "invoice_number",
            "organization_name",
            "resolved_at",
            "resolved_by",
            "resolution",
        ]
        read_only_fields = fields


class PayoutDetailSerializer(PayoutSerializer):
    balance_transactions = BalanceTransactionSerializer(
        source="transactions", many=True, read_only=True, help_text="Every movement of the payout."
    )

    class Meta(PayoutSerializer.Meta):
        fields = [*PayoutSerializer.Meta.fields, "balance_transactions"]
