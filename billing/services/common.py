"""Pieces the billing services share: locking, status changes, settling, and the mails."""

import logging
from typing import Any

from django.conf import settings
from django.utils import timezone

from billing import effects
from billing.gateways import get_gateway
from billing.gateways.base import CustomerDetails
from billing.models import Invoice, Payment
from billing.money import format_usd, money
from core.mail import send_templated
from core.services import refresh_from, set_change_reason, set_status, with_history_user
from crm.models import Affiliation, Contact, Organization

logger = logging.getLogger("billing")


def stripe_customer(organization: Organization, *, email: str) -> str:
    """The organization's Stripe customer id, the customer created (once, under an idempotency
    key of the organization) and remembered the first time. Raises GatewayError."""
    customer_id = get_gateway().ensure_customer(
        CustomerDetails(
            organization_id=organization.pk,
            name=organization.name,
            email=email,
            existing_id=organization.stripe_customer_id,
        )
    )
    if customer_id != organization.stripe_customer_id:
        Organization.objects.filter(pk=organization.pk).update(stripe_customer_id=customer_id)
        organization.stripe_customer_id = customer_id
    return customer_id


def lock_invoice(invoice: Invoice) -> Invoice:
    """Re-read the invoice under a row lock (inside a transaction): every change to an invoice's
    money or status goes through this, so a webhook, a retry and a click never interleave."""
    return Invoice.objects.select_for_update().get(pk=invoice.pk)


def save_with_reason(invoice: Invoice, *, reason: str, by: Any) -> None:
    with_history_user(invoice, by)
    set_change_reason(invoice, reason)
    invoice.save()


def settle_if_paid(invoice: Invoice, *, by: Any) -> list[str]:
    """Called with the invoice locked after its payments changed: when they cover the total it
    becomes paid and takes effect, once (the status change is what makes it once)."""
    if invoice.status not in Invoice.PAYABLE_STATUSES or invoice.amount_paid < invoice.total:
        return []
    # Paid first: a handler asking "is this installment settled?" must see this invoice paid.
    set_status(invoice, to=Invoice.Status.PAID, reason="Paid.", by=by, paid_at=timezone.now())
    outcomes = effects.apply_paid(invoice, by=by)
    if outcomes:
        invoice.status_reason = "Paid. " + " ".join(outcomes)
        invoice.save(update_fields=["status_reason", "modified"])
    return outcomes


def stripe_key(invoice: Invoice) -> str:
    """The stem of the idempotency keys of the invoice's Stripe invoice: its own, or, reopened
    by a lost dispute or a return (Stripe's first copy is paid), one per reopening."""
    if invoice.reopened_at is None:
        return f"invoice-{invoice.pk}"
    return f"invoice-{invoice.pk}-reopened-{int(invoice.reopened_at.timestamp())}"


def reopen_if_taken_back(
    invoice: Invoice, *, payment: Payment, amount: Any, what: str, by: Any
) -> list[str]:
    """With the invoice locked, after money that paid it was taken back (a lost dispute, an ACH
    return): when what is left no longer covers the total, the invoice owes again and what it
    paid for is undone as for an unpaid renewal (billing's reversal effects); the payer is told
    what is owed and how to pay: Stripe's copy is paid and takes no other payment, so a new
    Stripe invoice for what is owed is made and its link mailed (billing.services.invoices).
    An invoice written off before (a late payment had paid it) is written off again instead of
    open: the write-off stands, and a payment that still comes is taken as before."""
    from billing.services.invoices import invoice_reissue_on_stripe

    if invoice.status != Invoice.Status.PAID or invoice.amount_paid >= invoice.total:
        return []
    outcomes = effects.reverse_paid(invoice, by=by)
    due = invoice.total - invoice.amount_paid
    # Written off before (paid by a late payment since): it goes back to written off, owing
    # what was taken back; the bad debt that payment recovered is bad debt again (the journal).
    written_off = invoice.written_off_at is not None
    set_status(
        invoice,
        to=Invoice.Status.UNCOLLECTIBLE if written_off else Invoice.Status.OPEN,
        reason=f"{what}: {format_usd(due)} is owed again"
        + (", and it is written off again. " if written_off else ". ")
        + " ".join(outcomes),
        by=by,
        paid_at=None,
        reopened_at=timezone.now(),
    )
    if invoice_reissue_on_stripe(invoice, by=by):
        outcomes.append(f"New Stripe invoice {invoice.stripe_invoice_id} for what is owed.")
    elif invoice.stripe_error:
        outcomes.append(f"No new Stripe invoice yet ({invoice.stripe_error}): stripe_retry.")
    send_templated(
        to=invoice_recipients(invoice),
        template="payment_taken_back",
        subject=f"Invoice {invoice.number} is due again",
        context=_mail_context(
            invoice,
            payment=payment,
            taken_back=money(amount),
            what=what,
            still_due=money(invoice.amount_due),
        ),
        reason=f"payment {payment.pk} on invoice {invoice.number} taken back",
        invoice=invoice,
        contact=invoice.contact,
    )
    owes = f"Invoice {invoice.number} owes {format_usd(due)} again" + (
        ", written off again (bad debt)." if written_off else "."
    )
    return [owes] + outcomes


