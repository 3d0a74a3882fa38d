"""The payment gateway as the rest of the system sees it: a few calls that take and return plain
dataclasses, so nothing outside billing/gateways/stripe.py knows Stripe's object shapes. Also
OfflineGateway, which runs with no STRIPE_SECRET_KEY: nothing is sent anywhere, invoices carry
payment instructions, and staff record what they receive. It never reports a payment."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol


class GatewayError(Exception):
    """A call to the processor failed; `message` is fit to show to finance staff."""

    def __init__(self, message: str, *, code: str = "", retriable: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.retriable = retriable


class WebhookSignatureError(Exception):
    """The webhook's signature is missing, wrong or too old."""


@dataclass(frozen=True)
class CustomerDetails:
    organization_id: int
    name: str
    email: str
    existing_id: str = ""


@dataclass(frozen=True)
class DraftLine:
    line_id: int
    description: str
    amount: Decimal
    period_start: date | None = None
    period_end: date | None = None


@dataclass(frozen=True)
class DraftInvoice:
    invoice_id: int
    number: str
    customer_id: str
    days_until_due: int
    description: str
    lines: tuple[DraftLine, ...]
    metadata: dict[str, str] = field(default_factory=dict)
    # Charge the customer's saved payment method (auto-renewal) rather than send a payable
    # invoice; the charge itself is `Gateway.pay_invoice`.
    charge_automatically: bool = False
    # The idempotency keys' stem: one per Stripe invoice of ours (a reopened invoice gets a
    # new Stripe invoice of its own, since Stripe's first copy is paid).
    key: str = ""

    @property
    def idempotency_key(self) -> str:
        return self.key or f"invoice-{self.invoice_id}"


@dataclass(frozen=True)
class RemoteInvoicePayment:
    id: str
    status: str  # "open", "paid" or "canceled"
    amount_paid: Decimal | None
    payment_intent_id: str = ""
    charge_id: str = ""


@dataclass(frozen=True)
class RemoteInvoice:
    id: str
    status: str  # "draft", "open", "paid", "void", "uncollectible"
    total: Decimal
    amount_paid: Decimal
    amount_remaining: Decimal
    hosted_url: str = ""
    pdf_url: str = ""
    paid_out_of_band: bool = False
    metadata: dict[str, str] = field(default_factory=dict)
    payments: tuple[RemoteInvoicePayment, ...] = ()
    currency: str = "usd"  # ISO 4217, lower case, as Stripe writes it


@dataclass(frozen=True)
class RemoteCreditNote:
    """A credit note on a Stripe invoice: on an open invoice it lowers what Stripe asks the
    payer for (`invoice_amount_remaining` is what remains due after it)."""

    id: str
    invoice_id: str
    amount: Decimal
    status: str = "issued"
    invoice_amount_remaining: Decimal | None = None


@dataclass(frozen=True)
class RemotePayment:
    """A PaymentIntent as we record it: status is "pending" (processing, as ACH is for days),
    "succeeded", "failed", or "incomplete" (nothing attempted yet: nothing to record)."""

    id: str
    status: str
    amount: Decimal
    method: str  # "card" or "ach"
    charge_id: str = ""
    fee: Decimal | None = None
    net: Decimal | None = None
    failure_message: str = ""
    created: datetime | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    currency: str = "usd"


@dataclass(frozen=True)
class RemoteRefund:
    id: str
    amount: Decimal
    status: str  # "pending", "succeeded", "failed"
    payment_intent_id: str = ""
    charge_id: str = ""
    failure_message: str = ""
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RemoteDispute:
    """A dispute (chargeback) as Stripe holds it now. `status` is Stripe's ("needs_response",
    "under_review", "won", "lost", "warning_..."); `withdrawn` is what its balance
    transactions took from the balance and have not given back (the amount while it is open or
    lost, 0 once won or for an inquiry); `fee` the dispute fee they charged, net of any fee
    they returned."""

    id: str
    status: str
    amount: Decimal
    charge_id: str = ""
    payment_intent_id: str = ""
    reason: str = ""
    withdrawn: Decimal = Decimal("0.00")
    fee: Decimal = Decimal("0.00")
    evidence_due_by: datetime | None = None
    currency: str = "usd"


