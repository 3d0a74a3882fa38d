"""Stripe's shapes without the library, for billing/gateways/stripe.py: the parameters its
requests send, the checks on a webhook's body, and Stripe's objects (as plain dicts) turned into
the dataclasses of billing.gateways.base. Nothing here sends a request."""

import json
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from billing.gateways.base import (
    CheckoutLine,
    CheckoutSession,
    CustomerDetails,
    DraftInvoice,
    DraftLine,
    RemoteBalanceTransaction,
    RemoteCreditNote,
    RemoteDispute,
    RemoteInvoice,
    RemoteInvoicePayment,
    RemotePayment,
    RemotePaymentMethod,
    RemotePayout,
    RemoteRefund,
    WebhookSignatureError,
)
from billing.money import CURRENCY, from_minor_units, to_minor_units

# Payment method types a payer may use on the hosted invoice page.
INVOICE_PAYMENT_METHODS = ["card", "us_bank_account"]
ACH_TYPES = {"us_bank_account", "ach_debit", "ach_credit_transfer"}


# --- webhooks --------------------------------------------------------------------------------


def signature_timestamp(header: str) -> int:
    """The `t=` of a Stripe-Signature header (the library checked it is there and numeric)."""
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and value.isdigit():
            return int(value)
    raise WebhookSignatureError("The signature has no timestamp.")


def parse_event(payload: bytes) -> dict:
    """The event in a webhook's body, once its signature is checked; WebhookSignatureError when
    the body is not a Stripe event."""
    try:
        event = json.loads(payload)
    except ValueError as exc:
        raise WebhookSignatureError("The body is not JSON.") from exc
    if not isinstance(event, dict) or not event.get("id") or not event.get("type"):
        raise WebhookSignatureError("The body is not a Stripe event.")
    return event


# --- parameters ------------------------------------------------------------------------------


def _day_start(day: date) -> int:
    """Midnight UTC of `day`, as Stripe's Unix timestamp."""
    return int(datetime.combine(day, time.min, UTC).timestamp())


def customer_params(customer: CustomerDetails) -> dict[str, Any]:
    params: dict[str, Any] = {
        "name": customer.name,
        "metadata": {"organization_id": str(customer.organization_id)},
    }
    if customer.email:
        params["email"] = customer.email
    return params


