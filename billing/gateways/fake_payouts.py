"""The fake Stripe's payouts, which FakeGateway (billing/gateways/fake.py) builds on: the
Gateway's payout calls, and Stripe's side of them for tests and the demo (the balance
transactions of charges, refunds and disputes, and paying them out to the bank). FakeStripe is
the bookkeeping every part of the fake shares."""

import itertools
import threading
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date
from decimal import Decimal

from django.utils import timezone

from billing.gateways.base import (
    GatewayError,
    RemoteBalanceTransaction,
    RemotePayment,
    RemotePayout,
    RemoteRefund,
)
from billing.money import ZERO


class FakeStripe:
    """One lock, the ids it hands out, the calls made (with their idempotency keys), the answers
    to replay, and the PaymentIntents. Set `outage` to a message to make every call fail like an
    outage."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.payments: dict[str, RemotePayment] = {}
        self._replies: dict[str, object] = {}
        self.calls: list[tuple[str, str]] = []
        self.outage: str = ""

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}_fake{next(self._ids):06d}"

    def _begin(self, call: str, key: str = "") -> object | None:
        self.calls.append((call, key))
        if self.outage:
            raise GatewayError(f"Stripe could not {call}: {self.outage}")
        return self._replies.get(key) if key else None

    def _once[T](self, call: str, key: str, kind: type[T], make: Callable[[], T]) -> T:
        """Under the lock, `make` what a POST creates once per idempotency key: the key again
        gets the first answer, as Stripe's do."""
        with self._lock:
            replay = self._begin(call, key)
            if isinstance(replay, kind):
                return replay
            created = make()
            self._replies[key] = created
            return created


class FakePayouts(FakeStripe):
    """The payouts Stripe makes to the bank, and the balance transactions each pays out."""

    def __init__(self) -> None:
        super().__init__()
        self.payouts: dict[str, RemotePayout] = {}
        self.payout_transactions: dict[str, list[RemoteBalanceTransaction]] = {}

    # --- the Gateway interface ------------------------------------------------------------

    def list_payouts(self, *, since: date, until: date) -> list[RemotePayout]:
        with self._lock:
            self._begin("list the payouts")
            return [p for p in self.payouts.values() if since <= p.arrival_date <= until]

    def retrieve_payout(self, payout_id: str) -> RemotePayout:
        with self._lock:
            self._begin("read the payout")
            try:
                return self.payouts[payout_id]
            except KeyError:
                raise GatewayError(f"No such payout: {payout_id}", retriable=False) from None

    def list_payout_transactions(self, payout_id: str) -> list[RemoteBalanceTransaction]:
        with self._lock:
            self._begin("list the payout's transactions")
            return list(self.payout_transactions.get(payout_id, []))

    # --- Stripe's side of payouts, for tests and the demo --------------------------------------

    def _transaction(
        self,
        *,
        type: str,
        reporting_category: str,
        amount: Decimal,
        fee: Decimal,
        source_id: str,
        charge_id: str,
        payment_intent_id: str,
    ) -> RemoteBalanceTransaction:
        """A new balance transaction; its net is `amount` less `fee`."""
        return RemoteBalanceTransaction(
            id=self._new_id("txn"),
            type=type,
            reporting_category=reporting_category,
            amount=amount,
            fee=fee,
            net=amount - fee,
            source_id=source_id,
            charge_id=charge_id,
            payment_intent_id=payment_intent_id,
            created=timezone.now(),  # the demo's clock, too
        )

    def charge_transaction(
        self, payment_intent_id: str, *, amount: Decimal | None = None
    ) -> RemoteBalanceTransaction:
        """The balance transaction of a payment's charge (`amount` to make it differ)."""
        payment = self.payments[payment_intent_id]
        fee = payment.fee if payment.fee is not None and amount is None else ZERO
        return self._transaction(
            type="charge",
            reporting_category="charge",
            amount=payment.amount if amount is None else amount,
            fee=fee,
            source_id=payment.charge_id,
            charge_id=payment.charge_id,
            payment_intent_id=payment_intent_id,
        )

    def refund_transaction(self, refund: RemoteRefund) -> RemoteBalanceTransaction:
        return self._transaction(
            type="refund",
            reporting_category="refund",
            amount=-refund.amount,
            fee=ZERO,
            source_id=refund.id,
            charge_id=refund.charge_id,
            payment_intent_id=refund.payment_intent_id,
        )

    def dispute_transaction(
        self, *, dispute_id: str, payment_intent_id: str, amount: Decimal, fee: Decimal
    ) -> RemoteBalanceTransaction:
        """The money a dispute takes back (`amount`, positive here) plus the dispute fee."""
        return self._transaction(
            type="adjustment",
            reporting_category="dispute",
            amount=-amount,
            fee=fee,
            source_id=dispute_id,
            charge_id=self.payments[payment_intent_id].charge_id,
            payment_intent_id=payment_intent_id,
        )

    def payout_failure_transaction(self, payout_id: str) -> RemoteBalanceTransaction:
        """The money of a payout that failed, back in the balance for a later payout."""
        amount = self.payouts[payout_id].amount
        return self._transaction(
            type="payout_failure",
            reporting_category="payout_reversal",
            amount=amount,
            fee=ZERO,
            source_id=payout_id,
            charge_id="",
            payment_intent_id="",
        )

    def unknown_charge_transaction(self, amount: Decimal, fee: Decimal) -> RemoteBalanceTransaction:
        """A charge made outside this system (in the dashboard, by another integration)."""
        charge_id = self._new_id("ch")
        return RemoteBalanceTransaction(
            id=self._new_id("txn"),
            type="charge",
            reporting_category="charge",
            amount=amount,
            fee=fee,
            net=amount - fee,
            source_id=charge_id,
            charge_id=charge_id,
            payment_intent_id=self._new_id("pi"),
        )

    def pay_out(
        self,
        transactions: Iterable[RemoteBalanceTransaction],
        *,
        arrival_date: date,
        status: str = "paid",
        amount: Decimal | None = None,
    ) -> RemotePayout:
        """Stripe pays `transactions` out to the bank; the amount is their net unless given."""
        with self._lock:
            items = list(transactions)
            payout = RemotePayout(
                id=self._new_id("po"),
                status=status,
                amount=sum((t.net for t in items), ZERO) if amount is None else amount,
                arrival_date=arrival_date,
                description="STRIPE PAYOUT",
            )
            self.payouts[payout.id] = payout
            self.payout_transactions[payout.id] = items
            return payout

    def set_payout_status(self, payout_id: str, status: str, *, failure_message: str = "") -> None:
        with self._lock:
            self.payouts[payout_id] = replace(
                self.payouts[payout_id], status=status, failure_message=failure_message
            )
