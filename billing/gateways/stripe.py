"""The one module that talks to Stripe. It pins the API version, honours STRIPE_API_BASE, sends
an idempotency key derived from our own record with every POST, puts our ids in metadata, and
turns Stripe's objects into the dataclasses of billing.gateways.base and its errors into
GatewayError."""

import json
import time as clock
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from typing import Any, cast

import stripe
from django.conf import settings

from billing.gateways.base import (
    CheckoutLine,
    CheckoutSession,
    CustomerDetails,
    DraftInvoice,
    GatewayError,
    RemoteBalanceTransaction,
    RemoteCreditNote,
    RemoteInvoice,
    RemoteInvoicePayment,
    RemotePayment,
    RemotePayout,
    RemoteRefund,
    WebhookSignatureError,
)
from billing.money import CURRENCY, from_minor_units, to_minor_units

# Payment method types a payer may use on the hosted invoice page.
INVOICE_PAYMENT_METHODS = ["card", "us_bank_account"]
ACH_TYPES = {"us_bank_account", "ach_debit", "ach_credit_transfer"}


def verify_webhook(payload: bytes, signature: str, secret: str, *, tolerance: int = 300) -> dict:
    """The event as a plain dict, once its Stripe-Signature header proves Stripe sent it within
    `tolerance` seconds. Raises WebhookSignatureError otherwise."""
    if not secret:
        raise WebhookSignatureError("STRIPE_WEBHOOK_SECRET is not set.")
    try:
        stripe.WebhookSignature.verify_header(payload.decode("utf-8"), signature, secret, tolerance)
    except (stripe.SignatureVerificationError, UnicodeDecodeError) as exc:
        raise WebhookSignatureError(str(exc)) from exc
    # The library refuses only signatures older than the tolerance; one dated far ahead (a
    # replay prepared in advance, a clock gone wrong) is refused the same way.
    signed_at = _signature_timestamp(signature)
    if signed_at > clock.time() + tolerance:
        raise WebhookSignatureError("The signature's timestamp is in the future.")
    try:
        event = json.loads(payload)
    except ValueError as exc:
        raise WebhookSignatureError("The body is not JSON.") from exc
    if not isinstance(event, dict) or not event.get("id") or not event.get("type"):
        raise WebhookSignatureError("The body is not a Stripe event.")
    return event


def _signature_timestamp(header: str) -> int:
    """The `t=` of a Stripe-Signature header (the library checked it is there and numeric)."""
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and value.isdigit():
            return int(value)
    raise WebhookSignatureError("The signature has no timestamp.")


def _timestamp(value: Any) -> datetime | None:
    return datetime.fromtimestamp(value, tz=UTC) if isinstance(value, int) else None


