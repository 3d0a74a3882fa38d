"""Bring our records in line with Stripe's. Webhook handlers call these: each re-reads the
object from Stripe rather than trusting the event's copy, so events may come twice, late or out
of order, and processing one again changes nothing."""

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from billing.gateways import get_gateway
from billing.gateways.base import RemoteInvoice, RemotePayment
from billing.models import Invoice, Payment, Refund
from billing.money import ZERO, format_usd
from billing.services.common import (
    lock_invoice,
    mail_payment_failed,
    mail_receipt,
    mail_refund_notice,
    reopen_if_taken_back,
    save_with_reason,
    set_status,
    settle_if_paid,
)
from billing.services.credits import (
    credit_for_refund,
    credit_from_overpayment,
    credit_take_back,
)
from billing.services.payments import close_on_stripe, lower_on_stripe, reverse_if_fully_refunded
from core.services import set_change_reason

Status = Invoice.Status


class StripeMoneyMismatch(Exception):
    """What Stripe says was paid does not match our invoice (another currency, another total):
    nothing is recorded as paid, the event fails with this message and the invoice carries it
    for finance (`Invoice.stripe_error`)."""

    def __init__(self, invoice: Invoice, message: str) -> None:
        super().__init__(message)
        self.invoice_pk = invoice.pk
        self.message = message


def invoice_find(*, stripe_invoice_id: str) -> Invoice | None:
    """Our invoice for a Stripe invoice, by the Stripe id stored when it was issued: its current
    one, or one it had before it was reopened (an earlier Stripe invoice)."""
    if not stripe_invoice_id:
        return None
    return (
        Invoice.objects.filter(stripe_invoice_id=stripe_invoice_id).first()
        or Invoice.objects.filter(earlier_stripe_invoices__stripe_invoice_id=stripe_invoice_id)
        .distinct()
        .first()
    )


def invoice_bind_from_stripe(*, stripe_invoice_id: str) -> Invoice | None:
    """invoice_find(), else the invoice named by the metadata of the Stripe invoice as Stripe
    returns it when asked (an event can arrive before issuing stored the id). The event's own
    copy is never believed for this: whoever can post an event could otherwise tie any Stripe
    invoice to any of ours."""
    invoice = invoice_find(stripe_invoice_id=stripe_invoice_id)
    if invoice is not None or not stripe_invoice_id:
        return invoice
    remote = get_gateway().retrieve_invoice(stripe_invoice_id)
    our_id = remote.metadata.get("invoice_id", "")
    if remote.id != stripe_invoice_id or not our_id.isdigit():
        return None
    with transaction.atomic():
        invoice = (
            Invoice.objects.select_for_update()
            .filter(pk=int(our_id), stripe_invoice_id__isnull=True)
            .first()
        )
        if invoice is None:
            return None
        _check_money(invoice, remote)
        invoice.stripe_invoice_id = stripe_invoice_id
        save_with_reason(invoice, reason="tied to its Stripe invoice", by=None)
    return invoice


def _check_money(invoice: Invoice, remote: RemoteInvoice) -> None:
    """Stripe's invoice must be ours to the cent and in our currency before anything it says
    was paid is recorded."""
    if remote.currency != invoice.currency.lower():
        raise StripeMoneyMismatch(
            invoice,
            f"Money check failed: Stripe invoice {remote.id} is in "
            f"{remote.currency.upper() or 'no currency'}, invoice {invoice.number} in "
            f"{invoice.currency.upper()}. Nothing was recorded as paid: check it in Stripe.",
        )
    if remote.total != invoice.total:
        raise StripeMoneyMismatch(
            invoice,
            f"Money check failed: Stripe invoice {remote.id} totals {format_usd(remote.total)}, "
            f"invoice {invoice.number} {format_usd(invoice.total)}. Nothing was recorded as "
            f"paid: check it in Stripe.",
        )


def _check_payment_currency(invoice: Invoice, remote: RemotePayment) -> None:
    if remote.currency != invoice.currency.lower():
        raise StripeMoneyMismatch(
            invoice,
            f"Money check failed: payment {remote.id} is in "
            f"{remote.currency.upper() or 'no currency'}, invoice {invoice.number} in "
            f"{invoice.currency.upper()}. Nothing was recorded as paid: check it in Stripe.",
        )


def money_mismatch_flag(*, error: StripeMoneyMismatch) -> None:
    """Leave the mismatch on the invoice, where finance sees it (the admin's Stripe column)."""
    Invoice.objects.filter(pk=error.invoice_pk).update(
        stripe_error=error.message, modified=timezone.now()
    )


