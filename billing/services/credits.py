"""An organization's credit balance: money received over what an invoice asked for (a Stripe
payment that arrived after the invoice was settled another way) is never kept silently on the
invoice. It is added to the organization's credit ledger, where finance refunds it
(credit_refund) or applies it to another invoice (credit_apply). Each movement is one
CreditEntry row; the balance is their sum."""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from billing.models import CreditEntry, Invoice, Payment, Refund
from billing.money import ZERO, format_usd
from core.exceptions import InvalidData, ServiceError
from core.services import set_change_reason, user_or_none
from crm.models import Organization


def credit_balance(organization: Organization | int) -> Decimal:
    """What the organization has in credit (what the chamber owes it), to the cent."""
    pk = organization if isinstance(organization, int) else organization.pk
    total = CreditEntry.objects.filter(organization_id=pk).aggregate(s=Sum("amount"))["s"]
    return total or ZERO


def _credit_added_for(invoice: Invoice) -> Decimal:
    """What the invoice's payments brought into credit, less what disputes took back of it."""
    kinds = [CreditEntry.Kind.ADDED, CreditEntry.Kind.TAKEN_BACK]
    return (
        CreditEntry.objects.filter(invoice=invoice, kind__in=kinds).aggregate(s=Sum("amount"))["s"]
        or ZERO
    )


def _credit_held_from(payment: Payment) -> Decimal:
    """What of the credit `payment` brought in is still held: neither refunded nor taken back."""
    held = CreditEntry.objects.filter(
        Q(payment=payment, kind__in=[CreditEntry.Kind.ADDED, CreditEntry.Kind.TAKEN_BACK])
        | Q(refund__payment=payment, kind=CreditEntry.Kind.REFUNDED)
    ).aggregate(s=Sum("amount"))["s"]
    return held or ZERO


def credit_take_back(
    *, invoice: Invoice, payment: Payment, amount: Decimal, by: Any = None
) -> list[str]:
    """With the invoice locked, once `amount` of `payment` was taken back (a lost dispute, an ACH
    return) and before the invoice is reopened for the rest: credit that payment brought in was
    never really received, so it comes off the credit balance first. Credit already applied to
    another invoice is taken from there: that account-credit payment no longer pays it (the
    invoice owes again, and gets a new way to pay), newest first. What the payment's credit
    had already been refunded of is left to finance, said in the outcome."""
    from billing.services.common import lock_invoice, reopen_if_taken_back

    need = min(_credit_held_from(payment), amount)
    if need <= ZERO:
        return []
    _lock_organization(invoice.organization_id)
    available = credit_balance(invoice.organization_id)
    outcomes: list[str] = []
    applied = (
        CreditEntry.objects.filter(
            organization_id=invoice.organization_id,
            kind=CreditEntry.Kind.APPLIED,
            payment__status=Payment.Status.SUCCEEDED,
        )
        .select_related("payment")
        .order_by("-created", "-pk")
    )
    for entry in applied:
        if available >= need:
            break
        other = lock_invoice(entry.payment.invoice)  # type: ignore[union-attr]
        outcomes += _undo_application(entry, payment, by=by)
        outcomes += reopen_if_taken_back(
            other,
            payment=entry.payment,  # type: ignore[arg-type]
            amount=-entry.amount,
            what="The credit that paid it came from a payment your bank took back",
            by=by,
        )
        available += -entry.amount
    part = min(need, available)
    if part > ZERO:
        CreditEntry.objects.create(
            organization_id=invoice.organization_id,
            kind=CreditEntry.Kind.TAKEN_BACK,
            amount=-part,
            invoice=invoice,
            payment=payment,
            memo=(
                f"{payment.get_method_display()} payment on invoice {invoice.number} taken back: "
                f"the {format_usd(part)} of it held as credit was never received."
            ),
            created_by=user_or_none(by),
        )
        outcomes.insert(0, f"{format_usd(part)} of credit balance taken back first.")
    if part < need:
        outcomes.append(
            f"{format_usd(need - part)} of the credit it brought in was refunded already: "
            f"the payer has it twice; settle it with them."
        )
    return outcomes