def _id(value: Any) -> str:
    """An expandable field's id, whether Stripe sent the id or the object."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return str(value.get("id") or "")


def _cents(value: Any) -> Decimal | None:
    return None if value is None else from_minor_units(int(value))


def _metadata(obj: Any) -> dict[str, str]:
    meta = obj.get("metadata") or {}
    return {str(k): str(v) for k, v in dict(meta).items()}


class StripeGateway:
    is_remote = True
    name = "stripe"

    def __init__(
        self,
        *,
        api_key: str | None = None,
        api_base: str | None = None,
        http_client: Any = None,
    ) -> None:
        base = (api_base or settings.STRIPE_API_BASE).rstrip("/")
        self.client = stripe.StripeClient(
            api_key or settings.STRIPE_SECRET_KEY,
            stripe_version=settings.STRIPE_API_VERSION,
            base_addresses={"api": base},
            # A hung Stripe must not hold a request for the library's default 80 seconds.
            http_client=http_client or stripe.RequestsClient(timeout=settings.STRIPE_TIMEOUT),
            max_network_retries=settings.STRIPE_MAX_NETWORK_RETRIES,
        )

    def _call(self, what: str, fn: Callable[[], Any]) -> dict[str, Any]:
        """Run one Stripe request; its answer as plain dicts and lists."""
        try:
            return fn().to_dict()
        except stripe.StripeError as exc:
            message = exc.user_message or str(exc) or exc.__class__.__name__
            retriable = (
                isinstance(exc, stripe.APIConnectionError | stripe.RateLimitError | stripe.APIError)
                or (exc.http_status or 0) >= 500
            )
            raise GatewayError(
                f"Stripe could not {what}: {message}",
                code=str(exc.code or ""),
                retriable=retriable,
            ) from exc

    @staticmethod
    def _options(idempotency_key: str) -> Any:
        return {"idempotency_key": idempotency_key}

    # --- customers and invoices ------------------------------------------------------------

    def ensure_customer(self, customer: CustomerDetails) -> str:
        if customer.existing_id:
            return customer.existing_id
        params: Any = {
            "name": customer.name,
            "metadata": {"organization_id": str(customer.organization_id)},
        }
        if customer.email:
            params["email"] = customer.email
        created = self._call(
            "create the customer",
            lambda: self.client.v1.customers.create(
                params=params,
                options=self._options(f"organization-{customer.organization_id}-customer"),
            ),
        )
        return created["id"]

    def issue_invoice(self, draft: DraftInvoice) -> RemoteInvoice:
        key = f"invoice-{draft.invoice_id}"
        metadata = {"invoice_id": str(draft.invoice_id), "invoice_number": draft.number}
        metadata.update(draft.metadata)
        invoice_params: Any = {
            "customer": draft.customer_id,
            "currency": CURRENCY,
            "description": draft.description,
            "auto_advance": False,
            "pending_invoice_items_behavior": "exclude",
            "payment_settings": {"payment_method_types": INVOICE_PAYMENT_METHODS},
            "metadata": metadata,
        }
        if draft.charge_automatically:
            # Charged by pay_invoice with the customer's default payment method; auto_advance
            # stays off so Stripe does not retry on its own schedule behind our back.
            invoice_params["collection_method"] = "charge_automatically"
        else:
            invoice_params["collection_method"] = "send_invoice"
            invoice_params["days_until_due"] = draft.days_until_due
        created = self._call(
            "create the invoice",
            lambda: self.client.v1.invoices.create(
                params=invoice_params, options=self._options(f"{key}-create")
            ),
        )
        stripe_id = created["id"]
        for line in draft.lines:
            params: Any = {
                "customer": draft.customer_id,
                "invoice": stripe_id,
                "amount": to_minor_units(line.amount),
                "currency": CURRENCY,
                "description": line.description,
                "metadata": {"invoice_id": str(draft.invoice_id), "line_id": str(line.line_id)},
            }
            if line.period_start and line.period_end:
                params["period"] = {
                    "start": int(
                        datetime.combine(line.period_start, datetime.min.time(), UTC).timestamp()
                    ),
                    "end": int(
                        datetime.combine(line.period_end, datetime.min.time(), UTC).timestamp()
                    ),
                }
            options = self._options(f"{key}-line-{line.line_id}")

            def add_line(params: Any = params, options: Any = options) -> Any:
                return self.client.v1.invoice_items.create(params=params, options=options)

            self._call("add a line to the invoice", add_line)
        finalized = self._call(
            "finalize the invoice",
            lambda: self.client.v1.invoices.finalize_invoice(
                stripe_id, params={"auto_advance": False}, options=self._options(f"{key}-finalize")
            ),
        )
        return self._invoice(finalized)

    def retrieve_invoice(self, invoice_id: str) -> RemoteInvoice:
        invoice = self._call(
            "read the invoice", lambda: self.client.v1.invoices.retrieve(invoice_id)
        )
        payments = self._call(
            "read the invoice's payments",
            lambda: self.client.v1.invoice_payments.list(
                params={"invoice": invoice_id, "limit": 100}
            ),
        )
        return self._invoice(invoice, payments=[self._invoice_payment(p) for p in payments["data"]])

    def default_payment_method(self, customer_id: str) -> str:
        customer = self._call(
            "read the customer", lambda: self.client.v1.customers.retrieve(customer_id)
        )
        if customer.get("deleted"):
            return ""
        settings_ = customer.get("invoice_settings") or {}
        return _id(settings_.get("default_payment_method")) or _id(customer.get("default_source"))

    def pay_invoice(self, invoice_id: str, *, idempotency_key: str) -> RemoteInvoice:
        return self._invoice(
            self._call(
                "charge the saved payment method",
                lambda: self.client.v1.invoices.pay(
                    invoice_id, params={}, options=self._options(idempotency_key)
                ),
            )
        )

    def invoice_id_for_payment(self, payment_intent_id: str) -> str | None:
        found = self._call(
            "find the invoice of a payment",
            lambda: self.client.v1.invoice_payments.list(
                params={
                    "payment": {"type": "payment_intent", "payment_intent": payment_intent_id},
                    "limit": 1,
                }
            ),
        )
        for item in found["data"]:
            return _id(item.get("invoice")) or None
        return None

    def void_invoice(self, invoice_id: str, *, idempotency_key: str) -> RemoteInvoice:
        return self._invoice(
            self._call(
                "void the invoice",
                lambda: self.client.v1.invoices.void_invoice(
                    invoice_id, options=self._options(idempotency_key)
                ),
            )
        )

    def mark_uncollectible(self, invoice_id: str, *, idempotency_key: str) -> RemoteInvoice:
        return self._invoice(
            self._call(
                "mark the invoice uncollectible",
                lambda: self.client.v1.invoices.mark_uncollectible(
                    invoice_id, options=self._options(idempotency_key)
                ),
            )
        )

    def mark_paid_out_of_band(self, invoice_id: str, *, idempotency_key: str) -> RemoteInvoice:
        return self._invoice(
            self._call(
                "mark the invoice paid",
                lambda: self.client.v1.invoices.pay(
                    invoice_id,
                    params={"paid_out_of_band": True},
                    options=self._options(idempotency_key),
                ),
            )
        )

    def credit_invoice(
        self,
        invoice_id: str,
        *,
        amount: Decimal,
        memo: str,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> RemoteCreditNote:
        # On an open invoice a credit note first lowers amount_remaining (its
        # pre_payment_amount): nothing is refunded or credited to the customer's balance.
        note = self._call(
            "lower what the invoice asks for",
            lambda: self.client.v1.credit_notes.create(
                params={
                    "invoice": invoice_id,
                    "amount": to_minor_units(amount),
                    "memo": memo[:500],
                    "metadata": metadata,
                },
                options=self._options(idempotency_key),
            ),
        )
        invoice = note.get("invoice")
        remaining = None
        if isinstance(invoice, dict) and invoice.get("amount_remaining") is not None:
            remaining = _cents(invoice.get("amount_remaining"))
        return RemoteCreditNote(
            id=note["id"],
            invoice_id=_id(invoice),
            amount=from_minor_units(int(note.get("amount") or 0)),
            status=note.get("status") or "",
            invoice_amount_remaining=remaining,
        )

    # --- payments and refunds --------------------------------------------------------------

    def retrieve_payment(self, payment_intent_id: str) -> RemotePayment:
        intent = self._call(
            "read the payment",
            lambda: self.client.v1.payment_intents.retrieve(
                payment_intent_id, params={"expand": ["latest_charge.balance_transaction"]}
            ),
        )
        return self._payment(intent)

    def create_refund(
        self,
        *,
        payment_intent_id: str,
        amount: Decimal,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> RemoteRefund:
        refund = self._call(
            "refund the payment",
            lambda: self.client.v1.refunds.create(
                params={
                    "payment_intent": payment_intent_id,
                    "amount": to_minor_units(amount),
                    "reason": "requested_by_customer",
                    "metadata": metadata,
                },
                options=self._options(idempotency_key),
            ),
        )
        return self._refund(refund)

    def list_refunds(self, payment_intent_id: str) -> list[RemoteRefund]:
        refunds = self._call(
            "read the payment's refunds",
            lambda: self.client.v1.refunds.list(
                params={"payment_intent": payment_intent_id, "limit": 100}
            ),
        )
        return [self._refund(r) for r in refunds["data"]]

    def create_checkout_session(
        self,
        *,
        lines: list[CheckoutLine],
        success_url: str,
        cancel_url: str,
        customer_email: str,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> CheckoutSession:
        params: Any = {
            "mode": "payment",
            "success_url": success_url,
            "cancel_url": cancel_url,
            "payment_method_types": INVOICE_PAYMENT_METHODS,
            "line_items": [
                {
                    "quantity": line.quantity,
                    "price_data": {
                        "currency": CURRENCY,
                        "unit_amount": to_minor_units(line.amount),
                        "product_data": {"name": line.description},
                    },
                }
                for line in lines
            ],
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
        }
        if customer_email:
            params["customer_email"] = customer_email
        session = self._call(
            "start the checkout",
            lambda: self.client.v1.checkout.sessions.create(
                params=params, options=self._options(idempotency_key)
            ),
        )
        return self._checkout(session)

    def retrieve_checkout_session(self, session_id: str) -> CheckoutSession:
        return self._checkout(
            self._call(
                "read the checkout",
                lambda: self.client.v1.checkout.sessions.retrieve(session_id),
            )
        )

    # --- payouts ---------------------------------------------------------------------------

    def _list_all(self, what: str, fetch: Callable[[dict[str, Any]], Any]) -> list[dict[str, Any]]:
        """Every item of a list, page after page (Stripe pages by `starting_after`)."""
        items: list[dict[str, Any]] = []
        params: dict[str, Any] = {"limit": 100}
        while True:
            page = self._call(what, partial(fetch, params))
            data = page.get("data") or []
            items.extend(data)
            if not page.get("has_more") or not data:
                return items
            params = {**params, "starting_after": data[-1]["id"]}

    def list_payouts(self, *, since: date, until: date) -> list[RemotePayout]:
        """The payouts arriving from `since` to `until`, both days included."""
        start = int(datetime.combine(since, time.min, UTC).timestamp())
        end = int(datetime.combine(until + timedelta(days=1), time.min, UTC).timestamp()) - 1
        found = self._list_all(
            "list the payouts",
            lambda params: self.client.v1.payouts.list(
                params=cast(Any, {**params, "arrival_date": {"gte": start, "lte": end}})
            ),
        )
        return [self._payout(p) for p in found]

    def retrieve_payout(self, payout_id: str) -> RemotePayout:
        return self._payout(
            self._call("read the payout", lambda: self.client.v1.payouts.retrieve(payout_id))
        )

    def list_payout_transactions(self, payout_id: str) -> list[RemoteBalanceTransaction]:
        found = self._list_all(
            "list the payout's transactions",
            lambda params: self.client.v1.balance_transactions.list(
                params=cast(Any, {**params, "payout": payout_id, "expand": ["data.source"]})
            ),
        )
        return [self._balance_transaction(t) for t in found]

    # --- Stripe objects to dataclasses -----------------------------------------------------

    @staticmethod
    def _invoice_payment(item: Any) -> RemoteInvoicePayment:
        payment = item.get("payment") or {}
        return RemoteInvoicePayment(
            id=item["id"],
            status=item.get("status") or "",
            amount_paid=_cents(item.get("amount_paid")),
            payment_intent_id=_id(payment.get("payment_intent")),
            charge_id=_id(payment.get("charge")),
        )

    @staticmethod
    def _invoice(invoice: Any, payments: list[RemoteInvoicePayment] | None = None) -> RemoteInvoice:
        return RemoteInvoice(
            id=invoice["id"],
            status=invoice.get("status") or "",
            total=from_minor_units(int(invoice.get("total") or 0)),
            amount_paid=from_minor_units(int(invoice.get("amount_paid") or 0)),
            amount_remaining=from_minor_units(int(invoice.get("amount_remaining") or 0)),
            hosted_url=invoice.get("hosted_invoice_url") or "",
            pdf_url=invoice.get("invoice_pdf") or "",
            paid_out_of_band=bool(invoice.get("paid_out_of_band")),
            metadata=_metadata(invoice),
            payments=tuple(payments or ()),
            currency=str(invoice.get("currency") or "").lower(),
        )

    @staticmethod
    def _payment(intent: Any) -> RemotePayment:
        charge = intent.get("latest_charge")
        charge = charge if charge is not None and not isinstance(charge, str) else None
        method_type = ""
        if charge is not None:
            method_type = (charge.get("payment_method_details") or {}).get("type") or ""
        if not method_type:
            types = intent.get("payment_method_types") or []
            method_type = types[0] if len(types) == 1 else ""
        fee = net = None
        if charge is not None:
            txn = charge.get("balance_transaction")
            if txn is not None and not isinstance(txn, str):
                fee, net = _cents(txn.get("fee")), _cents(txn.get("net"))
        raw = intent.get("status")
        error = intent.get("last_payment_error") or {}
        if raw == "succeeded":
            status = "succeeded"
        elif raw == "processing":
            status = "pending"
        elif raw == "canceled" or (raw == "requires_payment_method" and error):
            status = "failed"
        else:
            status = "incomplete"
        failure = ""
        if status == "failed":
            failure = (
                error.get("message")
                or (charge.get("failure_message") if charge is not None else "")
                or intent.get("cancellation_reason")
                or "The payment failed."
            )
        return RemotePayment(
            id=intent["id"],
            status=status,
            amount=from_minor_units(int(intent.get("amount") or 0)),
            method="ach" if method_type in ACH_TYPES else "card",
            charge_id=_id(intent.get("latest_charge")),
            fee=fee,
            net=net,
            failure_message=failure,
            created=_timestamp(intent.get("created")),
            metadata=_metadata(intent),
            currency=str(intent.get("currency") or "").lower(),
        )

    @staticmethod
    def _refund(refund: Any) -> RemoteRefund:
        raw = refund.get("status") or ""
        status = {"succeeded": "succeeded", "failed": "failed", "canceled": "failed"}.get(
            raw, "pending"
        )
        return RemoteRefund(
            id=refund["id"],
            amount=from_minor_units(int(refund.get("amount") or 0)),
            status=status,
            payment_intent_id=_id(refund.get("payment_intent")),
            charge_id=_id(refund.get("charge")),
            failure_message=refund.get("failure_reason") or "",
            metadata=_metadata(refund),
        )

    @staticmethod
    def _payout(payout: Any) -> RemotePayout:
        arrival = _timestamp(payout.get("arrival_date"))
        return RemotePayout(
            id=payout["id"],
            status=payout.get("status") or "",
            amount=from_minor_units(int(payout.get("amount") or 0)),
            arrival_date=(arrival or datetime.now(UTC)).date(),
            currency=payout.get("currency") or CURRENCY,
            created=_timestamp(payout.get("created")),
            description=payout.get("description") or "",
            failure_message=payout.get("failure_message") or "",
        )

    @staticmethod
    def _balance_transaction(txn: Any) -> RemoteBalanceTransaction:
        source = txn.get("source")
        charge_id = intent_id = ""
        if isinstance(source, dict):
            is_charge = source.get("object") == "charge"
            charge_id = _id(source) if is_charge else _id(source.get("charge"))
            intent_id = _id(source.get("payment_intent"))
        elif isinstance(source, str) and source.startswith(("ch_", "py_")):
            charge_id = source
        return RemoteBalanceTransaction(
            id=txn["id"],
            type=txn.get("type") or "",
            amount=from_minor_units(int(txn.get("amount") or 0)),
            fee=from_minor_units(int(txn.get("fee") or 0)),
            net=from_minor_units(int(txn.get("net") or 0)),
            reporting_category=txn.get("reporting_category") or "",
            source_id=_id(source),
            charge_id=charge_id,
            payment_intent_id=intent_id,
            description=txn.get("description") or "",
            created=_timestamp(txn.get("created")),
        )

    @staticmethod
    def _checkout(session: Any) -> CheckoutSession:
        return CheckoutSession(
            id=session["id"],
            url=session.get("url") or "",
            payment_intent_id=_id(session.get("payment_intent")),
            payment_status=session.get("payment_status") or "",
            status=session.get("status") or "",
            metadata=_metadata(session),
        )
