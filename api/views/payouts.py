"""Staff API for payouts (read-only): each Stripe deposit with a summary of its balance
transactions and where its reconciliation stands. Payouts are read from Stripe and reconciled
in the finance pages (billing.services.payouts)."""

from django.db.models import Prefetch, QuerySet

from api.filters.payouts import PayoutFilter
from api.serializers.payouts import PayoutDetailSerializer, PayoutSerializer
from api.views.billing import ReadOnlyViewSet
from billing import selectors
from billing.models import BalanceTransaction, Payout


class PayoutViewSet(ReadOnlyViewSet):
    """Stripe payouts; one shows its balance transactions, each matched to our payment, refund
    or dispute."""

    queryset = Payout.objects.all()
    serializer_class = PayoutSerializer
    filterset_class = PayoutFilter
    search_fields = ["stripe_payout_id", "description"]
    ordering_fields = ["arrival_date", "amount", "created", "modified"]
    ordering = ["-arrival_date", "-pk"]

    def get_queryset(self) -> QuerySet[Payout]:
        payouts = selectors.payout_list()
        if self.action != "list":
            transactions = BalanceTransaction.objects.select_related(
                "payment__invoice__organization", "resolved_by"
            ).order_by("stripe_created", "pk")
            payouts = payouts.prefetch_related(Prefetch("transactions", queryset=transactions))
        return payouts

    def get_serializer_class(self) -> type[PayoutSerializer]:
        return PayoutSerializer if self.action == "list" else PayoutDetailSerializer
