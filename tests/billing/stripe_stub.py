"""A local HTTP server standing in for Stripe, for driving the real `stripe` library over HTTP
through our gateway while Stripe misbehaves: `mode` "ok" answers with Stripe's example objects,
"error" answers 500 (Stripe's api_error), "timeout" keeps the request waiting past the client's
timeout. Like Stripe, a POST with an idempotency key it has seen gets the first answer again.

In "ok" mode it keeps invoices as Stripe does: their items add up to the total, finalizing opens
them, a credit note lowers what remains due (refused over it, or on an invoice not open),
paying out of band settles them; `pay()` and `settle()` play the payer (a card, or an ACH debit
that stays processing), and GETs of invoices, their payments and PaymentIntents answer from
that state."""

import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from tests.billing.stripe_payloads import stripe_object
from tests.billing.stripe_stub_payouts import StubPayouts
from tests.billing.stripe_stub_setup import SavedPaymentMethods


class StripeStub(SavedPaymentMethods, StubPayouts):
    def __init__(self) -> None:
        self.mode = "ok"
        self.requests: list[dict[str, Any]] = []
        self.replies: dict[str, tuple[int, dict]] = {}
        self.invoices: dict[str, dict[str, Any]] = {}
        self.intents: dict[str, dict[str, Any]] = {}
        self.invoice_payments: dict[str, list[dict[str, Any]]] = {}
        self.credit_notes: list[dict[str, Any]] = []
        self.refunds: dict[str, list[dict[str, Any]]] = {}
        self.disputes: dict[str, dict[str, Any]] = {}
        # Checkout in setup mode and the customers' saved payment methods (auto-renewal).
        self.sessions: dict[str, dict[str, Any]] = {}
        self.customers: dict[str, dict[str, Any]] = {}
        self.declined: set[str] = set()  # payment methods whose charges are declined
        self._payouts_init()  # the balance's payouts and their transactions
        self._ids = iter(range(1, 10**9))
        self.release = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.release.set()  # lets the requests held by "timeout" finish
        self._server.shutdown()
        self._server.server_close()

    def keys(self, prefix: str = "") -> list[str]:
        """The idempotency keys of the POSTs Stripe answered (in "ok" mode), in order."""
        return [key for key in self.replies if key.startswith(prefix)]

    # --- what Stripe answers ------------------------------------------------------------------

    def answer(self, method: str, path: str, form: dict[str, list[str]]) -> tuple[int, dict]:
        if method == "POST" and path == "/v1/customers":
            return 200, stripe_object("customer", id=f"cus_stub{len(self.replies)}")
        if method == "POST" and path == "/v1/invoices":
            invoice_id = base = f"in_stub{form['metadata[invoice_id]'][0]}"
            # A reopened invoice's second Stripe invoice gets an id of its own.
            while invoice_id in self.invoices:
                invoice_id = f"{base}r{next(self._ids)}"
            self.invoices[invoice_id] = stripe_object(
                "invoice",
                id=invoice_id,
                status="draft",
                hosted_invoice_url=None,
                total=0,
                amount_due=0,
                amount_paid=0,
                amount_remaining=0,
                paid_out_of_band=False,
                customer=form.get("customer", [""])[0],
                collection_method=form.get("collection_method", ["send_invoice"])[0],
                metadata={
                    key[len("metadata[") : -1]: values[0]
                    for key, values in form.items()
                    if key.startswith("metadata[")
                },
            )
            self.invoice_payments[invoice_id] = []
            return 200, self.invoices[invoice_id]
        if method == "POST" and path == "/v1/invoiceitems":
            invoice = self.invoices.get(form.get("invoice", [""])[0])
            if invoice is not None:
                invoice["total"] += int(form["amount"][0])
            return 200, stripe_object("invoiceitem", id=f"ii_stub{len(self.replies)}")
        finalize = re.fullmatch(r"/v1/invoices/(\w+)/finalize", path)
        if method == "POST" and finalize:
            invoice_id = finalize.group(1)
            invoice = self.invoices.setdefault(
                invoice_id, stripe_object("invoice", id=invoice_id, total=0, amount_paid=0)
            )
            invoice.update(
                status="open",
                amount_due=invoice["total"],
                amount_remaining=invoice["total"],
                hosted_invoice_url=f"https://invoice.stripe.test/i/{invoice_id}",
                invoice_pdf=f"https://pay.stripe.test/{invoice_id}/pdf",
            )
            return 200, invoice
        if method == "POST" and path == "/v1/credit_notes":
            return self._credit_note(form)
        pay = re.fullmatch(r"/v1/invoices/(\w+)/pay", path)
        if method == "POST" and pay and pay.group(1) in self.invoices:
            invoice = self.invoices[pay.group(1)]
            # As Stripe: an invoice marked uncollectible can still be paid.
            if invoice["status"] not in ("open", "uncollectible"):
                return self._invalid(f"Invoice {invoice['id']} is {invoice['status']}.")
            if form.get("paid_out_of_band") != ["true"]:
                return self._charge_saved(invoice)
            invoice.update(status="paid", paid_out_of_band=True, amount_remaining=0)
            return 200, invoice
        uncollectible = re.fullmatch(r"/v1/invoices/(\w+)/mark_uncollectible", path)
        if method == "POST" and uncollectible and uncollectible.group(1) in self.invoices:
            invoice = self.invoices[uncollectible.group(1)]
            if invoice["status"] != "open":
                return self._invalid(f"Invoice {invoice['id']} is {invoice['status']}.")
            invoice.update(status="uncollectible")
            return 200, invoice
        void = re.fullmatch(r"/v1/invoices/(\w+)/void", path)
        if method == "POST" and void and void.group(1) in self.invoices:
            invoice = self.invoices[void.group(1)]
            if invoice["status"] != "open":
                return self._invalid(f"Invoice {invoice['id']} is {invoice['status']}.")
            invoice.update(status="void")
            return 200, invoice
        read = re.fullmatch(r"/v1/invoices/(\w+)", path)
        if method == "GET" and read and read.group(1) in self.invoices:
            return 200, self.invoices[read.group(1)]
        if method == "GET" and path == "/v1/invoice_payments":
            if "invoice" in form:
                items = self.invoice_payments.get(form["invoice"][0], [])
            else:  # looked up by the payment's PaymentIntent
                wanted = form.get("payment[payment_intent]", [""])[0]
                items = [
                    item
                    for found in self.invoice_payments.values()
                    for item in found
                    if (item.get("payment") or {}).get("payment_intent") == wanted
                ][:1]
            return 200, {"object": "list", "data": items, "has_more": False, "url": path}
        if method == "POST" and path == "/v1/refunds":
            intent_id = form["payment_intent"][0]
            refund = stripe_object(
                "refund",
                id=f"re_stub{next(self._ids)}",
                amount=int(form["amount"][0]),
                payment_intent=intent_id,
                charge=self.intents[intent_id]["latest_charge"]["id"],
                status="succeeded",
                metadata={
                    key[len("metadata[") : -1]: values[0]
                    for key, values in form.items()
                    if key.startswith("metadata[")
                },
            )
            self.refunds.setdefault(intent_id, []).append(refund)
            return 200, refund
        if method == "GET" and path == "/v1/refunds":
            items = self.refunds.get(form.get("payment_intent", [""])[0], [])
            return 200, {"object": "list", "data": items, "has_more": False, "url": path}
        dispute = re.fullmatch(r"/v1/disputes/(\w+)", path)
        if method == "GET" and dispute and dispute.group(1) in self.disputes:
            return 200, self.disputes[dispute.group(1)]
        found = self._setup_answer(method, path, form) or self._payout_answer(method, path, form)
        if found is not None:
            return found
        intent = re.fullmatch(r"/v1/payment_intents/(\w+)", path)
        if method == "GET" and intent and intent.group(1) in self.intents:
            return 200, self.intents[intent.group(1)]
        return 404, {"error": {"type": "invalid_request_error", "message": f"No {path}"}}

    @staticmethod
    def _invalid(message: str) -> tuple[int, dict]:
        return 400, {"error": {"type": "invalid_request_error", "message": message}}

    def _credit_note(self, form: dict[str, list[str]]) -> tuple[int, dict]:
        invoice = self.invoices.get(form.get("invoice", [""])[0])
        if invoice is None:
            return self._invalid("No such invoice.")
        amount = int(form["amount"][0])
        if invoice["status"] != "open":
            return self._invalid(f"Invoice {invoice['id']} is {invoice['status']}.")
        if amount > invoice["amount_remaining"]:
            # Over what remains the note needs refund_amount, credit_amount or
            # out_of_band_amount (its post-payment part): we never send those.
            return self._invalid("The credit note's amount exceeds the amount remaining.")
        invoice["amount_remaining"] -= amount
        invoice["amount_due"] -= amount
        if invoice["amount_remaining"] == 0:
            invoice["status"] = "paid"
        note = stripe_object(
            "credit_note",
            id=f"cn_stub{next(self._ids)}",
            invoice=invoice["id"],
            amount=amount,
            total=amount,
            pre_payment_amount=amount,
            post_payment_amount=0,
            out_of_band_amount=None,
            memo=form.get("memo", [""])[0],
            status="issued",
        )
        self.credit_notes.append(note)
        return 200, note

    # --- the payer's side ---------------------------------------------------------------------

    def pay(self, invoice_id: str, *, method: str = "card", processing: bool = False) -> str:
        """The payer pays what Stripe's hosted page asks for now; the PaymentIntent's id. An
        ACH debit (`processing`) stays processing until settle()."""
        with self._lock:
            return self._pay(invoice_id, method=method, processing=processing)

    def _pay(self, invoice_id: str, *, method: str, processing: bool) -> str:
        """pay() under the lock held."""
        invoice = self.invoices[invoice_id]
        if invoice["status"] not in ("open", "uncollectible") or invoice["amount_remaining"] <= 0:
            raise AssertionError(f"Stripe asks nothing more for {invoice_id}.")
        amount = invoice["amount_remaining"]
        intent_id = f"pi_stub{next(self._ids)}"
        charge_type = "us_bank_account" if method == "ach" else "card"
        fee = round(amount * 0.008) if method == "ach" else round(amount * 0.029) + 30
        self.intents[intent_id] = stripe_object(
            "payment_intent",
            id=intent_id,
            amount=amount,
            status="processing" if processing else "succeeded",
            payment_method_types=[charge_type],
            last_payment_error=None,
            metadata={},
            latest_charge={
                "id": f"ch_stub{next(self._ids)}",
                "object": "charge",
                "payment_method_details": {"type": charge_type},
                "balance_transaction": None
                if processing
                else {"id": "txn_stub", "fee": fee, "net": amount - fee},
            },
        )
        self.invoice_payments[invoice_id].append(
            stripe_object(
                "invoice_payment",
                id=f"inpay_stub{next(self._ids)}",
                invoice=invoice_id,
                amount_paid=None if processing else amount,
                status="open" if processing else "paid",
                payment={"type": "payment_intent", "payment_intent": intent_id},
            )
        )
        if not processing:
            self._settle(invoice, amount)
        return intent_id

    def settle(self, intent_id: str, *, succeeded: bool = True) -> None:
        """An ACH debit clears (or is returned by the bank)."""
        with self._lock:
            intent = self.intents[intent_id]
            amount = intent["amount"]
            if succeeded:
                intent["status"] = "succeeded"
                fee = min(round(amount * 0.008), 500)
                intent["latest_charge"]["balance_transaction"] = {
                    "id": "txn_stub",
                    "fee": fee,
                    "net": amount - fee,
                }
            else:
                intent["status"] = "requires_payment_method"
                intent["last_payment_error"] = {"message": "The account has insufficient funds."}
            for invoice_id, items in self.invoice_payments.items():
                for item in items:
                    if item["payment"]["payment_intent"] == intent_id:
                        item["status"] = "paid" if succeeded else "canceled"
                        item["amount_paid"] = amount if succeeded else None
                        if succeeded:
                            self._settle(self.invoices[invoice_id], amount)

    def fail_after_success(self, intent_id: str, *, reopen_invoice: bool = False) -> None:
        """The payer's bank returns an ACH debit that had succeeded: the charge fails and the
        PaymentIntent asks for a payment method again. The invoice stays paid in Stripe, or,
        with `reopen_invoice`, Stripe opens it again for the amount, and its hosted page (the
        payer's old link) takes a payment again."""
        with self._lock:
            intent = self.intents[intent_id]
            for invoice_id, items in self.invoice_payments.items():
                for item in items:
                    if item["payment"]["payment_intent"] == intent_id and reopen_invoice:
                        item.update(status="canceled", amount_paid=None)
                        invoice = self.invoices[invoice_id]
                        invoice["amount_paid"] -= intent["amount"]
                        invoice["amount_remaining"] += intent["amount"]
                        invoice["status"] = "open"
            intent["status"] = "requires_payment_method"
            intent["last_payment_error"] = {
                "message": "The customer's bank returned the payment (R01: insufficient funds)."
            }

    def retry(self, intent_id: str, *, method: str = "card") -> str:
        """The payer pays again on the hosted page after a failed attempt: the same
        PaymentIntent succeeds with a new charge. The new charge's id."""
        with self._lock:
            intent = self.intents[intent_id]
            amount = intent["amount"]
            charge_type = "us_bank_account" if method == "ach" else "card"
            fee = round(amount * 0.029) + 30
            charge_id = f"ch_stub{next(self._ids)}"
            intent.update(
                status="succeeded",
                last_payment_error=None,
                payment_method_types=["card", "us_bank_account"],
                latest_charge={
                    "id": charge_id,
                    "object": "charge",
                    "payment_method_details": {"type": charge_type},
                    "balance_transaction": {"id": "txn_stub", "fee": fee, "net": amount - fee},
                },
            )
            for invoice_id, items in self.invoice_payments.items():
                for item in items:
                    if item["payment"]["payment_intent"] == intent_id:
                        item.update(status="paid", amount_paid=amount)
                        self._settle(self.invoices[invoice_id], amount)
            return charge_id

    def dispute(self, intent_id: str, *, status: str, won: bool = False, fee_back: bool = True):
        """The payer's bank disputes the charge: Stripe withdraws the amount and a $15 fee;
        won, it gives the amount back (and the fee, with `fee_back`). Stripe's dispute now."""
        with self._lock:
            intent = self.intents[intent_id]
            dispute_id = f"dp_stub{intent_id}"
            amount = intent["amount"]
            withdrawal = stripe_object(
                "balance_transaction",
                id=f"txn_dpw{intent_id}",
                amount=-amount,
                fee=1500,
                net=-amount - 1500,
                type="adjustment",
                reporting_category="dispute",
                created=int(time.time()),
            )
            transactions = [withdrawal]
            if won:
                back = 1500 if fee_back else 0
                transactions.append(
                    stripe_object(
                        "balance_transaction",
                        id=f"txn_dpr{intent_id}",
                        amount=amount,
                        fee=-back,
                        net=amount + back,
                        type="adjustment",
                        reporting_category="dispute_reversal",
                        created=int(time.time()),
                    )
                )
            self.disputes[dispute_id] = stripe_object(
                "dispute",
                id=dispute_id,
                amount=amount,
                charge=intent["latest_charge"]["id"],
                payment_intent=intent_id,
                currency="usd",
                reason="fraudulent",
                status=status,
                balance_transactions=transactions,
            )
            return self.disputes[dispute_id]

    @staticmethod
    def _settle(invoice: dict[str, Any], amount: int) -> None:
        invoice["amount_paid"] += amount
        invoice["amount_remaining"] = max(invoice["amount_remaining"] - amount, 0)
        invoice["status"] = "paid"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _reply(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.send_header("Request-Id", "req_stub")
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (the timeout case)

            def _handle(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                path, _, query = self.path.partition("?")
                if method == "GET":
                    raw = query
                key = self.headers.get("Idempotency-Key", "")
                with stub._lock:
                    stub.requests.append({"method": method, "path": path, "key": key})
                    mode = stub.mode
                if mode == "timeout":
                    stub.release.wait(30)
                    return self._reply(500, {"error": {"type": "api_error", "message": "late"}})
                if mode == "error" or (mode == "posts_fail" and method == "POST"):
                    return self._reply(
                        500, {"error": {"type": "api_error", "message": "Stripe is having trouble"}}
                    )
                with stub._lock:
                    if key and key in stub.replies:
                        return self._reply(*stub.replies[key])
                    status, body = stub.answer(method, path, parse_qs(raw))
                    if key and status == 200:
                        stub.replies[key] = (status, body)
                return self._reply(status, body)

            def do_POST(self) -> None:
                self._handle("POST")

            def do_GET(self) -> None:
                self._handle("GET")

        return Handler


@contextmanager
def stripe_stub(settings: Any) -> Iterator[StripeStub]:
    """Stripe configured (the real gateway and library) and pointed at a fresh local stub, with
    no library retries so a failure shows at once. The client waits 5 seconds, well past what the
    stub takes on a busy machine; a test of the "timeout" mode shortens it (`STRIPE_TIMEOUT`)."""
    stub = StripeStub()
    stub.start()
    settings.STRIPE_SECRET_KEY = "sk_test_stub"
    settings.STRIPE_API_BASE = stub.url
    settings.STRIPE_TIMEOUT = 5
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    try:
        yield stub
    finally:
        stub.stop()
