"""A local HTTP server standing in for Stripe, for driving the real `stripe` library over HTTP
through our gateway while Stripe misbehaves: `mode` "ok" answers with Stripe's example objects,
"error" answers 500 (Stripe's api_error), "timeout" keeps the request waiting past the client's
timeout. Like Stripe, a POST with an idempotency key it has seen gets the first answer again."""

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from tests.billing.stripe_payloads import stripe_object


class StripeStub:
    def __init__(self) -> None:
        self.mode = "ok"
        self.requests: list[dict[str, Any]] = []
        self.replies: dict[str, tuple[int, dict]] = {}
        # What GETs read back, set by a test: Stripe invoices and PaymentIntents by id, and the
        # invoice payments of each invoice.
        self.invoices: dict[str, dict] = {}
        self.intents: dict[str, dict] = {}
        self.invoice_payments: dict[str, list[dict]] = {}
        # The invoices our gateway made, with the total of their items, read back as open.
        self.issued: dict[str, dict] = {}
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
            invoice_id = f"in_stub{form['metadata[invoice_id]'][0]}"
            self.issued.setdefault(
                invoice_id,
                {"metadata": {"invoice_id": form["metadata[invoice_id]"][0]}, "total": 0},
            )
            return 200, stripe_object(
                "invoice", id=invoice_id, status="draft", hosted_invoice_url=None
            )
        if method == "POST" and path == "/v1/invoiceitems":
            invoice_id = form.get("invoice", [""])[0]
            if invoice_id in self.issued:
                self.issued[invoice_id]["total"] += int(form.get("amount", ["0"])[0])
            return 200, stripe_object("invoiceitem", id=f"ii_stub{len(self.replies)}")
        finalize = re.fullmatch(r"/v1/invoices/(\w+)/finalize", path)
        if method == "POST" and finalize:
            invoice_id = finalize.group(1)
            return 200, stripe_object(
                "invoice",
                id=invoice_id,
                status="open",
                hosted_invoice_url=f"https://invoice.stripe.test/i/{invoice_id}",
                invoice_pdf=f"https://pay.stripe.test/{invoice_id}/pdf",
            )
        if method == "GET":
            found = self._read(path, form)
            if found is not None:
                return 200, found
        return 404, {"error": {"type": "invalid_request_error", "message": f"No {path}"}}

    def _read(self, path: str, query: dict[str, list[str]]) -> dict | None:
        invoice = re.fullmatch(r"/v1/invoices/(\w+)", path)
        if invoice:
            invoice_id = invoice.group(1)
            if invoice_id in self.invoices:
                return self.invoices[invoice_id]
            if invoice_id in self.issued:  # as it was made: open, unpaid
                made = self.issued[invoice_id]
                return stripe_object(
                    "invoice",
                    id=invoice_id,
                    status="open",
                    total=made["total"],
                    amount_due=made["total"],
                    amount_paid=0,
                    amount_remaining=made["total"],
                    metadata=made["metadata"],
                    hosted_invoice_url=f"https://invoice.stripe.test/i/{invoice_id}",
                )
            return None
        intent = re.fullmatch(r"/v1/payment_intents/(\w+)", path)
        if intent:
            return self.intents.get(intent.group(1))
        if path == "/v1/invoice_payments":
            if "invoice" in query:
                data = self.invoice_payments.get(query["invoice"][0], [])
            else:
                wanted = query.get("payment[payment_intent]", [""])[0]
                data = [
                    item
                    for items in self.invoice_payments.values()
                    for item in items
                    if (item.get("payment") or {}).get("payment_intent") == wanted
                ][:1]
            return {"object": "list", "data": data, "has_more": False, "url": path}
        return None

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
                raw = raw or query  # a GET's parameters are in its query string
                key = self.headers.get("Idempotency-Key", "")
                with stub._lock:
                    stub.requests.append({"method": method, "path": path, "key": key})
                    mode = stub.mode
                if mode == "timeout":
                    stub.release.wait(30)
                    return self._reply(500, {"error": {"type": "api_error", "message": "late"}})
                if mode == "error":
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
    a short timeout and no library retries so a failure shows at once."""
    stub = StripeStub()
    stub.start()
    settings.STRIPE_SECRET_KEY = "sk_test_stub"
    settings.STRIPE_API_BASE = stub.url
    settings.STRIPE_TIMEOUT = 0.5
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    try:
        yield stub
    finally:
        stub.stop()
