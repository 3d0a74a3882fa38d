"""The part of the Stripe stub (tests/billing/stripe_stub.py) that plays auto-renewal: Checkout
in setup mode, where the payer saves a card or bank account on the customer, the customers'
default payment method, and charging an invoice to it."""

import re
import threading
from collections.abc import Iterator
from typing import Any

from tests.billing.stripe_payloads import stripe_object


class SavedPaymentMethods:
    sessions: dict[str, dict[str, Any]]
    customers: dict[str, dict[str, Any]]
    declined: set[str]  # payment methods whose charges are declined
    _ids: Iterator[int]
    _lock: threading.Lock

    def _pay(self, invoice_id: str, *, method: str, processing: bool) -> str:
        raise NotImplementedError

    @staticmethod
    def _invalid(message: str) -> tuple[int, dict]:
        raise NotImplementedError

    def _setup_answer(
        self, method: str, path: str, form: dict[str, list[str]]
    ) -> tuple[int, dict] | None:
        """Checkout in setup mode, and reading and updating customers."""
        if method == "POST" and path == "/v1/checkout/sessions":
            session_id = f"cs_stub{next(self._ids)}"
            self.sessions[session_id] = stripe_object(
                "checkout.session",
                id=session_id,
                mode=form["mode"][0],
                customer=form.get("customer", [None])[0],
                status="open",
                payment_intent=None,
                setup_intent=None,
                success_url=form["success_url"][0],
                url=f"https://checkout.stripe.test/c/{session_id}",
                metadata={
                    key[len("metadata[") : -1]: values[0]
                    for key, values in form.items()
                    if key.startswith("metadata[")
                },
            )
            return 200, self.sessions[session_id]
        session = re.fullmatch(r"/v1/checkout/sessions/(\w+)", path)
        if method == "GET" and session and session.group(1) in self.sessions:
            found = dict(self.sessions[session.group(1)])
            expand = form.get("expand[]") or form.get("expand[0]") or []
            if "setup_intent.payment_method" not in expand and found["setup_intent"]:
                found["setup_intent"] = found["setup_intent"]["id"]
            return 200, found
        customer = re.fullmatch(r"/v1/customers/(\w+)", path)
        if customer:
            record = self.customers.setdefault(
                customer.group(1), stripe_object("customer", id=customer.group(1))
            )
            if method == "POST":
                default = form.get("invoice_settings[default_payment_method]", [None])[0]
                record["invoice_settings"] = {
                    **(record.get("invoice_settings") or {}),
                    "default_payment_method": default,
                }
            return 200, record
        return None

    def _charge_saved(self, invoice: dict[str, Any]) -> tuple[int, dict]:
        """POST /v1/invoices/:id/pay: charge the customer's default payment method."""
        settings_ = (self.customers.get(invoice.get("customer") or "") or {}).get(
            "invoice_settings"
        ) or {}
        method = settings_.get("default_payment_method")
        if not method:
            return self._invalid("The customer has no default payment method.")
        if method in self.declined:
            return 402, {
                "error": {
                    "type": "card_error",
                    "code": "card_declined",
                    "message": "Your card was declined.",
                }
            }
        self._pay(invoice["id"], method="card", processing=False)
        return 200, invoice

    def complete_setup(
        self, session_id: str, *, kind: str = "card", brand: str = "visa", last4: str = "4242"
    ) -> str:
        """The payer saves a card (or bank account) on Checkout's setup page; the address
        Stripe sends them back to."""
        with self._lock:
            session = self.sessions[session_id]
            details = (
                {"brand": brand, "last4": last4, "exp_month": 12, "exp_year": 2030}
                if kind == "card"
                else {"bank_name": brand, "last4": last4}
            )
            method = stripe_object(
                "payment_method",
                id=f"pm_stub{next(self._ids)}",
                type=kind,
                customer=session["customer"],
                **{kind: details},
            )
            session.update(
                status="complete",
                setup_intent=stripe_object(
                    "setup_intent",
                    id=f"seti_stub{next(self._ids)}",
                    status="succeeded",
                    customer=session["customer"],
                    payment_method=method,
                    last_setup_error=None,
                ),
            )
            return session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id)
