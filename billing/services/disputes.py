"""Disputes (chargebacks): what a payer's bank took back, and what that does to the invoice.

A dispute is read from Stripe whatever the event says (events come twice, late or out of order:
a `charge.dispute.closed` before its `charge.dispute.created` changes nothing more), and only
Stripe's current state counts. While Stripe holds the money withdrawn (from the opening of a
chargeback, `charge.dispute.funds_withdrawn`) or the dispute is lost, its amount no longer pays
the invoice: the invoice owes it again and what it paid for is undone as for an unpaid renewal
(billing's reversal effects), and the payer is told. Won (`charge.dispute.funds_reinstated`),
the money is back: the invoice is paid again and takes effect again. An inquiry withdraws
nothing and changes nothing.
The dispute fee is kept on the dispute, net of any fee Stripe returned, as an expense of its own.
"""

from django.db import transaction

from billing.gateways import get_gateway
from billing.gateways.base import RemoteDispute
from billing.models import Dispute, Invoice, Payment
from billing.money import format_usd
from billing.services.common import lock_invoice, reopen_if_taken_back, settle_if_paid
from billing.services.credits import credit_from_overpayment, credit_take_back
from billing.services.payments import close_on_stripe
from billing.services.stripe_sync import StripeMoneyMismatch, stripe_payment_for

LOST = "lost"


def dispute_record_from_stripe(*, dispute: dict) -> list[str]:
    """A dispute was opened, moved or closed (`dispute` is the event's copy: only its id is
    used). Records Stripe's current state against the payment, with the dispute fee, and
    reopens the invoice when the dispute is lost, restores it when a lost one is won."""
    remote = get_gateway().retrieve_dispute(str(dispute.get("id") or ""))
    payment = stripe_payment_for(
        payment_intent_id=remote.payment_intent_id, charge_id=remote.charge_id
    )
    with transaction.atomic():
        invoice = lock_invoice(payment.invoice) if payment is not None else None
        if invoice is not None and remote.currency and remote.currency != invoice.currency:
            raise StripeMoneyMismatch(
                invoice,
                f"Money check failed: dispute {remote.id} is in {remote.currency.upper()}, "
                f"invoice {invoice.number} in {invoice.currency.upper()}. Nothing was recorded: "
                f"check it in Stripe.",
            )
        return _record(remote, payment, invoice)


def _record(remote: RemoteDispute, payment: Payment | None, invoice: Invoice | None) -> list[str]:
    record = Dispute.objects.select_for_update().filter(stripe_dispute_id=remote.id).first()
    created = record is None
    if record is None:
        record = Dispute(stripe_dispute_id=remote.id)
    was_taken_back, fee_before = record.taken_back, record.fee
    record.payment = payment
    record.stripe_charge_id = remote.charge_id
    record.amount = remote.amount
    record.reason = remote.reason
    record.status = remote.status
    record.evidence_due_by = remote.evidence_due_by
    record.fee = remote.fee
    record.taken_back = payment is not None and (remote.status == LOST or remote.withdrawn > 0)
    where = f"invoice {invoice.number}" if invoice is not None else "a payment that is not ours"
    outcomes = [
        f"Dispute of {format_usd(record.amount)} ({record.reason}, {record.status}) on {where}"
        + (" opened." if created else " updated.")
    ]
    if record.fee != fee_before:
        outcomes.append(f"Dispute fee now {format_usd(record.fee)} (an expense).")
    # Saved first: the invoice's balance is worked out from its disputes.
    record.save()
    changes: list[str] = []
    if invoice is not None and payment is not None and record.taken_back != was_taken_back:
        if record.taken_back:
            changes = [
                f"{format_usd(record.amount)} taken back from the "
                f"{payment.get_method_display()} payment by the dispute."
            ]
            # Credit the payment brought in was never received: it goes first.
            changes += credit_take_back(invoice=invoice, payment=payment, amount=record.amount)
            changes += reopen_if_taken_back(
                invoice,
                payment=payment,
                amount=record.amount,
                what="Your bank disputed the payment and took it back",
                by=None,
            )
        else:
            changes = _given_back(invoice, payment, record)
        # Kept without a second history row: the change is the one this event made.
        record.outcome = " ".join(changes)
        Dispute.objects.filter(pk=record.pk).update(outcome=record.outcome)
    return outcomes + changes


def _given_back(invoice: Invoice, payment: Payment, record: Dispute) -> list[str]:
    """The dispute is won and Stripe gave the money back: it pays the invoice again, which
    takes effect again; paid meanwhile another way, the excess becomes the organization's
    credit balance."""
    outcomes = [f"Won: {format_usd(record.amount)} given back to the payment."]
    was_open = invoice.status in Invoice.PAYABLE_STATUSES
    outcomes += settle_if_paid(invoice, by=None)
    if was_open and invoice.status == Invoice.Status.PAID and invoice.stripe_invoice_id:
        # The new Stripe invoice made when it reopened asks for nothing any more.
        close_on_stripe(invoice)
    credited = credit_from_overpayment(invoice=invoice, payment=payment)
    if credited:
        outcomes.append(
            f"{format_usd(credited)} over the invoice's total added to "
            f"{invoice.organization}'s credit balance."
        )
    return outcomes
