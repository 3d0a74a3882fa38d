"""Money in and out: payments finance records by hand (checks, cash, wires) and refunds."""

from collections.abc import Callable
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
    mail_refund_notice,
    settle_if_paid,
    stripe_key,
)
from billing.services.credits import credit_for_refund
from billing.services.refunded import invoice_close_refunded
from core.exceptions import InvalidData, ServiceError
from core.services import set_change_reason, user_or_none, with_history_user
from crm.bounds import check_payment_received


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
    ACH transfer sent to the bank. Refused while a Stripe payment on the invoice is still
    processing (it could pay the same amount). When it covers the invoice, the invoice is paid
    and takes effect and Stripe's copy (if any) is marked paid out of band; a part payment
    lowers what Stripe's copy asks for by a credit note, so the payer is never asked for it
    again. The payer gets a receipt saying what was paid and what is still due."""
    amount = _amount(amount)
    if method not in Payment.OFFLINE_METHODS:
        raise InvalidData("Choose check, cash, wire or ACH.", field="method")
    check_number = check_number.strip()
    if method == Payment.Method.CHECK and not check_number:
        raise InvalidData("Enter the check number.", field="check_number")
    if received_on > timezone.localdate():
        raise InvalidData("The payment cannot be received in the future.", field="received_on")
    check_payment_received(received_on)
    return record_payment_received(
        invoice=invoice,
        amount=amount,
        method=method,
        received_on=received_on,
        check_number=check_number,
        memo=memo,
        gl_account=settings.BILLING_GL_ACCOUNTS["undeposited_funds"],
        by=by,
    )


def record_payment_received(
    *,
    invoice: Invoice,
    amount: Decimal,
    method: str,
    received_on: date,
    gl_account: str,
    check_number: str = "",
    memo: str = "",
    by: Any = None,
    then: Callable[[Invoice, Payment], None] | None = None,
) -> Payment:
    """The one path of money paid outside Stripe (offline payments, account credit applied):
    checked against what is due under the invoice's lock, refused while a Stripe payment is
    processing, settled, receipted, and taken off what Stripe asks for. `then` runs in the
    payment's transaction (the credit ledger's row for applied credit)."""
    if invoice.stripe_invoice_id and get_gateway().is_remote:
        _learn_stripe_payments(invoice)
    with transaction.atomic():
        locked = lock_invoice(invoice)
        if locked.status == Invoice.Status.DRAFT:
            raise ServiceError("Issue the invoice before recording a payment on it.")
        if locked.status not in Invoice.PAYABLE_STATUSES:
            raise ServiceError(
                f"Invoice {locked.number} is {locked.get_status_display().lower()}: "
                f"it takes no payment."
            )
        processing = locked.payments.filter(status=Payment.Status.PENDING).first()
        if processing is not None:
            raise ServiceError(
                f"A {processing.get_method_display()} payment of "
                f"{format_usd(processing.amount)} on invoice {locked.number} is still "
                f"processing in Stripe (ACH takes up to a few days): wait until it succeeds or "
                f"fails before recording another payment, so the invoice is not paid twice."
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
            gl_account=gl_account,
            recorded_by=user_or_none(by),
        )
        with_history_user(payment, by)
        set_change_reason(
            payment,
            f"{payment.get_method_display()} recorded"
            + (f" (number {check_number})" if check_number else ""),
        )
        payment.save()
        if then is not None:
            then(locked, payment)
        settle_if_paid(locked, by=by)
        mail_receipt(locked, payment)
    invoice.refresh_from_db()
    # Reopened after a lost dispute or a return, the Stripe invoice is the new one (or none
    # yet: its credit note will cover this payment).
    if invoice.stripe_invoice_id and get_gateway().is_remote:
        if invoice.status == Invoice.Status.PAID:
            close_on_stripe(invoice)
        else:
            lower_on_stripe(invoice, payment)
    return payment


def _learn_stripe_payments(invoice: Invoice) -> None:
    """Ask Stripe what the payer has started paying before taking money another way: an ACH
    debit whose webhook has not reached us yet is then known (and refuses the payment). When
    Stripe cannot be reached, what we already know decides."""
    from billing.services.stripe_sync import invoice_sync_from_stripe

    try:
        invoice_sync_from_stripe(invoice=invoice)
    except GatewayError as exc:
        logger.warning("invoice %s: Stripe not read before a payment: %s", invoice.number, exc)


def lower_on_stripe(invoice: Invoice, payment: Payment) -> bool:
    """Take a payment made outside Stripe off what Stripe's open invoice asks for (a credit
    note before payment). On failure the invoice shows the error and `manage.py stripe_retry`
    tries again with the same idempotency key; whatever the payer still pays on Stripe over
    the total becomes the organization's credit balance."""
    if payment.stripe_credit_note_id:
        return True
    try:
        note = get_gateway().credit_invoice(
            invoice.stripe_invoice_id or "",
            amount=payment.amount,
            memo=(
                f"{payment.get_method_display()}"
                + (f" {payment.check_number}" if payment.check_number else "")
                + f" of {format_usd(payment.amount)} received"
                + (f" on {payment.received_on:%B %-d, %Y}" if payment.received_on else "")
                + ": paid outside Stripe."
            ),
            idempotency_key=f"payment-{payment.pk}-credit-note",
            metadata={"payment_id": str(payment.pk), "invoice_id": str(invoice.pk)},
        )
    except GatewayError as exc:
        message = (
            f"{format_usd(payment.amount)} recorded here, but Stripe still asks the payer for "
            f"it: {exc.message}"
        )
        logger.warning("invoice %s: %s", invoice.number, message)
        Invoice.objects.filter(pk=invoice.pk).update(stripe_error=message)
        invoice.stripe_error = message
        return False
    Payment.objects.filter(pk=payment.pk).update(stripe_credit_note_id=note.id)
    payment.stripe_credit_note_id = note.id
    if invoice.stripe_error:
        Invoice.objects.filter(pk=invoice.pk).update(stripe_error="")
        invoice.stripe_error = ""
    return True