@dataclass(frozen=True)
class CheckoutLine:
    description: str
    amount: Decimal
    quantity: int = 1


@dataclass(frozen=True)
class RemotePaymentMethod:
    """A payment method saved with Stripe, as much as we show of it: `kind` is "card" or
    "us_bank_account", `brand` the card's brand or the bank's name, `last4` its last digits."""

    id: str
    kind: str
    brand: str = ""
    last4: str = ""
    exp_month: int | None = None
    exp_year: int | None = None


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str
    payment_intent_id: str = ""
    payment_status: str = ""  # "paid", "unpaid", "no_payment_required"
    status: str = ""  # "open", "complete", "expired"
    metadata: dict[str, str] = field(default_factory=dict)
    mode: str = "payment"  # or "setup": a payment method saved for later, nothing charged
    customer_id: str = ""
    # In setup mode, once complete: the payment method the payer saved.
    payment_method: RemotePaymentMethod | None = None


@dataclass(frozen=True)
class RemotePayout:
    """A payout to the bank: status is "pending", "in_transit", "paid", "failed" or
    "canceled"."""

    id: str
    status: str
    amount: Decimal
    arrival_date: date
    currency: str = "usd"
    created: datetime | None = None
    description: str = ""
    failure_message: str = ""


@dataclass(frozen=True)
class RemoteBalanceTransaction:
    """One movement of money in a payout. `type` is Stripe's ("charge", "payment", "refund",
    "payment_refund", "adjustment", "stripe_fee", "payout"...); the ids of what it moved
    (the charge, refund or dispute and its PaymentIntent) are read from its source."""

    id: str
    type: str
    amount: Decimal
    fee: Decimal
    net: Decimal
    reporting_category: str = ""
    source_id: str = ""
    charge_id: str = ""
    payment_intent_id: str = ""
    description: str = ""
    created: datetime | None = None


