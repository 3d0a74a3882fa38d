"""Money in and out: payments finance records by hand (checks, cash, wires) and refunds."""

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from billing import effects
from billing.gateways import GatewayError, get_gateway
from billing.models import Invoice, Payment, Refund
from billing.money import ZERO, format_usd, money
from billing.services.common import (
    lock_invoice,
    logger,
    mail_receipt,
    settle_if_paid,
    user_or_none,
)
from billing.services.refunded import invoice_close_refunded
from crm.bounds import check_payment_received
from crm.exceptions import InvalidData, ServiceError
from crm.services.common import set_change_reason, with_history_user


def _amount(value: Any, field: str = "amount") -> Decimal:
    try:
        amount = money(value)
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidData("Enter an amount in dollars and cents.", field=field) from None
    if amount <= ZERO:
        raise InvalidData("The amount must be more than zero.", field=field)
    return amount


def payment_record_offline(
    *,
    invoice: Invoice,
    amount: Decimal,
    method: str,
    received_on: date,
    check_number: str = "",
    memo: str = "",
    by: Any = None,
) -> Payment:
    """Record money finance received by hand: a check (with its number), cash, a wire or an
    ACH transfer sent to the bank. When it covers the invoice, the invoice is paid and takes
    effect, and Stripe's copy (if any) is marked paid out of band."""
    amount = _amount(amount)
    if method not in Payment.OFFLINE_METHODS:
        raise InvalidData("Choose check, cash, wire or ACH.", field="method")
    check_number = check_number.strip()
    if method == Payment.Method.CHECK and not check_number:
        raise InvalidData("Enter the check number.", field="check_number")
    if received_on > timezone.localdate():
        raise InvalidData("The payment cannot be received in the future.", field="received_on")
    check_payment_received(received_on)
    with transaction.atomic():
        locked = lock_invoice(invoice)
        if locked.status == Invoice.Status.DRAFT:
            raise ServiceError("Issue the invoice before recording a payment on it.")
        if locked.status not in Invoice.PAYABLE_STATUSES:
            raise ServiceError(
                f"Invoice {locked.number} is {locked.get_status_display().lower()}: "
                f"it takes no payment."
            )
        due = locked.amount_due
        if amount > due:
            raise InvalidData(
                f"{format_usd(amount)} is more than the {format_usd(due)} due on invoice "
                f"{locked.number}.",
                field="amount",
            )
        if (
            check_number
            and locked.payments.filter(
                method=Payment.Method.CHECK,
                check_number=check_number,
                status=Payment.Status.SUCCEEDED,
            ).exists()
        ):
            raise ServiceError(
                f"Check {check_number} is already recorded on invoice {locked.number}.",
                field="check_number",
            )
        payment = Payment(
            invoice=locked,
            method=method,
            status=Payment.Status.SUCCEEDED,
            amount=amount,
            net=amount,
            received_on=received_on,
            check_number=check_number,
            memo=memo.strip(),
            gl_account=settings.BILLING_GL_ACCOUNTS["undeposited_funds"],
            recorded_by=user_or_none(by),
        )
        with_history_user(payment, by)
        set_change_reason(
            payment,
            f"{payment.get_method_display()} recorded"
            + (f" (number {check_number})" if check_number else ""),
        )
        payment.save()
        if settle_if_paid(locked, by=by) or locked.status == Invoice.Status.PAID:
            mail_receipt(locked, payment)
    invoice.refresh_from_db()
    if invoice.status == Invoice.Status.PAID and invoice.stripe_invoice_id:
        _close_on_stripe(invoice)
    return payment


def _close_on_stripe(invoice: Invoice) -> None:
    """Tell Stripe the invoice was paid another way, so it stops asking the payer for it."""
    try:
        get_gateway().mark_paid_out_of_band(
            invoice.stripe_invoice_id or "", idempotency_key=f"invoice-{invoice.pk}-paid-offline"
        )
    except GatewayError as exc:
        message = f"Paid here, but Stripe still shows it open: {exc.message}"
        logger.warning("invoice %s: %s", invoice.number, message)
        Invoice.objects.filter(pk=invoice.pk).update(stripe_error=message)
        invoice.stripe_error = message