def bill_to(organization: Organization) -> Contact | None:
    """The billing contact, else the primary representative, else anyone with an address; never
    someone whose link to the organization a public form proposed and nobody confirmed."""
    affiliations = (
        Affiliation.objects.filter(organization=organization, status=Affiliation.Status.CONFIRMED)
        .select_related("contact")
        .order_by("-is_billing", "-is_primary", "pk")
    )
    for affiliation in affiliations:
        if affiliation.contact.email:
            return affiliation.contact
    return None


def invoice_recipients(invoice: Invoice) -> list[str]:
    contact = invoice.contact or bill_to(invoice.organization)
    return [contact.email] if contact is not None and contact.email else []


def _mail_context(invoice: Invoice, **extra: Any) -> dict[str, Any]:
    from billing.documents import dues_notice

    lines = list(invoice.lines.all())
    return {
        "invoice": invoice,
        "organization": invoice.organization,
        "contact": invoice.contact,
        "lines": lines,
        "deductibility_notice": dues_notice(invoice, lines),
        "pay_url": invoice.pay_url,
        "payment_instructions": invoice.payment_instructions,
        "finance_email": settings.DEFAULT_FROM_EMAIL,
        **extra,
    }


def mail_invoice(
    invoice: Invoice,
    *,
    reason: str,
    template: str = "invoice_issued",
    subject: str = "",
    sent_at_set: bool = False,
    **extra: Any,
) -> bool:
    """Mail the invoice to its payer (the renewal job passes its own template and subject).
    `sent_at_set`: its last_sent_at was set when it was made (invoice_create_open(mail=True)),
    so it is not updated again."""
    sent = send_templated(
        to=invoice_recipients(invoice),
        template=template,
        subject=subject or f"Invoice {invoice.number} from the MetroHartford Alliance",
        context=_mail_context(invoice, **extra),
        reason=reason,
        invoice=invoice,
        contact=invoice.contact,
    )
    if sent and not sent_at_set:
        Invoice.objects.filter(pk=invoice.pk).update(last_sent_at=timezone.now())
        invoice.last_sent_at = timezone.now()
    return sent


def mail_receipt(invoice: Invoice, payment: Payment, *, credited: Any = None) -> bool:
    """The payer's receipt for one payment, part or full: what this payment was, what has been
    paid on the invoice in all, what is still due, and any excess moved to credit."""
    from billing.documents import mail_donor_acknowledgement

    paid_in_full = invoice.status == Invoice.Status.PAID
    sent = send_templated(
        to=invoice_recipients(invoice),
        template="payment_receipt",
        subject=(
            f"Receipt: invoice {invoice.number} is paid"
            if paid_in_full
            else f"Receipt: payment on invoice {invoice.number}"
        ),
        context=_mail_context(
            invoice,
            payment=payment,
            paid_in_full=paid_in_full,
            total_paid=money(invoice.net_paid),
            still_due=money(invoice.amount_due),
            credited=credited or None,
        ),
        reason=f"payment {payment.pk} on invoice {invoice.number}",
        invoice=invoice,
        contact=invoice.contact,
    )
    # A gift to the charitable foundation also gets the written acknowledgement a donor needs.
    mail_donor_acknowledgement(invoice, payment)
    return sent


def mail_refund_notice(invoice: Invoice, refund: Any) -> bool:
    """Tell the payer money is on its way back (a Stripe refund, or a check finance mails)."""
    return send_templated(
        to=invoice_recipients(invoice),
        template="refund_notice",
        subject=f"Refund of ${refund.amount} on invoice {invoice.number}",
        context=_mail_context(
            invoice,
            refund=refund,
            payment=refund.payment,
            total_paid=money(invoice.net_paid),
            still_due=money(invoice.amount_due),
        ),
        reason=f"refund {refund.pk} on invoice {invoice.number}",
        invoice=invoice,
        contact=invoice.contact,
    )


def mail_payment_failed(invoice: Invoice, payment: Payment) -> bool:
    return send_templated(
        to=invoice_recipients(invoice),
        template="payment_failed",
        subject=f"Your payment of invoice {invoice.number} did not go through",
        context=_mail_context(invoice, payment=payment),
        reason=f"payment {payment.pk} on invoice {invoice.number} failed",
        invoice=invoice,
        contact=invoice.contact,
    )


__all__ = [
    "bill_to",
    "lock_invoice",
    "logger",
    "mail_invoice",
    "mail_payment_failed",
    "mail_receipt",
    "mail_refund_notice",
    "refresh_from",
    "reopen_if_taken_back",
    "save_with_reason",
    "set_status",
    "settle_if_paid",
    "stripe_key",
]