def stripe_payment_for(*, payment_intent_id: str = "", charge_id: str = "") -> Payment | None:
    """Our payment for a Stripe charge, else for its PaymentIntent (whose attempts are rows of
    their own: the one that succeeded, else the latest)."""
    if charge_id:
        payment = Payment.objects.filter(stripe_charge_id=charge_id).first()
        if payment is not None:
            return payment
    if not payment_intent_id:
        return None
    attempts = Payment.objects.filter(stripe_payment_intent_id=payment_intent_id)
    return (
        attempts.filter(status=Payment.Status.SUCCEEDED).order_by("-pk").first()
        or attempts.order_by("-pk").first()
    )


def _attempt(remote: RemotePayment) -> Payment | None:
    """Our row for the PaymentIntent's latest attempt (its charge). An attempt recorded while
    processing before its charge was known is the same attempt; a failed one never is: a card
    after a failed ACH debit is a payment of its own."""
    attempts = Payment.objects.filter(stripe_payment_intent_id=remote.id)
    payment = attempts.filter(stripe_charge_id=remote.charge_id).first()
    if payment is None and remote.charge_id:
        payment = attempts.filter(stripe_charge_id="", status=Payment.Status.PENDING).first()
    return payment


def _upsert_payment(invoice: Invoice, remote: RemotePayment, *, amount: Any = None) -> list[str]:
    """With the invoice locked: create or move our payment for a PaymentIntent's attempt. A
    succeeded payment stays succeeded (Stripe's refunds and disputes are their own records),
    unless the bank returns it (an ACH return after success): then it failed and the invoice
    owes it again."""
    if remote.status == "incomplete":
        return []
    _check_payment_currency(invoice, remote)
    payment = _attempt(remote)
    status = {
        "pending": Payment.Status.PENDING,
        "succeeded": Payment.Status.SUCCEEDED,
        "failed": Payment.Status.FAILED,
    }[remote.status]
    if payment is None:
        payment = Payment(
            invoice=invoice,
            stripe_payment_intent_id=remote.id,
            method=remote.method,
            amount=amount if amount is not None else remote.amount,
            gl_account=settings.BILLING_GL_ACCOUNTS["stripe_clearing"],
            status=status,
        )
        previous = None
    else:
        previous = payment.status
        if previous == Payment.Status.SUCCEEDED and status == Payment.Status.FAILED:
            return _returned(invoice, payment, remote)
        if previous == Payment.Status.SUCCEEDED or previous == status:
            if remote.fee is not None and payment.fee is None:
                payment.fee, payment.net = remote.fee, remote.net
                payment.save(update_fields=["fee", "net", "modified"])
            return []
        payment.status = status
    payment.stripe_charge_id = remote.charge_id or payment.stripe_charge_id
    payment.fee = remote.fee if remote.fee is not None else payment.fee
    payment.net = remote.net if remote.net is not None else payment.net
    payment.failure_message = remote.failure_message
    if status == Payment.Status.SUCCEEDED:
        payment.received_on = timezone.localdate()
    payment.save()
    what = f"{payment.get_method_display()} payment of {format_usd(payment.amount)}"
    if status == Payment.Status.FAILED:
        if previous == Payment.Status.PENDING or payment.method == Payment.Method.ACH:
            mail_payment_failed(invoice, payment)
        return [f"{what} failed: {payment.failure_message}"]
    if status == Payment.Status.PENDING:
        return [f"{what} is processing."]
    outcomes = [f"{what} succeeded."]
    settled = settle_if_paid(invoice, by=None)
    credited = credit_from_overpayment(invoice=invoice, payment=payment)
    if credited:
        outcomes.append(
            f"{format_usd(credited)} over the invoice's total added to "
            f"{invoice.organization}'s credit balance: refund it or apply it to another invoice."
        )
    mail_receipt(invoice, payment, credited=credited)
    return outcomes + settled


def _returned(invoice: Invoice, payment: Payment, remote: RemotePayment) -> list[str]:
    """The payer's bank returned a payment that had succeeded (an ACH return, which Stripe
    takes back as a `payment_failure_refund`): it failed after all, and the invoice owes it."""
    payment.status = Payment.Status.FAILED
    payment.returned_at = timezone.now()
    payment.failure_message = remote.failure_message or "Returned by the payer's bank."
    set_change_reason(payment, f"Returned by the bank: {payment.failure_message}")
    payment.save()
    what = f"{payment.get_method_display()} payment of {format_usd(payment.amount)}"
    outcomes = [
        f"{what} returned by the payer's bank after it succeeded: {payment.failure_message}"
    ]
    outcomes += credit_take_back(invoice=invoice, payment=payment, amount=payment.amount)
    return outcomes + reopen_if_taken_back(
        invoice,
        payment=payment,
        amount=payment.amount,
        what="Your bank returned the payment",
        by=None,
    )