def invoice_params(draft: DraftInvoice) -> dict[str, Any]:
    metadata = {"invoice_id": str(draft.invoice_id), "invoice_number": draft.number}
    metadata.update(draft.metadata)
    params: dict[str, Any] = {
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
        params["collection_method"] = "charge_automatically"
    else:
        params["collection_method"] = "send_invoice"
        params["days_until_due"] = draft.days_until_due
    return params


def invoice_item_params(draft: DraftInvoice, line: DraftLine, *, stripe_id: str) -> dict[str, Any]:
    """One line of `draft`, as an item on Stripe's invoice `stripe_id`."""
    params: dict[str, Any] = {
        "customer": draft.customer_id,
        "invoice": stripe_id,
        "amount": to_minor_units(line.amount),
        "currency": CURRENCY,
        "description": line.description,
        "metadata": {"invoice_id": str(draft.invoice_id), "line_id": str(line.line_id)},
    }
    if line.period_start and line.period_end:
        params["period"] = {
            "start": _day_start(line.period_start),
            "end": _day_start(line.period_end),
        }
    return params


def credit_note_params(
    invoice_id: str, *, amount: Decimal, memo: str, metadata: dict[str, str]
) -> dict[str, Any]:
    return {
        "invoice": invoice_id,
        "amount": to_minor_units(amount),
        "memo": memo[:500],
        "metadata": metadata,
    }


def refund_params(
    payment_intent_id: str, *, amount: Decimal, metadata: dict[str, str]
) -> dict[str, Any]:
    return {
        "payment_intent": payment_intent_id,
        "amount": to_minor_units(amount),
        "reason": "requested_by_customer",
        "metadata": metadata,
    }


def checkout_params(
    *,
    lines: list[CheckoutLine],
    success_url: str,
    cancel_url: str,
    customer_email: str,
    metadata: dict[str, str],
) -> dict[str, Any]:
    params: dict[str, Any] = {
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
    return params


def setup_params(
    *, customer_id: str, success_url: str, cancel_url: str, metadata: dict[str, str]
) -> dict[str, Any]:
    """Checkout in setup mode: the payer saves a card or a US bank account on the customer for
    later charges (off session); nothing is charged now."""
    return {
        "mode": "setup",
        "customer": customer_id,
        "currency": CURRENCY,
        "success_url": success_url,
        "cancel_url": cancel_url,
        "payment_method_types": INVOICE_PAYMENT_METHODS,
        "metadata": metadata,
        "setup_intent_data": {"metadata": metadata},
    }


def arrival_dates(since: date, until: date) -> dict[str, int]:
    """The filter on a payout's arrival date for the days from `since` to `until`, both
    included."""
    return {"gte": _day_start(since), "lte": _day_start(until + timedelta(days=1)) - 1}


# --- Stripe's objects to dataclasses ---------------------------------------------------------


def _timestamp(value: Any) -> datetime | None:
    return datetime.fromtimestamp(value, tz=UTC) if isinstance(value, int) else None


def object_id(value: Any) -> str:
    """An expandable field's id, whether Stripe sent the id or the object."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return str(value.get("id") or "")


def _cents(value: Any) -> Decimal | None:
    return None if value is None else from_minor_units(int(value))


def _amount(obj: Any, key: str) -> Decimal:
    """A money field that is always there (0 when Stripe leaves it out)."""
    return from_minor_units(int(obj.get(key) or 0))


def _metadata(obj: Any) -> dict[str, str]:
    meta = obj.get("metadata") or {}
    return {str(k): str(v) for k, v in dict(meta).items()}


def remote_invoice_payment(item: Any) -> RemoteInvoicePayment:
    payment = item.get("payment") or {}
    return RemoteInvoicePayment(
        id=item["id"],
        status=item.get("status") or "",
        amount_paid=_cents(item.get("amount_paid")),
        payment_intent_id=object_id(payment.get("payment_intent")),
        charge_id=object_id(payment.get("charge")),
    )


def remote_invoice(
    invoice: Any, payments: list[RemoteInvoicePayment] | None = None
) -> RemoteInvoice:
    return RemoteInvoice(
        id=invoice["id"],
        status=invoice.get("status") or "",
        total=_amount(invoice, "total"),
        amount_paid=_amount(invoice, "amount_paid"),
        amount_remaining=_amount(invoice, "amount_remaining"),
        hosted_url=invoice.get("hosted_invoice_url") or "",
        pdf_url=invoice.get("invoice_pdf") or "",
        paid_out_of_band=bool(invoice.get("paid_out_of_band")),
        metadata=_metadata(invoice),
        payments=tuple(payments or ()),
        currency=str(invoice.get("currency") or "").lower(),
    )


def remote_credit_note(note: Any) -> RemoteCreditNote:
    invoice = note.get("invoice")
    remaining = None
    if isinstance(invoice, dict) and invoice.get("amount_remaining") is not None:
        remaining = _cents(invoice.get("amount_remaining"))
    return RemoteCreditNote(
        id=note["id"],
        invoice_id=object_id(invoice),
        amount=_amount(note, "amount"),
        status=note.get("status") or "",
        invoice_amount_remaining=remaining,
    )


def _payment_status(intent: Any) -> str:
    raw = intent.get("status")
    if raw == "succeeded":
        return "succeeded"
    if raw == "processing":
        return "pending"
    if raw == "canceled" or (raw == "requires_payment_method" and intent.get("last_payment_error")):
        return "failed"
    return "incomplete"


def remote_payment(intent: Any) -> RemotePayment:
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
    status = _payment_status(intent)
    failure = ""
    if status == "failed":
        failure = (
            (intent.get("last_payment_error") or {}).get("message")
            or (charge.get("failure_message") if charge is not None else "")
            or intent.get("cancellation_reason")
            or "The payment failed."
        )
    return RemotePayment(
        id=intent["id"],
        status=status,
        amount=_amount(intent, "amount"),
        method="ach" if method_type in ACH_TYPES else "card",
        charge_id=object_id(intent.get("latest_charge")),
        fee=fee,
        net=net,
        failure_message=failure,
        created=_timestamp(intent.get("created")),
        metadata=_metadata(intent),
        currency=str(intent.get("currency") or "").lower(),
    )


def remote_refund(refund: Any) -> RemoteRefund:
    raw = refund.get("status") or ""
    status = {"succeeded": "succeeded", "failed": "failed", "canceled": "failed"}.get(
        raw, "pending"
    )
    return RemoteRefund(
        id=refund["id"],
        amount=_amount(refund, "amount"),
        status=status,
        payment_intent_id=object_id(refund.get("payment_intent")),
        charge_id=object_id(refund.get("charge")),
        failure_message=refund.get("failure_reason") or "",
        metadata=_metadata(refund),
    )


def remote_dispute(dispute: Any) -> RemoteDispute:
    """What its balance transactions moved: the amount and fee withdrawn when it opened, given
    back (with the fee, when Stripe returns it) when it was won."""
    transactions = [txn for txn in dispute.get("balance_transactions") or [] if txn]
    fee = sum((_amount(txn, "fee") for txn in transactions), from_minor_units(0))
    moved = sum((_amount(txn, "amount") for txn in transactions), from_minor_units(0))
    return RemoteDispute(
        id=dispute["id"],
        status=dispute.get("status") or "",
        amount=_amount(dispute, "amount"),
        charge_id=object_id(dispute.get("charge")),
        payment_intent_id=object_id(dispute.get("payment_intent")),
        reason=dispute.get("reason") or "",
        withdrawn=-moved,
        fee=fee,
        evidence_due_by=_timestamp((dispute.get("evidence_details") or {}).get("due_by")),
        currency=str(dispute.get("currency") or "").lower(),
    )


def remote_payout(payout: Any) -> RemotePayout:
    arrival = _timestamp(payout.get("arrival_date"))
    return RemotePayout(
        id=payout["id"],
        status=payout.get("status") or "",
        amount=_amount(payout, "amount"),
        arrival_date=(arrival or datetime.now(UTC)).date(),
        currency=payout.get("currency") or CURRENCY,
        created=_timestamp(payout.get("created")),
        description=payout.get("description") or "",
        failure_message=payout.get("failure_message") or "",
    )


def remote_balance_transaction(txn: Any) -> RemoteBalanceTransaction:
    source = txn.get("source")
    charge_id = intent_id = ""
    if isinstance(source, dict):
        is_charge = source.get("object") == "charge"
        charge_id = object_id(source) if is_charge else object_id(source.get("charge"))
        intent_id = object_id(source.get("payment_intent"))
    elif isinstance(source, str) and source.startswith(("ch_", "py_")):
        charge_id = source
    return RemoteBalanceTransaction(
        id=txn["id"],
        type=txn.get("type") or "",
        amount=_amount(txn, "amount"),
        fee=_amount(txn, "fee"),
        net=_amount(txn, "net"),
        reporting_category=txn.get("reporting_category") or "",
        source_id=object_id(source),
        charge_id=charge_id,
        payment_intent_id=intent_id,
        description=txn.get("description") or "",
        created=_timestamp(txn.get("created")),
    )


def remote_payment_method(method: Any) -> RemotePaymentMethod | None:
    """A payment method object (None for a bare id or nothing)."""
    if not method or isinstance(method, str):
        return None
    kind = method.get("type") or ""
    details = method.get(kind) or {}
    return RemotePaymentMethod(
        id=method["id"],
        kind=kind,
        brand=str(details.get("brand") or details.get("bank_name") or ""),
        last4=str(details.get("last4") or ""),
        exp_month=details.get("exp_month"),
        exp_year=details.get("exp_year"),
    )


def checkout_session(session: Any) -> CheckoutSession:
    setup_intent = session.get("setup_intent")
    return CheckoutSession(
        id=session["id"],
        url=session.get("url") or "",
        payment_intent_id=object_id(session.get("payment_intent")),
        payment_status=session.get("payment_status") or "",
        status=session.get("status") or "",
        metadata=_metadata(session),
        mode=session.get("mode") or "payment",
        customer_id=object_id(session.get("customer")),
        payment_method=remote_payment_method(
            setup_intent.get("payment_method") if isinstance(setup_intent, dict) else None
        ),
    )
