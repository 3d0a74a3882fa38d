"""The one module that talks to Stripe. It pins the API version, honours STRIPE_API_BASE, sends
an idempotency key derived from our own record with every POST, puts our ids in metadata, and
turns Stripe's errors into GatewayError. The parameters it sends and the dataclasses it makes of
Stripe's answers are in billing.gateways.stripe_objects, which needs no library."""

import time as clock
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any, cast

import stripe
from django.conf import settings

from billing.gateways import stripe_objects as objects
from billing.gateways.base import (
    CheckoutLine,
    CheckoutSession,
    CustomerDetails,
    DraftInvoice,
    GatewayError,
    RemoteBalanceTransaction,
    RemoteCreditNote,
    RemoteDispute,
    RemoteInvoice,
    RemotePayment,
    RemotePayout,
    RemoteRefund,
    WebhookSignatureError,
)


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
    signed_at = objects.signature_timestamp(signature)
    if signed_at > clock.time() + tolerance:
        raise WebhookSignatureError("The signature's timestamp is in the future.")
    return objects.parse_event(payload)


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

    def _create(
        self, what: str, create: Callable[..., Any], params: Any, idempotency_key: str
    ) -> dict[str, Any]:
        """POST one new object with `params`, under our idempotency key."""
        return self._call(
            what, lambda: create(params=params, options=self._options(idempotency_key))
        )

    # --- customers and invoices ------------------------------------------------------------

    def ensure_customer(self, customer: CustomerDetails) -> str:
        if customer.existing_id:
            return customer.existing_id
        created = self._create(
            "create the customer",
            self.client.v1.customers.create,
            objects.customer_params(customer),
            f"organization-{customer.organization_id}-customer",
        )
        return created["id"]

    def issue_invoice(self, draft: DraftInvoice) -> RemoteInvoice:
        key = draft.idempotency_key
        created = self._create(
            "create the invoice",
            self.client.v1.invoices.create,
            objects.invoice_params(draft),
            f"{key}-create",
        )
        stripe_id = created["id"]
        for line in draft.lines:
            self._create(
                "add a line to the invoice",
                self.client.v1.invoice_items.create,
                objects.invoice_item_params(draft, line, stripe_id=stripe_id),
                f"{key}-line-{line.line_id}",
            )
        finalized = self._call(
            "finalize the invoice",
            lambda: self.client.v1.invoices.finalize_invoice(
                stripe_id, params={"auto_advance": False}, options=self._options(f"{key}-finalize")
            ),
        )
        return objects.remote_invoice(finalized)

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
        return objects.remote_invoice(
            invoice, payments=[objects.remote_invoice_payment(p) for p in payments["data"]]
        )

    def default_payment_method(self, customer_id: str) -> str:
        customer = self._call(
            "read the customer", lambda: self.client.v1.customers.retrieve(customer_id)
        )
        if customer.get("deleted"):
            return ""
        settings_ = customer.get("invoice_settings") or {}
        return objects.object_id(settings_.get("default_payment_method")) or objects.object_id(
            customer.get("default_source")
        )

    def pay_invoice(self, invoice_id: str, *, idempotency_key: str) -> RemoteInvoice:
        return objects.remote_invoice(
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
            return objects.object_id(item.get("invoice")) or None
        return None

    def void_invoice(self, invoice_id: str, *, idempotency_key: str) -> RemoteInvoice:
        return objects.remote_invoice(
            self._call(
                "void the invoice",
                lambda: self.client.v1.invoices.void_invoice(
                    invoice_id, options=self._options(idempotency_key)
                ),
            )
        )

    def mark_uncollectible(self, invoice_id: str, *, idempotency_key: str) -> RemoteInvoice:
        return objects.remote_invoice(
            self._call(
                "mark the invoice uncollectible",
                lambda: self.client.v1.invoices.mark_uncollectible(
                    invoice_id, options=self._options(idempotency_key)
                ),
            )
        )

    def mark_paid_out_of_band(self, invoice_id: str, *, idempotency_key: str) -> RemoteInvoice:
        return objects.remote_invoice(
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
        params = objects.credit_note_params(invoice_id, amount=amount, memo=memo, metadata=metadata)
        note = self._create(
            "lower what the invoice asks for",
            self.client.v1.credit_notes.create,
            params,
            idempotency_key,
        )
        return objects.remote_credit_note(note)

    # --- payments and refunds --------------------------------------------------------------

    def retrieve_payment(self, payment_intent_id: str) -> RemotePayment:
        intent = self._call(
            "read the payment",
            lambda: self.client.v1.payment_intents.retrieve(
                payment_intent_id, params={"expand": ["latest_charge.balance_transaction"]}
            ),
        )
        return objects.remote_payment(intent)

    def create_refund(
        self,
        *,
        payment_intent_id: str,
        amount: Decimal,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> RemoteRefund:
        params = objects.refund_params(payment_intent_id, amount=amount, metadata=metadata)
        refund = self._create(
            "refund the payment", self.client.v1.refunds.create, params, idempotency_key
        )
        return objects.remote_refund(refund)

    def list_refunds(self, payment_intent_id: str) -> list[RemoteRefund]:
        refunds = self._call(
            "read the payment's refunds",
            lambda: self.client.v1.refunds.list(
                params={"payment_intent": payment_intent_id, "limit": 100}
            ),
        )
        return [objects.remote_refund(r) for r in refunds["data"]]

    def retrieve_dispute(self, dispute_id: str) -> RemoteDispute:
        return objects.remote_dispute(
            self._call("read the dispute", lambda: self.client.v1.disputes.retrieve(dispute_id))
        )

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
        params = objects.checkout_params(
            lines=lines,
            success_url=success_url,
            cancel_url=cancel_url,
            customer_email=customer_email,
            metadata=metadata,
        )
        session = self._create(
            "start the checkout", self.client.v1.checkout.sessions.create, params, idempotency_key
        )
        return objects.checkout_session(session)

    def retrieve_checkout_session(self, session_id: str) -> CheckoutSession:
        return objects.checkout_session(
            self._call(
                "read the checkout",
                lambda: self.client.v1.checkout.sessions.retrieve(session_id),
            )
        )

    def create_setup_session(
        self,
        *,
        customer_id: str,
        success_url: str,
        cancel_url: str,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> CheckoutSession:
        params = objects.setup_params(
            customer_id=customer_id,
            success_url=success_url,
            cancel_url=cancel_url,
            metadata=metadata,
        )
        session = self._create(
            "start saving a payment method",
            self.client.v1.checkout.sessions.create,
            params,
            idempotency_key,
        )
        return objects.checkout_session(session)

    def retrieve_setup_session(self, session_id: str) -> CheckoutSession:
        return objects.checkout_session(
            self._call(
                "read the saved payment method",
                lambda: self.client.v1.checkout.sessions.retrieve(
                    session_id, params={"expand": ["setup_intent.payment_method"]}
                ),
            )
        )

    def set_default_payment_method(
        self, customer_id: str, payment_method_id: str, *, idempotency_key: str
    ) -> None:
        self._call(
            "make the payment method the customer's default",
            lambda: self.client.v1.customers.update(
                customer_id,
                params={"invoice_settings": {"default_payment_method": payment_method_id}},
                options=self._options(idempotency_key),
            ),
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
        arrival = objects.arrival_dates(since, until)
        found = self._list_all(
            "list the payouts",
            lambda params: self.client.v1.payouts.list(
                params=cast(Any, {**params, "arrival_date": arrival})
            ),
        )
        return [objects.remote_payout(p) for p in found]

    def retrieve_payout(self, payout_id: str) -> RemotePayout:
        return objects.remote_payout(
            self._call("read the payout", lambda: self.client.v1.payouts.retrieve(payout_id))
        )

    def list_payout_transactions(self, payout_id: str) -> list[RemoteBalanceTransaction]:
        found = self._list_all(
            "list the payout's transactions",
            lambda params: self.client.v1.balance_transactions.list(
                params=cast(Any, {**params, "payout": payout_id, "expand": ["data.source"]})
            ),
        )
        return [objects.remote_balance_transaction(t) for t in found]