def payments_retry_stripe() -> list[Payment]:
    """Retry taking offline payments off open Stripe invoices where that failed; the payments
    tried (those still without `stripe_credit_note_id` failed again)."""
    pending = (
        Payment.objects.filter(
            status=Payment.Status.SUCCEEDED,
            stripe_payment_intent_id__isnull=True,
            stripe_credit_note_id="",
            invoice__status__in=Invoice.PAYABLE_STATUSES,
        )
        .exclude(invoice__stripe_invoice_id__isnull=True)
        .exclude(invoice__stripe_invoice_id="")
        .select_related("invoice")
        .order_by("pk")
    )
    if not get_gateway().is_remote:
        return []
    tried = list(pending)
    for payment in tried:
        lower_on_stripe(payment.invoice, payment)
    return tried


def close_on_stripe(invoice: Invoice) -> None:
    """Tell Stripe the invoice was paid another way, so it stops asking the payer for it (a
    reopened invoice's new Stripe invoice, too, when a won dispute pays it again)."""
    try:
        get_gateway().mark_paid_out_of_band(
            invoice.stripe_invoice_id or "", idempotency_key=f"{stripe_key(invoice)}-paid-offline"
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
    *,
    payment: Payment,
    reason: str,
    amount: Decimal | None = None,
    by: Any = None,
    notify: bool = True,
) -> Refund:
    """Give money back, in full (the default) or in part, saying why. A Stripe payment is
    refunded through Stripe; an offline one is recorded as given back (a check mailed). A full
    refund of an invoice undoes what it paid for; `refund.outcome` says what changed. The payer
    gets a refund notice unless `notify` is off (the caller's own mail already tells of it)."""
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
            credit_for_refund(refund=refund, by=by)
            outcomes = reverse_if_fully_refunded(invoice, by=by)
            refund.outcome = describe_refund(refund, outcomes, full=invoice.net_paid <= ZERO)
            refund.save(update_fields=["outcome", "modified"])
            if notify:
                mail_refund_notice(invoice, refund)
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
        credit_for_refund(refund=refund, by=by)
        outcomes = reverse_if_fully_refunded(invoice, by=by)
        if not refund.outcome:
            refund.outcome = describe_refund(refund, outcomes, full=invoice.net_paid <= ZERO)
            refund.save(update_fields=["outcome", "modified"])
        if notify and refund.status in Refund.COUNTED_STATUSES:
            mail_refund_notice(invoice, refund)
    return refund
