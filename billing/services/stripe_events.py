"""Stripe's webhook events: stored first under their unique id, then processed by the handler
for their type. Processing takes the event's row lock, so concurrent deliveries of one event
run it once; a failure keeps its error on the event for `manage.py stripe_replay`."""

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.models import StripeEvent
from billing.services.disputes import dispute_record_from_stripe
from billing.services.payment_methods import payment_method_save_from_checkout
from billing.services.payouts import payout_refresh
from billing.services.stripe_sync import (
    StripeMoneyMismatch,
    invoice_bind_from_stripe,
    invoice_sync_from_stripe,
    money_mismatch_flag,
    payment_sync_from_stripe,
    refunds_sync_from_stripe,
)
from core.audit import audit_source

logger = logging.getLogger("billing.stripe")

DONE = (StripeEvent.Status.PROCESSED, StripeEvent.Status.STORED)


def _invoice_synced(stripe_invoice_id: str) -> list[str]:
    """Our invoice for the Stripe invoice (its current one, or one it had before it was
    reopened), brought in line with that Stripe invoice."""
    invoice = invoice_bind_from_stripe(stripe_invoice_id=stripe_invoice_id)
    if invoice is None:
        return [f"Stripe invoice {stripe_invoice_id} is not one of ours."]
    return invoice_sync_from_stripe(invoice=invoice, stripe_invoice_id=stripe_invoice_id)


def _invoice_event(obj: dict) -> list[str]:
    return _invoice_synced(str(obj.get("id") or ""))


def _invoice_payment_event(obj: dict) -> list[str]:
    stripe_invoice_id = obj.get("invoice")
    if isinstance(stripe_invoice_id, dict):
        stripe_invoice_id = stripe_invoice_id.get("id")
    return _invoice_synced(str(stripe_invoice_id or ""))


def _payment_intent_event(obj: dict) -> list[str]:
    return payment_sync_from_stripe(payment_intent_id=obj["id"])


def _charge_refunded(obj: dict) -> list[str]:
    intent_id = obj.get("payment_intent")
    if not intent_id:
        return [f"Charge {obj.get('id')} has no payment intent: not one of ours."]
    return refunds_sync_from_stripe(payment_intent_id=intent_id)


def _charge_failed(obj: dict) -> list[str]:
    """A charge failed: a card declined, an ACH debit failing, or one returned by the bank after
    it succeeded. The PaymentIntent as Stripe holds it says which."""
    intent_id = obj.get("payment_intent")
    if isinstance(intent_id, dict):
        intent_id = intent_id.get("id")
    if not intent_id:
        return [f"Charge {obj.get('id')} has no payment intent: not one of ours."]
    return payment_sync_from_stripe(payment_intent_id=str(intent_id))


def _refund_event(obj: dict) -> list[str]:
    return _charge_refunded({"id": obj.get("charge"), "payment_intent": obj.get("payment_intent")})


def _dispute_event(obj: dict) -> list[str]:
    return dispute_record_from_stripe(dispute=obj)


def _checkout_event(obj: dict) -> list[str]:
    if obj.get("mode") == "setup":  # a payment method saved for automatic renewal
        saved = payment_method_save_from_checkout(session_id=str(obj.get("id") or ""))
        if saved is None:
            return [f"Checkout {obj.get('id')} has saved no payment method yet."]
        return [f"{saved.organization}: {saved} saved for automatic renewal."]
    intent_id = obj.get("payment_intent")
    if not intent_id:
        return [f"Checkout {obj.get('id')} has no payment yet."]
    return payment_sync_from_stripe(payment_intent_id=intent_id)


def _payout_event(obj: dict) -> list[str]:
    return payout_refresh(payout_id=obj["id"])


HANDLERS: dict[str, Callable[[dict], list[str]]] = {
    "invoice.finalized": _invoice_event,
    "invoice.paid": _invoice_event,
    "invoice.payment_failed": _invoice_event,
    "invoice.payment_succeeded": _invoice_event,
    "invoice.voided": _invoice_event,
    "invoice.marked_uncollectible": _invoice_event,
    "invoice.updated": _invoice_event,
    "invoice_payment.paid": _invoice_payment_event,
    "payment_intent.processing": _payment_intent_event,
    "payment_intent.succeeded": _payment_intent_event,
    "payment_intent.payment_failed": _payment_intent_event,
    "payment_intent.canceled": _payment_intent_event,
    "charge.refunded": _charge_refunded,
    "charge.failed": _charge_failed,
    "refund.created": _refund_event,
    "refund.updated": _refund_event,
    "refund.failed": _refund_event,
    "charge.dispute.created": _dispute_event,
    "charge.dispute.updated": _dispute_event,
    "charge.dispute.closed": _dispute_event,
    "charge.dispute.funds_withdrawn": _dispute_event,
    "charge.dispute.funds_reinstated": _dispute_event,
    "checkout.session.completed": _checkout_event,
    "checkout.session.async_payment_succeeded": _checkout_event,
    "checkout.session.async_payment_failed": _checkout_event,
    "payout.paid": _payout_event,
    "payout.updated": _payout_event,
    "payout.failed": _payout_event,
    "payout.canceled": _payout_event,
    "payout.reconciliation_completed": _payout_event,
}


def stripe_event_store(*, payload: dict) -> tuple[StripeEvent, bool]:
    """Store a verified event under its Stripe id; (event, False) when it was already there."""
    created_at = payload.get("created")
    defaults = {
        "type": str(payload.get("type", "")),
        "livemode": bool(payload.get("livemode")),
        "stripe_created": (
            datetime.fromtimestamp(created_at, tz=UTC) if isinstance(created_at, int) else None
        ),
        "payload": payload,
    }
    try:
        # The unique id is the last word when two deliveries of one event race.
        with transaction.atomic():
            return StripeEvent.objects.get_or_create(stripe_id=payload["id"], defaults=defaults)
    except IntegrityError:
        return StripeEvent.objects.get(stripe_id=payload["id"]), False


def stripe_event_process(*, event: StripeEvent, force: bool = False) -> StripeEvent:
    """Run the event's handler unless it already ran (`force` runs it again: safe, since
    handlers re-read Stripe). Never raises: a failure is kept on the event."""
    with transaction.atomic():
        locked = StripeEvent.objects.select_for_update().get(pk=event.pk)
        if locked.status in DONE and not force:
            return locked
        locked.attempts += 1
        handler = HANDLERS.get(locked.type)
        if handler is None:
            locked.status = StripeEvent.Status.STORED
            locked.outcome = "No handler for this type: stored and acknowledged."
            locked.error = ""
        else:
            try:
                # What the handler changes is recorded as done by this event, for finance to
                # trace in each record's history.
                with (
                    transaction.atomic(),
                    audit_source(f"Stripe {locked.stripe_id} ({locked.type})"),
                ):
                    outcome = handler(locked.data_object)
            except StripeMoneyMismatch as exc:
                logger.error("Stripe event %s: %s", locked.stripe_id, exc.message)
                locked.status = StripeEvent.Status.FAILED
                locked.error = exc.message
                money_mismatch_flag(error=exc)
            except Exception as exc:
                logger.exception("Stripe event %s (%s) failed", locked.stripe_id, locked.type)
                locked.status = StripeEvent.Status.FAILED
                locked.error = f"{exc.__class__.__name__}: {getattr(exc, 'message', None) or exc}"
            else:
                locked.status = StripeEvent.Status.PROCESSED
                locked.outcome = " ".join(outcome)
                locked.error = ""
        locked.processed_at = timezone.now()
        locked.save()
    return locked