def invoice_sync_from_stripe(*, invoice: Invoice, stripe_invoice_id: str = "") -> list[str]:
    """Re-read the Stripe invoice and its payments, and apply what changed. `stripe_invoice_id`
    names one of the invoice's earlier Stripe invoices (an event about it): its payments are
    applied (a payment on its old link is recorded, once), but its status is Stripe's copy of
    a replaced invoice and changes nothing here."""
    gateway = get_gateway()
    current = invoice.stripe_invoice_id or ""
    reading = stripe_invoice_id or current
    earlier = reading != current
    if earlier and not invoice.earlier_stripe_invoices.filter(stripe_invoice_id=reading).exists():
        return [f"Stripe invoice {reading} is not one of invoice {invoice.number}'s."]
    remote = gateway.retrieve_invoice(reading)
    intents = [
        (item, gateway.retrieve_payment(item.payment_intent_id))
        for item in remote.payments
        if item.payment_intent_id
    ]
    outcomes: list[str] = []
    with transaction.atomic():
        locked = lock_invoice(invoice)
        _check_money(locked, remote)
        if not earlier and (remote.hosted_url, remote.pdf_url) != (
            locked.stripe_hosted_url,
            locked.stripe_pdf_url,
        ):
            # Before the payments: one taken back gives the invoice a new Stripe invoice and
            # links, which this (now earlier) one's must not overwrite.
            locked.stripe_hosted_url = remote.hosted_url or locked.stripe_hosted_url
            locked.stripe_pdf_url = remote.pdf_url or locked.stripe_pdf_url
            save_with_reason(locked, reason="Stripe links updated", by=None)
        for item, intent in intents:
            outcomes += _upsert_payment(locked, intent, amount=item.amount_paid)
        if not earlier:
            outcomes += _apply_status(locked, remote)
    invoice.refresh_from_db()
    if earlier and current:
        outcomes += _take_off_current(invoice, [intent.id for _, intent in intents])
    return outcomes or [f"Invoice {invoice.number} already up to date."]


def _apply_status(locked: Invoice, remote: RemoteInvoice) -> list[str]:
    """With the invoice locked, its payments applied: what Stripe's status of its current
    Stripe invoice says (voided, marked uncollectible, paid)."""
    outcomes: list[str] = []
    if remote.status == "void" and locked.status in Invoice.PAYABLE_STATUSES:
        if locked.amount_paid > ZERO:
            outcomes.append("Stripe voided it, but payments are recorded here: review it.")
        else:
            set_status(locked, to=Status.VOID, reason="Voided in Stripe.", by=None)
            outcomes.append(f"Invoice {locked.number} voided in Stripe.")
    elif remote.status == "uncollectible" and locked.status == Status.OPEN:
        set_status(
            locked, to=Status.UNCOLLECTIBLE, reason="Marked uncollectible in Stripe.", by=None
        )
        outcomes.append(f"Invoice {locked.number} written off in Stripe.")
    elif (
        remote.status == "paid"
        and locked.status in Invoice.PAYABLE_STATUSES
        and locked.reopened_at is None
    ):
        # Stripe says paid, but no payment we can see covers it (marked paid by hand in
        # the dashboard?): nothing pretends to be paid here; finance records what it got.
        outcomes.append(
            f"Stripe shows invoice {locked.number} paid, but only "
            f"{format_usd(locked.amount_paid)} of {format_usd(locked.total)} is recorded "
            f"here: record the payment or check Stripe."
        )
    return outcomes


def _take_off_current(invoice: Invoice, intent_ids: list[str]) -> list[str]:
    """A payment made on an earlier Stripe invoice (its old link still took money) after the
    current one was made: the current one must not ask for that money again. Paid now, it is
    marked paid out of band; still owing, that payment comes off it by a credit note. Nothing
    when Stripe's current invoice is no longer open (the payer paid it too: the excess is
    credit)."""
    replaced = invoice.earlier_stripe_invoices.order_by("-replaced_at", "-pk").first()
    late = list(
        invoice.payments.filter(
            status=Payment.Status.SUCCEEDED,
            stripe_payment_intent_id__in=intent_ids,
            stripe_credit_note_id="",
            created__gt=replaced.replaced_at if replaced else timezone.now(),
        )
    )
    if not late or invoice.status not in (*Invoice.PAYABLE_STATUSES, Status.PAID):
        return []
    if get_gateway().retrieve_invoice(invoice.stripe_invoice_id or "").status != "open":
        return []
    if invoice.status == Status.PAID:
        close_on_stripe(invoice)
        return [f"Stripe invoice {invoice.stripe_invoice_id} marked paid: nothing more is due."]
    return [
        f"{format_usd(payment.amount)} taken off Stripe invoice {invoice.stripe_invoice_id}."
        for payment in late
        if lower_on_stripe(invoice, payment)
    ]