class Gateway(Protocol):
    """What billing needs from a processor. `is_remote` is False for the offline gateway: then
    invoices carry payment instructions and staff record the payments."""

    is_remote: bool
    name: str

    def ensure_customer(self, customer: CustomerDetails) -> str: ...

    def issue_invoice(self, draft: DraftInvoice) -> RemoteInvoice: ...

    def retrieve_invoice(self, invoice_id: str) -> RemoteInvoice: ...

    def default_payment_method(self, customer_id: str) -> str:
        """The customer's saved default payment method, or "" when there is none."""
        ...

    def pay_invoice(self, invoice_id: str, *, idempotency_key: str) -> RemoteInvoice:
        """Charge an open invoice to the customer's saved payment method now. A decline raises
        GatewayError (code "card_declined" and the like); the invoice stays open to pay."""
        ...

    def invoice_id_for_payment(self, payment_intent_id: str) -> str | None: ...

    def retrieve_payment(self, payment_intent_id: str) -> RemotePayment: ...

    def void_invoice(self, invoice_id: str, *, idempotency_key: str) -> RemoteInvoice: ...

    def mark_uncollectible(self, invoice_id: str, *, idempotency_key: str) -> RemoteInvoice: ...

    def mark_paid_out_of_band(self, invoice_id: str, *, idempotency_key: str) -> RemoteInvoice: ...

    def credit_invoice(
        self,
        invoice_id: str,
        *,
        amount: Decimal,
        memo: str,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> RemoteCreditNote:
        """Take `amount`, paid another way (a check, account credit), off what the open invoice
        asks the payer for: a credit note before payment, so Stripe never asks for it again."""
        ...

    def create_refund(
        self,
        *,
        payment_intent_id: str,
        amount: Decimal,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> RemoteRefund: ...

    def list_refunds(self, payment_intent_id: str) -> list[RemoteRefund]: ...

    def retrieve_dispute(self, dispute_id: str) -> RemoteDispute: ...

    def create_checkout_session(
        self,
        *,
        lines: list[CheckoutLine],
        success_url: str,
        cancel_url: str,
        customer_email: str,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> CheckoutSession: ...

    def retrieve_checkout_session(self, session_id: str) -> CheckoutSession: ...

    def create_setup_session(
        self,
        *,
        customer_id: str,
        success_url: str,
        cancel_url: str,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> CheckoutSession:
        """Stripe Checkout in setup mode: the payer saves a card or a US bank account on the
        customer's page at Stripe (card data never reaches us); nothing is charged."""
        ...

    def retrieve_setup_session(self, session_id: str) -> CheckoutSession:
        """A setup-mode Checkout with the payment method it saved (once complete)."""
        ...

    def set_default_payment_method(
        self, customer_id: str, payment_method_id: str, *, idempotency_key: str
    ) -> None:
        """Make the payment method the one Stripe charges the customer's invoices to."""
        ...

    def list_payouts(self, *, since: date, until: date) -> list[RemotePayout]: ...

    def retrieve_payout(self, payout_id: str) -> RemotePayout: ...

    def list_payout_transactions(self, payout_id: str) -> list[RemoteBalanceTransaction]: ...


class OfflineGateway:
    is_remote = False
    name = "offline"

    def _refuse(self) -> GatewayError:
        return GatewayError(
            "Stripe is not configured (STRIPE_SECRET_KEY is empty): record the payment by hand.",
            retriable=False,
        )

    def ensure_customer(self, customer: CustomerDetails) -> str:
        raise self._refuse()

    def issue_invoice(self, draft: DraftInvoice) -> RemoteInvoice:
        raise self._refuse()

    def retrieve_invoice(self, invoice_id: str) -> RemoteInvoice:
        raise self._refuse()

    def invoice_id_for_payment(self, payment_intent_id: str) -> str | None:
        raise self._refuse()

    def default_payment_method(self, customer_id: str) -> str:
        raise self._refuse()

    def pay_invoice(self, invoice_id: str, *, idempotency_key: str) -> RemoteInvoice:
        raise self._refuse()

    def retrieve_payment(self, payment_intent_id: str) -> RemotePayment:
        raise self._refuse()

    def void_invoice(self, invoice_id: str, *, idempotency_key: str) -> RemoteInvoice:
        raise self._refuse()

    def mark_uncollectible(self, invoice_id: str, *, idempotency_key: str) -> RemoteInvoice:
        raise self._refuse()

    def mark_paid_out_of_band(self, invoice_id: str, *, idempotency_key: str) -> RemoteInvoice:
        raise self._refuse()

    def credit_invoice(
        self,
        invoice_id: str,
        *,
        amount: Decimal,
        memo: str,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> RemoteCreditNote:
        raise self._refuse()

    def create_refund(
        self,
        *,
        payment_intent_id: str,
        amount: Decimal,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> RemoteRefund:
        raise self._refuse()

    def list_refunds(self, payment_intent_id: str) -> list[RemoteRefund]:
        raise self._refuse()

    def retrieve_dispute(self, dispute_id: str) -> RemoteDispute:
        raise self._refuse()

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
        raise self._refuse()

    def retrieve_checkout_session(self, session_id: str) -> CheckoutSession:
        raise self._refuse()

    def create_setup_session(
        self,
        *,
        customer_id: str,
        success_url: str,
        cancel_url: str,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> CheckoutSession:
        raise self._refuse()

    def retrieve_setup_session(self, session_id: str) -> CheckoutSession:
        raise self._refuse()

    def set_default_payment_method(
        self, customer_id: str, payment_method_id: str, *, idempotency_key: str
    ) -> None:
        raise self._refuse()

    def list_payouts(self, *, since: date, until: date) -> list[RemotePayout]:
        raise self._refuse()

    def retrieve_payout(self, payout_id: str) -> RemotePayout:
        raise self._refuse()

    def list_payout_transactions(self, payout_id: str) -> list[RemoteBalanceTransaction]:
        raise self._refuse()