def _undo_application(entry: CreditEntry, source: Payment, *, by: Any) -> list[str]:
    """The account-credit payment of `entry` no longer pays its invoice: it failed (returned),
    and the credit it used comes back to the balance (to be taken back)."""
    paid = entry.payment
    assert paid is not None
    paid.status = Payment.Status.FAILED
    paid.returned_at = timezone.now()
    paid.failure_message = (
        f"The credit that paid it came from payment {source.pk}, taken back by the payer's bank."
    )
    set_change_reason(paid, paid.failure_message)
    paid.save()
    CreditEntry.objects.create(
        organization_id=entry.organization_id,
        kind=CreditEntry.Kind.RESTORED,
        amount=-entry.amount,
        invoice=paid.invoice,
        payment=paid,
        memo=f"Applied to invoice {paid.invoice.number}, undone: {paid.failure_message}",
        created_by=user_or_none(by),
    )
    return [
        f"{format_usd(-entry.amount)} of credit applied to invoice {paid.invoice.number} undone."
    ]


def credit_from_overpayment(*, invoice: Invoice, payment: Payment, by: Any = None) -> Decimal:
    """With the invoice locked, after `payment` succeeded: what was paid over the invoice's total
    (and not moved to credit already) goes to the organization's credit balance. Returns it."""
    if payment.status != Payment.Status.SUCCEEDED:
        return ZERO
    owed = ZERO if invoice.status in (Invoice.Status.VOID, Invoice.Status.DRAFT) else invoice.total
    excess = min(invoice.amount_paid - owed - _credit_added_for(invoice), payment.amount)
    if excess <= ZERO:
        return ZERO
    CreditEntry.objects.create(
        organization_id=invoice.organization_id,
        kind=CreditEntry.Kind.ADDED,
        amount=excess,
        invoice=invoice,
        payment=payment,
        memo=(
            f"{payment.get_method_display()} payment of {format_usd(payment.amount)} on invoice "
            f"{invoice.number}: {format_usd(excess)} over what was due."
        ),
        created_by=user_or_none(by),
    )
    return excess


def credit_for_refund(*, refund: Refund, by: Any = None) -> Decimal:
    """With the refund's invoice locked, once the refund counts: a refund of a payment on an
    invoice that brought credit in gives that credit back first (the overpaid part is what is
    refunded), so the balance never shows money already returned. Once per refund."""
    if refund.status not in Refund.COUNTED_STATUSES or refund.credit_entries.exists():
        return ZERO
    invoice = refund.payment.invoice
    refunded_before = (
        CreditEntry.objects.filter(
            kind=CreditEntry.Kind.REFUNDED, refund__payment__invoice=invoice
        ).aggregate(s=Sum("amount"))["s"]
        or ZERO
    )
    left_from_invoice = _credit_added_for(invoice) + refunded_before
    part = min(refund.amount, left_from_invoice, credit_balance(invoice.organization_id))
    if part <= ZERO:
        return ZERO
    CreditEntry.objects.create(
        organization_id=invoice.organization_id,
        kind=CreditEntry.Kind.REFUNDED,
        amount=-part,
        invoice=invoice,
        payment=refund.payment,
        refund=refund,
        memo=f"Refunded {format_usd(part)}: {refund.reason}",
        created_by=user_or_none(by),
    )
    return part


def _lock_organization(organization_id: int) -> Organization:
    return Organization.objects.select_for_update().get(pk=organization_id)


