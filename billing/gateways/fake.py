"""FakeGateway keeps Stripe-like objects in memory, for tests: a test plays the payer's side with
`pay()`, `start_ach()`, `settle_ach()` and then sends the webhook Stripe would send. Its payouts,
and the bookkeeping it shares with them, are in billing/gateways/fake_payouts.py.
"""

from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from billing.gateways.base import (
    CheckoutLine,
    CheckoutSession,
    CustomerDetails,
    DraftInvoice,
    GatewayError,
    RemoteCreditNote,
    RemoteDispute,
    RemoteInvoice,
    RemoteInvoicePayment,
    RemotePayment,
    RemotePaymentMethod,
    RemoteRefund,
)
from billing.gateways.fake_payouts import FakePayouts
from billing.money import ZERO


class FakeGateway(FakePayouts):
    """An in-memory Stripe. Idempotency keys replay the first answer, as Stripe's do."""

    is_remote = True
    name = "fake"

    def __init__(self) -> None:
        super().__init__()
        self.customers: dict[str, CustomerDetails] = {}
        self.invoices: dict[str, RemoteInvoice] = {}
        self.invoice_payments: dict[str, list[RemoteInvoicePayment]] = {}
        self.refunds: dict[str, list[RemoteRefund]] = {}
        self.credit_notes: dict[str, list[RemoteCreditNote]] = {}
        self.sessions: dict[str, CheckoutSession] = {}
        self.success_urls: dict[str, str] = {}
        # Auto-renewal: customers' saved payment methods, and the ones whose card is declined.
        self.payment_methods: dict[str, str] = {}
        self.declined: set[str] = set()
        self.invoice_customers: dict[str, str] = {}
        self.collection: dict[str, str] = {}
        self.disputes: dict[str, RemoteDispute] = {}

    # --- the Gateway interface ------------------------------------------------------------

    def ensure_customer(self, customer: CustomerDetails) -> str:
        if customer.existing_id:
            return customer.existing_id
        with self._lock:
            key = f"organization-{customer.organization_id}-customer"
            replay = self._begin("create the customer", key)
            if replay is not None:
                return str(replay)
            customer_id = self._new_id("cus")
            self.customers[customer_id] = customer
            self._replies[key] = customer_id
            return customer_id

    def issue_invoice(self, draft: DraftInvoice) -> RemoteInvoice:
        with self._lock:
            key = f"{draft.idempotency_key}-finalize"
            replay = self._begin("create the invoice", key)
            if isinstance(replay, str):
                return self.invoices[replay]
            invoice_id = self._new_id("in")
            total = sum((line.amount for line in draft.lines), ZERO)
            invoice = RemoteInvoice(
                id=invoice_id,
                status="open",
                total=total,
                amount_paid=ZERO,
                amount_remaining=total,
                hosted_url=f"https://invoice.stripe.test/i/{invoice_id}",
                pdf_url=f"https://pay.stripe.test/invoice/{invoice_id}/pdf",
                metadata={"invoice_id": str(draft.invoice_id), **draft.metadata},
            )
            self.invoices[invoice_id] = invoice
            self.invoice_payments[invoice_id] = []
            self.invoice_customers[invoice_id] = draft.customer_id
            self.collection[invoice_id] = (
                "charge_automatically" if draft.charge_automatically else "send_invoice"
            )
            self._replies[key] = invoice_id
            return invoice

    def default_payment_method(self, customer_id: str) -> str:
        with self._lock:
            self._begin("read the customer")
            return self.payment_methods.get(customer_id, "")

    def pay_invoice(self, invoice_id: str, *, idempotency_key: str) -> RemoteInvoice:
        with self._lock:
            replay = self._begin("charge the saved payment method", idempotency_key)
            if isinstance(replay, str):
                return self.invoices[replay]
            invoice = self._get_invoice(invoice_id)
            if invoice.status != "open":
                raise GatewayError("Invoice is already paid or void.", retriable=False)
            customer_id = self.invoice_customers.get(invoice_id, "")
            if not self.payment_methods.get(customer_id):
                raise GatewayError(
                    "Stripe could not charge the saved payment method: the customer has none.",
                    code="missing_payment_method",
                    retriable=False,
                )
            if customer_id in self.declined:
                self._attempt(
                    invoice_id,
                    method="card",
                    status="failed",
                    failure="Your card was declined.",
                )
                raise GatewayError(
                    "Stripe could not charge the saved payment method: Your card was declined.",
                    code="card_declined",
                    retriable=False,
                )
            self._attempt(invoice_id, method="card", status="succeeded")
            self._replies[idempotency_key] = invoice_id
            return self.invoices[invoice_id]

    def retrieve_invoice(self, invoice_id: str) -> RemoteInvoice:
        with self._lock:
            self._begin("read the invoice")
            invoice = self._get_invoice(invoice_id)
            return replace(invoice, payments=tuple(self.invoice_payments.get(invoice_id, [])))

    def invoice_id_for_payment(self, payment_intent_id: str) -> str | None:
        with self._lock:
            self._begin("find the invoice of a payment")
            for invoice_id, items in self.invoice_payments.items():
                if any(item.payment_intent_id == payment_intent_id for item in items):
                    return invoice_id
            return None

    def retrieve_payment(self, payment_intent_id: str) -> RemotePayment:
        with self._lock:
            self._begin("read the payment")
            try:
                return self.payments[payment_intent_id]
            except KeyError:
                raise GatewayError(
                    f"No such payment_intent: {payment_intent_id}", retriable=False
                ) from None

    def void_invoice(self, invoice_id: str, *, idempotency_key: str) -> RemoteInvoice:
        return self._set_status(invoice_id, "void", "void the invoice", idempotency_key)

    def mark_uncollectible(self, invoice_id: str, *, idempotency_key: str) -> RemoteInvoice:
        return self._set_status(
            invoice_id, "uncollectible", "mark the invoice uncollectible", idempotency_key
        )

    def mark_paid_out_of_band(self, invoice_id: str, *, idempotency_key: str) -> RemoteInvoice:
        invoice = self._set_status(invoice_id, "paid", "mark the invoice paid", idempotency_key)
        with self._lock:
            invoice = replace(invoice, paid_out_of_band=True, amount_remaining=ZERO)
            self.invoices[invoice_id] = invoice
        return invoice

    def credit_invoice(
        self,
        invoice_id: str,
        *,
        amount: Decimal,
        memo: str,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> RemoteCreditNote:
        return self._once(
            "lower what the invoice asks for",
            idempotency_key,
            RemoteCreditNote,
            lambda: self._add_credit_note(invoice_id, amount),
        )

    def _add_credit_note(self, invoice_id: str, amount: Decimal) -> RemoteCreditNote:
        invoice = self._get_invoice(invoice_id)
        if invoice.status != "open":
            raise GatewayError(
                f"Invoice {invoice_id} is {invoice.status}: a credit note before payment "
                f"needs an open invoice.",
                retriable=False,
            )
        if amount > invoice.amount_remaining:
            raise GatewayError(
                "The credit note is more than the invoice's amount remaining.",
                retriable=False,
            )
        remaining = invoice.amount_remaining - amount
        self.invoices[invoice_id] = replace(
            invoice,
            amount_remaining=remaining,
            status="paid" if remaining == ZERO else invoice.status,
        )
        note = RemoteCreditNote(
            id=self._new_id("cn"),
            invoice_id=invoice_id,
            amount=amount,
            invoice_amount_remaining=remaining,
        )
        self.credit_notes.setdefault(invoice_id, []).append(note)
        return note

    def create_refund(
        self,
        *,
        payment_intent_id: str,
        amount: Decimal,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> RemoteRefund:
        def refund() -> RemoteRefund:
            payment = self.payments.get(payment_intent_id)
            if payment is None or payment.status != "succeeded":
                raise GatewayError("This payment cannot be refunded.", retriable=False)
            return self._add_refund(payment_intent_id, amount, metadata=dict(metadata))

        return self._once("refund the payment", idempotency_key, RemoteRefund, refund)

    def list_refunds(self, payment_intent_id: str) -> list[RemoteRefund]:
        with self._lock:
            self._begin("read the payment's refunds")
            return list(self.refunds.get(payment_intent_id, []))

    def retrieve_dispute(self, dispute_id: str) -> RemoteDispute:
        with self._lock:
            self._begin("read the dispute")
            try:
                return self.disputes[dispute_id]
            except KeyError:
                raise GatewayError(f"No such dispute: {dispute_id}", retriable=False) from None

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
        def start() -> CheckoutSession:
            session_id = self._new_id("cs")
            session = CheckoutSession(
                id=session_id,
                url=f"https://checkout.stripe.test/c/{session_id}",
                payment_status="unpaid",
                status="open",
                metadata=dict(metadata),
            )
            self.sessions[session_id] = session
            return session

        return self._once("start the checkout", idempotency_key, CheckoutSession, start)

    def retrieve_checkout_session(self, session_id: str) -> CheckoutSession:
        with self._lock:
            self._begin("read the checkout")
            return self.sessions[session_id]

    def create_setup_session(
        self,
        *,
        customer_id: str,
        success_url: str,
        cancel_url: str,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> CheckoutSession:
        def start() -> CheckoutSession:
            session_id = self._new_id("cs")
            session = CheckoutSession(
                id=session_id,
                url=f"https://checkout.stripe.test/c/{session_id}",
                status="open",
                metadata=dict(metadata),
                mode="setup",
                customer_id=customer_id,
            )
            self.sessions[session_id] = session
            self.success_urls[session_id] = success_url
            return session

        return self._once("start saving a payment method", idempotency_key, CheckoutSession, start)

    def retrieve_setup_session(self, session_id: str) -> CheckoutSession:
        with self._lock:
            self._begin("read the saved payment method")
            try:
                return self.sessions[session_id]
            except KeyError:
                raise GatewayError(f"No such checkout: {session_id}", retriable=False) from None

    def set_default_payment_method(
        self, customer_id: str, payment_method_id: str, *, idempotency_key: str
    ) -> None:
        with self._lock:
            self._begin("make the payment method the customer's default", idempotency_key)
            self.payment_methods[customer_id] = payment_method_id

    # --- the payer's side, for tests -------------------------------------------------------

    def _get_invoice(self, invoice_id: str) -> RemoteInvoice:
        try:
            return self.invoices[invoice_id]
        except KeyError:
            raise GatewayError(f"No such invoice: {invoice_id}", retriable=False) from None

    def _set_status(self, invoice_id: str, status: str, call: str, key: str) -> RemoteInvoice:
        with self._lock:
            self._begin(call, key)
            invoice = replace(self._get_invoice(invoice_id), status=status)
            self.invoices[invoice_id] = invoice
            return invoice

    def _attempt(self, invoice_id: str, *, method: str, status: str, failure: str = "") -> str:
        invoice = self._get_invoice(invoice_id)
        intent_id = self._new_id("pi")
        amount = invoice.amount_remaining
        fee = (amount * Decimal("0.029") + Decimal("0.30")).quantize(Decimal("0.01"))
        succeeded = status == "succeeded"
        self.payments[intent_id] = RemotePayment(
            id=intent_id,
            status=status,
            amount=amount,
            method=method,
            charge_id=self._new_id("ch"),
            fee=fee if succeeded else None,
            net=amount - fee if succeeded else None,
            failure_message=failure,
        )
        self.invoice_payments[invoice_id].append(
            RemoteInvoicePayment(
                id=self._new_id("inpay"),
                status="paid" if succeeded else "open",
                amount_paid=amount if succeeded else None,
                payment_intent_id=intent_id,
            )
        )
        if succeeded:
            self._settle(invoice_id, amount)
        return intent_id

    def _settle(self, invoice_id: str, amount: Decimal) -> None:
        invoice = self.invoices[invoice_id]
        self.invoices[invoice_id] = replace(
            invoice,
            status="paid",
            amount_paid=invoice.amount_paid + amount,
            amount_remaining=max(invoice.amount_remaining - amount, ZERO),
        )

    def save_payment_method(self, customer_id: str, payment_method_id: str = "") -> str:
        """The payer saved a card with Stripe (its customer's default payment method)."""
        with self._lock:
            method = payment_method_id or self._new_id("pm")
            self.payment_methods[customer_id] = method
            return method

    def complete_setup(
        self, session_id: str, *, kind: str = "card", brand: str = "visa", last4: str = "4242"
    ) -> str:
        """The payer saves a card on Checkout's setup page; the URL Stripe sends them back to."""
        with self._lock:
            session = self.sessions[session_id]
            card = kind == "card"
            expiry = {"exp_month": 12, "exp_year": 2030} if card else {}
            method = RemotePaymentMethod(self._new_id("pm"), kind, brand, last4, **expiry)
            self.sessions[session_id] = replace(session, status="complete", payment_method=method)
            return self.success_urls[session_id].replace("{CHECKOUT_SESSION_ID}", session_id)

    def pay(self, invoice_id: str, *, method: str = "card") -> str:
        """The payer pays the hosted invoice; returns the PaymentIntent id."""
        with self._lock:
            return self._attempt(invoice_id, method=method, status="succeeded")

    def start_ach(self, invoice_id: str) -> str:
        """The payer authorizes an ACH debit: it stays processing for days."""
        with self._lock:
            return self._attempt(invoice_id, method="ach", status="pending")

    def settle_ach(self, payment_intent_id: str, *, succeeded: bool) -> None:
        with self._lock:
            payment = self.payments[payment_intent_id]
            if succeeded:
                fee = min(payment.amount * Decimal("0.008"), Decimal("5.00")).quantize(
                    Decimal("0.01")
                )
                self.payments[payment_intent_id] = replace(
                    payment, status="succeeded", fee=fee, net=payment.amount - fee
                )
            else:
                self.payments[payment_intent_id] = replace(
                    payment,
                    status="failed",
                    failure_message="The customer's bank account has insufficient funds.",
                )
            for invoice_id, items in self.invoice_payments.items():
                for i, item in enumerate(items):
                    if item.payment_intent_id == payment_intent_id:
                        items[i] = replace(
                            item,
                            status="paid" if succeeded else "canceled",
                            amount_paid=payment.amount if succeeded else None,
                        )
                        if succeeded:
                            self._settle(invoice_id, payment.amount)

    def dispute(
        self,
        payment_intent_id: str,
        *,
        status: str = "needs_response",
        withdrawn: bool = True,
        fee: Decimal = Decimal("15.00"),
        dispute_id: str = "",
        reason: str = "fraudulent",
        evidence_due_by: datetime | None = None,
    ) -> RemoteDispute:
        """The payer's bank disputes the payment and Stripe withdraws it with the fee (or the
        dispute moves on: the same `dispute_id` with another status; won, the money comes back,
        `withdrawn` False, with the fee when `fee` is 0)."""
        with self._lock:
            payment = self.payments[payment_intent_id]
            dispute = RemoteDispute(
                id=dispute_id or self._new_id("dp"),
                status=status,
                amount=payment.amount,
                charge_id=payment.charge_id,
                payment_intent_id=payment_intent_id,
                reason=reason,
                withdrawn=payment.amount if withdrawn else ZERO,
                fee=fee,
                evidence_due_by=evidence_due_by,
            )
            self.disputes[dispute.id] = dispute
            return dispute

    def return_payment(self, payment_intent_id: str) -> None:
        """The payer's bank returns an ACH debit that had succeeded: its charge fails after all
        (Stripe takes the money back as a `payment_failure_refund`)."""
        with self._lock:
            self.payments[payment_intent_id] = replace(
                self.payments[payment_intent_id],
                status="failed",
                failure_message="The customer's bank returned the payment (R01).",
            )

    def retry(self, payment_intent_id: str, *, method: str = "card") -> str:
        """The payer pays again on the hosted page after a failed attempt: the same
        PaymentIntent succeeds with a new charge (and method). Returns the new charge's id."""
        with self._lock:
            payment = self.payments[payment_intent_id]
            fee = (payment.amount * Decimal("0.029") + Decimal("0.30")).quantize(Decimal("0.01"))
            charge_id = self._new_id("ch")
            self.payments[payment_intent_id] = replace(
                payment,
                status="succeeded",
                method=method,
                charge_id=charge_id,
                fee=fee,
                net=payment.amount - fee,
                failure_message="",
            )
            for invoice_id, items in self.invoice_payments.items():
                for i, item in enumerate(items):
                    if item.payment_intent_id == payment_intent_id:
                        items[i] = replace(item, status="paid", amount_paid=payment.amount)
                        self._settle(invoice_id, payment.amount)
            return charge_id

    def refund_in_dashboard(self, payment_intent_id: str, amount: Decimal) -> RemoteRefund:
        """Someone refunds from Stripe's dashboard: we learn of it from charge.refunded."""
        with self._lock:
            return self._add_refund(payment_intent_id, amount)

    def _add_refund(
        self, payment_intent_id: str, amount: Decimal, *, metadata: dict[str, str] | None = None
    ) -> RemoteRefund:
        refund = RemoteRefund(
            id=self._new_id("re"),
            amount=amount,
            status="succeeded",
            payment_intent_id=payment_intent_id,
            charge_id=self.payments[payment_intent_id].charge_id,
            metadata=metadata or {},
        )
        self.refunds.setdefault(payment_intent_id, []).append(refund)
        return refund