def reverse_if_fully_refunded(invoice: Invoice, *, by: Any) -> list[str]:
    """With the invoice locked, after its refunds changed: when nothing paid remains, undo what
    the payment did, once."""
    if (
        invoice.status != Invoice.Status.PAID
        or invoice.reversed_at is not None
        or invoice.amount_paid <= ZERO
        or invoice.net_paid > ZERO
    ):
        return []
    outcomes = effects.reverse_paid(invoice, by=by)
    invoice_close_refunded(invoice, outcomes=outcomes, by=by)
    return outcomes


def describe_refund(refund: Refund, outcomes: list[str], *, full: bool) -> str:
    if full:
        return "Refunded in full. " + (" ".join(outcomes) or "Nothing it paid for needed undoing.")
    return (
        f"Partial refund of {format_usd(refund.amount)}: the invoice stays paid and what it "
        f"paid for is unchanged."
    )


def refund_create(
    *, payment: Payment, reason: str, amount: Decimal | None = None, by: Any = None
) -> Refund:
    """Give money back, in full (the default) or in part, saying why. A Stripe payment is
    refunded through Stripe; an offline one is recorded as given back (a check mailed). A full
    refund of an invoice undoes what it paid for; `refund.outcome` says what changed."""
    if not reason.strip():
        raise InvalidData("Say why the money is refunded.", field="reason")
    with transaction.atomic():
        invoice = lock_invoice(payment.invoice)
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        refundable = payment.refundable
        amount = refundable if amount is None else _amount(amount)
        if refundable <= ZERO:
            raise ServiceError("Nothing is left to refund on this payment.")
        if amount > refundable:
            raise InvalidData(
                f"At most {format_usd(refundable)} of this payment can be refunded.",
                field="amount",
            )
        refund = Refund(
            payment=payment,
            amount=amount,
            reason=reason.strip(),
            status=Refund.Status.PENDING if payment.is_stripe else Refund.Status.SUCCEEDED,
            created_by=user_or_none(by),
        )
        with_history_user(refund, by)
        set_change_reason(refund, reason)
        refund.save()
        if not payment.is_stripe:
            outcomes = reverse_if_fully_refunded(invoice, by=by)
            refund.outcome = describe_refund(refund, outcomes, full=invoice.net_paid <= ZERO)
            refund.save(update_fields=["outcome", "modified"])
            return refund
    # The pending refund is committed before Stripe is asked, so a crash in between leaves a
    # row whose idempotency key makes the retry safe; its webhook finds it by our metadata.
    try:
        remote = get_gateway().create_refund(
            payment_intent_id=payment.stripe_payment_intent_id or "",
            amount=amount,
            idempotency_key=f"refund-{refund.pk}",
            metadata={
                "refund_id": str(refund.pk),
                "payment_id": str(payment.pk),
                "invoice_id": str(payment.invoice_id),
            },
        )
    except GatewayError as exc:
        Refund.objects.filter(pk=refund.pk).update(
            status=Refund.Status.FAILED, failure_message=exc.message, modified=timezone.now()
        )
        raise ServiceError(f"Not refunded: {exc.message}") from exc
    with transaction.atomic():
        invoice = lock_invoice(payment.invoice)
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        refund.stripe_refund_id = remote.id
        refund.status = remote.status
        refund.failure_message = remote.failure_message
        refund.save()
        outcomes = reverse_if_fully_refunded(invoice, by=by)
        if not refund.outcome:
            refund.outcome = describe_refund(refund, outcomes, full=invoice.net_paid <= ZERO)
            refund.save(update_fields=["outcome", "modified"])
    return refund