def payment_sync_from_stripe(*, payment_intent_id: str) -> list[str]:
    """A PaymentIntent moved (processing, succeeded, failed): find its invoice and sync it.
    The invoice is found by our records, by the Stripe invoice Stripe says it paid, or by the
    metadata of the PaymentIntent as Stripe returns it (a Checkout payment), never by what the
    event itself carries."""
    gateway = get_gateway()
    payment = stripe_payment_for(payment_intent_id=payment_intent_id)
    invoice = payment.invoice if payment is not None else None
    stripe_invoice_id = ""
    # Reopened, the invoice has had more than one Stripe invoice: Stripe says which one this
    # payment is on, and that one is read.
    if invoice is None or invoice.earlier_stripe_invoices.exists():
        stripe_invoice_id = gateway.invoice_id_for_payment(payment_intent_id) or ""
        if invoice is None and stripe_invoice_id:
            invoice = invoice_bind_from_stripe(stripe_invoice_id=stripe_invoice_id)
    remote = None
    if invoice is None:
        remote = gateway.retrieve_payment(payment_intent_id)
        our_id = remote.metadata.get("invoice_id", "")
        if our_id.isdigit():
            invoice = Invoice.objects.filter(pk=int(our_id)).first()
    if invoice is None:
        return [f"Payment {payment_intent_id} is not for an invoice of ours."]
    if invoice.stripe_invoice_id or stripe_invoice_id:
        return invoice_sync_from_stripe(invoice=invoice, stripe_invoice_id=stripe_invoice_id)
    remote = remote or gateway.retrieve_payment(payment_intent_id)
    with transaction.atomic():
        return _upsert_payment(lock_invoice(invoice), remote) or ["Payment already up to date."]


def refunds_sync_from_stripe(*, payment_intent_id: str) -> list[str]:
    """Record the refunds Stripe holds for a payment (ours, or made in Stripe's dashboard)."""
    payment = stripe_payment_for(payment_intent_id=payment_intent_id)
    if payment is None:
        payment_sync_from_stripe(payment_intent_id=payment_intent_id)
        payment = stripe_payment_for(payment_intent_id=payment_intent_id)
        if payment is None:
            return [f"Payment {payment_intent_id} is not one of ours."]
    remote_refunds = get_gateway().list_refunds(payment_intent_id)
    outcomes: list[str] = []
    with transaction.atomic():
        invoice = lock_invoice(payment.invoice)
        for remote in remote_refunds:
            refund = Refund.objects.filter(stripe_refund_id=remote.id).first()
            our_id = remote.metadata.get("refund_id", "")
            if refund is None and our_id.isdigit():
                refund = Refund.objects.filter(pk=int(our_id), payment=payment).first()
            if refund is None:
                refund = Refund.objects.create(
                    payment=payment,
                    amount=remote.amount,
                    reason="Refunded in Stripe.",
                    status=remote.status,
                    stripe_refund_id=remote.id,
                    failure_message=remote.failure_message,
                )
                credit_for_refund(refund=refund)
                outcomes.append(f"Refund of {format_usd(remote.amount)} made in Stripe recorded.")
                if refund.status in Refund.COUNTED_STATUSES:
                    mail_refund_notice(invoice, refund)
                continue
            if (refund.stripe_refund_id, refund.status) != (remote.id, remote.status):
                refund.stripe_refund_id = remote.id
                refund.status = remote.status
                refund.failure_message = remote.failure_message
                refund.save()
                credit_for_refund(refund=refund)
                outcomes.append(f"Refund of {format_usd(refund.amount)} is {remote.status}.")
        reversed_ = reverse_if_fully_refunded(invoice, by=None)
        if reversed_:
            outcomes.append("Refunded in full. " + " ".join(reversed_))
            for refund in payment.refunds.filter(outcome=""):
                refund.outcome = "Refunded in full. " + " ".join(reversed_)
                refund.save(update_fields=["outcome", "modified"])
    return outcomes or ["Refunds already up to date."]
