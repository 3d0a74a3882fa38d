"""The part of the Stripe stub (tests/billing/stripe_stub.py) that plays Stripe's balance and its
payouts: each charge, refund and dispute the stub made has its balance transaction, `pay_out()`
pays chosen ones out to the bank, and GET /v1/payouts (by arrival date), /v1/payouts/:id and
/v1/balance_transactions?payout= answer from that state, with each transaction's source
expanded as `expand[]=data.source` asks."""

import re
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

from tests.billing.stripe_payloads import stripe_object


def _timestamp(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


class StubPayouts:
    intents: dict[str, dict[str, Any]]
    refunds: dict[str, list[dict[str, Any]]]
    disputes: dict[str, dict[str, Any]]
    _ids: Iterator[int]

    def _payouts_init(self) -> None:
        self.payouts: dict[str, dict[str, Any]] = {}
        self.payout_transactions: dict[str, list[dict[str, Any]]] = {}

    # --- the balance transactions of what the stub did ----------------------------------------

    def charge_transaction(self, intent_id: str) -> dict[str, Any]:
        """The succeeded charge of a PaymentIntent, as it reaches the balance: its amount, the
        fee the charge carries, the charge as its source."""
        intent = self.intents[intent_id]
        charge = intent["latest_charge"]
        fees = charge["balance_transaction"]
        assert fees is not None, f"{intent_id} has not succeeded"
        return stripe_object(
            "balance_transaction",
            id=f"txn_ch{charge['id']}",
            type="charge",
            reporting_category="charge",
            amount=intent["amount"],
            created=int(time.time()),
            fee=fees["fee"],
            net=fees["net"],
            source={"id": charge["id"], "object": "charge", "payment_intent": intent_id},
        )

    def refund_transaction(self, refund: dict[str, Any]) -> dict[str, Any]:
        return stripe_object(
            "balance_transaction",
            id=f"txn_{refund['id']}",
            type="refund",
            reporting_category="refund",
            amount=-refund["amount"],
            created=int(time.time()),
            fee=0,
            net=-refund["amount"],
            source={
                "id": refund["id"],
                "object": "refund",
                "charge": refund["charge"],
                "payment_intent": refund["payment_intent"],
            },
        )

    def dispute_transactions(self, dispute_id: str) -> list[dict[str, Any]]:
        """The dispute's withdrawal (and, won, its reinstatement), with the dispute as their
        source."""
        dispute = self.disputes[dispute_id]
        source = {
            "id": dispute_id,
            "object": "dispute",
            "charge": dispute["charge"],
            "payment_intent": dispute["payment_intent"],
        }
        return [{**txn, "source": source} for txn in dispute["balance_transactions"]]

    def pay_out(self, transactions: list[dict[str, Any]], *, arrival_date: date) -> str:
        """Stripe pays these transactions out to the bank on `arrival_date`: the payout's amount
        is their net. The payout's id."""
        payout_id = f"po_stub{next(self._ids)}"
        self.payouts[payout_id] = stripe_object(
            "payout",
            id=payout_id,
            amount=sum(txn["net"] for txn in transactions),
            currency="usd",
            status="paid",
            arrival_date=_timestamp(arrival_date),
            created=_timestamp(arrival_date),
        )
        self.payout_transactions[payout_id] = list(transactions)
        return payout_id

    # --- what Stripe answers ------------------------------------------------------------------

    def _payout_answer(
        self, method: str, path: str, form: dict[str, list[str]]
    ) -> tuple[int, dict] | None:
        if method != "GET":
            return None
        if path == "/v1/payouts":
            since = int(form.get("arrival_date[gte]", ["0"])[0])
            until = int(form.get("arrival_date[lte]", [str(2**62)])[0])
            items = [p for p in self.payouts.values() if since <= p["arrival_date"] <= until]
            return 200, {"object": "list", "data": items, "has_more": False, "url": path}
        read = re.fullmatch(r"/v1/payouts/(\w+)", path)
        if read and read.group(1) in self.payouts:
            return 200, self.payouts[read.group(1)]
        if path == "/v1/balance_transactions":
            items = self.payout_transactions.get(form.get("payout", [""])[0], [])
            if "data.source" not in form.get("expand[0]", []) + form.get("expand[]", []):
                items = [{**txn, "source": txn["source"]["id"]} for txn in items]
            return 200, {"object": "list", "data": items, "has_more": False, "url": path}
        return None