def credit_apply(*, invoice: Invoice, amount: Decimal | None = None, by: Any = None) -> Payment:
    """Pay (part of) an issued invoice from its organization's credit balance: an "account
    credit" payment on the invoice, with the same checks, receipt and Stripe adjustment as an
    offline payment, and an "applied" row taking it off the balance. Without `amount`, as much
    as the balance and the amount due allow."""
    from billing.services.payments import _amount, record_payment_received

    invoice.refresh_from_db()
    balance = credit_balance(invoice.organization_id)
    if amount is None:
        amount = min(balance, invoice.amount_due)
        if amount <= ZERO:
            raise ServiceError(
                f"{invoice.organization} has {format_usd(balance)} in credit and invoice "
                f"{invoice.number} has {format_usd(invoice.amount_due)} due: nothing to apply."
            )
    amount = _amount(amount)

    def take_from_balance(locked: Invoice, payment: Payment) -> None:
        _lock_organization(locked.organization_id)
        available = credit_balance(locked.organization_id)
        if amount > available:
            raise InvalidData(
                f"{locked.organization} has only {format_usd(available)} in credit.",
                field="amount",
            )
        CreditEntry.objects.create(
            organization_id=locked.organization_id,
            kind=CreditEntry.Kind.APPLIED,
            amount=-amount,
            invoice=locked,
            payment=payment,
            memo=f"Applied to invoice {locked.number}.",
            created_by=user_or_none(by),
        )

    return record_payment_received(
        invoice=invoice,
        amount=amount,
        method=Payment.Method.CREDIT,
        received_on=timezone.localdate(),
        gl_account=settings.BILLING_GL_ACCOUNTS["customer_credits"],
        memo="Paid from the organization's credit balance.",
        by=by,
        then=take_from_balance,
    )


def credit_refund(
    *, organization: Organization, reason: str, amount: Decimal | None = None, by: Any = None
) -> list[Refund]:
    """Give an organization's credit balance back (all of it by default) by refunding the
    payments that brought it in, newest first (through Stripe for a Stripe payment, recorded as
    mailed back for a check). Returns the refunds; each takes its part off the balance."""
    from billing.services.payments import _amount, refund_create

    if not reason.strip():
        raise InvalidData("Say why the credit is refunded.", field="reason")
    balance = credit_balance(organization)
    amount = balance if amount is None else _amount(amount)
    if balance <= ZERO:
        raise ServiceError(f"{organization} has no credit balance to refund.")
    if amount > balance:
        raise InvalidData(
            f"{organization} has only {format_usd(balance)} in credit.", field="amount"
        )
    sources = (
        CreditEntry.objects.filter(organization=organization, kind=CreditEntry.Kind.ADDED)
        .select_related("payment")
        .order_by("-created", "-pk")
    )
    refunds: list[Refund] = []
    left = amount
    for entry in sources:
        if left <= ZERO:
            break
        assert entry.payment is not None
        with transaction.atomic():
            # What of this entry's credit is still unrefunded, and what its payment allows.
            given_back = -(
                CreditEntry.objects.filter(
                    kind=CreditEntry.Kind.REFUNDED, refund__payment__invoice=entry.invoice
                ).aggregate(s=Sum("amount"))["s"]
                or ZERO
            )
            part = min(left, entry.amount - given_back, entry.payment.refundable)
        if part <= ZERO:
            continue
        refund = refund_create(payment=entry.payment, amount=part, reason=reason, by=by)
        refunds.append(refund)
        left -= part
    if not refunds:
        raise ServiceError(
            f"None of the payments that brought {organization}'s credit in can be refunded "
            f"any more: apply the credit to an invoice instead."
        )
    return refunds


def credit_apply_to_open_invoices(*, organization: Organization, by: Any = None) -> list[Payment]:
    """Apply the organization's credit balance to its open invoices, oldest due first, until
    the balance or the invoices run out. Returns the account-credit payments made."""
    if credit_balance(organization) <= ZERO:
        raise ServiceError(f"{organization} has no credit balance to apply.")
    invoices = Invoice.objects.filter(
        organization=organization, status=Invoice.Status.OPEN
    ).order_by("due_date", "pk")
    payments: list[Payment] = []
    for invoice in invoices:
        balance = credit_balance(organization)
        if balance <= ZERO:
            break
        if invoice.amount_due <= ZERO:
            continue
        payments.append(
            credit_apply(invoice=invoice, amount=min(balance, invoice.amount_due), by=by)
        )
    if not payments:
        raise ServiceError(f"{organization} has no open invoice to apply its credit to.")
    return payments
