"""Payouts and bank deposits: what reached the bank, explained payment by payment.

A Stripe payout is read from Stripe (by `payout_sync` over a date range, or by the webhook for
one payout) with its balance transactions, and each transaction is matched to our payment,
refund or dispute. A transaction we cannot match, or whose amount is not ours, is an exception
that finance resolves with a note. Reading again is always safe: the rows are keyed by Stripe's
ids and the match is worked out afresh each time (a resolution stands while the mismatch does).
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from billing.gateways import get_gateway
from billing.gateways.base import RemoteBalanceTransaction, RemotePayout
from billing.models import (
    BalanceTransaction,
    BankDeposit,
    BankDepositItem,
    Dispute,
    Payment,
    Payout,
    Refund,
)
from billing.money import ZERO, format_usd
from core.exceptions import ServiceError
from core.services import set_change_reason, user_or_none, with_history_user

Match = BalanceTransaction.Match

CHARGE_TYPES = {"charge", "payment"}
REFUND_TYPES = {"refund", "payment_refund"}
# A payment the bank returned after it succeeded (an ACH return): Stripe takes it back.
RETURN_TYPES = {"payment_failure_refund"}
# Stripe's own charges to the account: booked to processing fees, nothing of ours to match.
FEE_TYPES = {"stripe_fee", "application_fee", "tax_fee", "stripe_fx_fee"}
# The payout's own withdrawal from the balance: the payout itself, not a line of it.
SKIPPED_TYPES = {"payout", "payout_cancel", "payout_failure"}
# An earlier payout that failed or was canceled gives its money back to the balance, and a later
# payout carries it: a line of that later payout, booked to Stripe clearing (where the failed
# payout's reversal put it).
RETURNED_PAYOUT_TYPES = {"payout_cancel", "payout_failure"}


def _skipped(payout: Payout, remote: RemoteBalanceTransaction) -> bool:
    if remote.type in RETURNED_PAYOUT_TYPES:
        return remote.source_id == payout.stripe_payout_id
    return remote.type in SKIPPED_TYPES


@dataclass
class SyncResult:
    payouts: list[Payout] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)


def _store_payout(remote: RemotePayout) -> tuple[Payout, bool]:
    payout, created = Payout.objects.update_or_create(
        stripe_payout_id=remote.id,
        defaults={
            "status": remote.status,
            "amount": remote.amount,
            "currency": remote.currency,
            "arrival_date": remote.arrival_date,
            "stripe_created": remote.created,
            "description": remote.description,
            "failure_message": remote.failure_message,
            "synced_at": timezone.now(),
        },
    )
    return payout, created


def _store_transaction(payout: Payout, remote: RemoteBalanceTransaction) -> BalanceTransaction:
    txn = BalanceTransaction.objects.filter(stripe_id=remote.id).first()
    if txn is None:
        txn = BalanceTransaction(stripe_id=remote.id)
    txn.payout = payout
    txn.type = remote.type
    txn.reporting_category = remote.reporting_category
    txn.amount = remote.amount
    txn.fee = remote.fee
    txn.net = remote.net
    txn.source_id = remote.source_id
    txn.description = remote.description[:500]
    txn.stripe_created = remote.created
    _match(txn, remote)
    txn.save()
    return txn


def _payment_for(charge_id: str, payment_intent_id: str) -> Payment | None:
    from billing.services.stripe_sync import stripe_payment_for

    return stripe_payment_for(payment_intent_id=payment_intent_id, charge_id=charge_id)


def _match(txn: BalanceTransaction, remote: RemoteBalanceTransaction) -> None:
    """Work out what the transaction is on our side and whether the amounts agree."""
    previous = txn.match
    txn.payment = txn.refund = txn.dispute = None
    txn.expected_amount = None
    if remote.type in CHARGE_TYPES:
        txn.payment = _payment_for(remote.charge_id, remote.payment_intent_id)
        if txn.payment is not None:
            txn.expected_amount = txn.payment.amount
    elif remote.type in RETURN_TYPES:
        txn.payment = _payment_for(remote.charge_id, remote.payment_intent_id)
        if txn.payment is not None:
            txn.expected_amount = -txn.payment.amount
    elif remote.type in REFUND_TYPES:
        txn.refund = Refund.objects.filter(stripe_refund_id=remote.source_id).first()
        if txn.refund is not None:
            txn.payment = txn.refund.payment
            txn.expected_amount = -txn.refund.amount
    elif remote.reporting_category == "dispute" or remote.type == "adjustment":
        txn.dispute = Dispute.objects.filter(stripe_dispute_id=remote.source_id).first()
        if txn.dispute is not None and txn.dispute.payment_id is not None:
            txn.payment = txn.dispute.payment
            # A dispute takes the money back; a won dispute returns it.
            sign = -1 if remote.amount < 0 else 1
            txn.expected_amount = sign * txn.dispute.amount
    if remote.type in FEE_TYPES or remote.type in RETURNED_PAYOUT_TYPES:
        txn.match = Match.NOT_APPLICABLE
    elif txn.payment is None:
        txn.match = Match.UNMATCHED
    elif txn.expected_amount != remote.amount:
        txn.match = Match.AMOUNT_DIFFERS
    else:
        txn.match = Match.MATCHED
    if txn.match != previous:
        txn.resolved_at = None
        txn.resolved_by = None
        txn.resolution = ""


def _record_fee(txn: BalanceTransaction) -> bool:
    """A matched charge tells us the processor's fee on our payment."""
    if txn.type not in CHARGE_TYPES or txn.payment is None or txn.match != Match.MATCHED:
        return False
    payment = txn.payment
    if (payment.fee, payment.net) == (txn.fee, txn.net):
        return False
    Payment.objects.filter(pk=payment.pk).update(fee=txn.fee, net=txn.net, modified=timezone.now())
    return True


def payout_store(*, remote: RemotePayout) -> list[str]:
    """Store (or refresh) a payout Stripe told us of and reconcile it."""
    with transaction.atomic():
        payout, created = _store_payout(remote)
        outcomes = [
            f"Payout {remote.id} of {format_usd(remote.amount)} ({remote.status}) "
            + ("stored." if created else "refreshed.")
        ]
        if payout.journal_batch_id is not None:
            number = getattr(payout.journal_batch, "number", "")
            outcomes.append(
                f"It was exported in journal batch {number}: its transactions are not read again."
            )
            if payout.status in (Payout.Status.FAILED, Payout.Status.CANCELED):
                outcomes.append(
                    "It did not reach the bank: the next journal export reverses its bank entry."
                    if payout.reversed_in_id is None
                    else "Its bank entry is reversed already."
                )
            return outcomes
    return outcomes + payout_reconcile(payout=payout)


def payout_refresh(*, payout_id: str) -> list[str]:
    """Re-read one payout from Stripe (what the payout.* webhooks do): safe to repeat."""
    return payout_store(remote=get_gateway().retrieve_payout(payout_id))


def payout_sync(*, since: date, until: date) -> SyncResult:
    """Read every payout arriving from `since` to `until` from Stripe, with its transactions,
    and reconcile each."""
    if until < since:
        raise ServiceError("The end of the range is before its start.", field="until")
    result = SyncResult()
    for remote in get_gateway().list_payouts(since=since, until=until):
        result.outcomes += payout_store(remote=remote)
        result.payouts.append(Payout.objects.get(stripe_payout_id=remote.id))
    if not result.payouts:
        result.outcomes.append(f"No payouts arrived from {since} to {until}.")
    return result


def payout_reconcile(*, payout: Payout) -> list[str]:
    """Read the payout's balance transactions from Stripe and match each to our records."""
    remote_transactions = get_gateway().list_payout_transactions(payout.stripe_payout_id)
    fees = 0
    with transaction.atomic():
        payout = Payout.objects.select_for_update().get(pk=payout.pk)
        if payout.journal_batch_id is not None:
            raise ServiceError(
                f"Payout {payout.stripe_payout_id} is exported already: it is not reconciled again."
            )
        for remote in remote_transactions:
            if _skipped(payout, remote):
                continue
            fees += _record_fee(_store_transaction(payout, remote))
        payout.reconciled_at = timezone.now()
        payout.save(update_fields=["reconciled_at", "modified"])
    problems = payout_problems(payout)
    outcome = [
        f"Payout {payout.stripe_payout_id}: {payout.transactions.count()} transactions, "
        f"{fees} fees recorded, "
        + (f"{len(problems)} to resolve." if problems else "everything matches.")
    ]
    return outcome + problems


def payout_problems(payout: Payout) -> list[str]:
    """What stops finance from signing the payout off: a payout in another currency than the
    books', open exceptions, and a payout whose amount is not the net of its transactions."""
    problems = []
    if payout.currency.lower() != "usd":
        problems.append(
            f"It is in {payout.currency.upper()}, the books in USD: nothing of it is booked at "
            f"face value. Post it by hand at the rate the bank converted it."
        )
    problems += [
        f"{txn.get_match_display()}: {txn.type} {txn.stripe_id} of {format_usd(txn.amount)}"
        + (f" (ours: {format_usd(txn.expected_amount)})" if txn.expected_amount is not None else "")
        for txn in payout.transactions.filter(
            match__in=BalanceTransaction.EXCEPTIONS, resolved_at__isnull=True
        )
    ]
    net = payout.transactions.aggregate(s=Sum("net"))["s"] or ZERO
    if payout.status == Payout.Status.PAID and net != payout.amount:
        problems.append(
            f"The transactions net {format_usd(net)}, but {format_usd(payout.amount)} was "
            f"paid out: sync the payout again."
        )
    return problems


def balance_transaction_resolve(
    *, transaction_: BalanceTransaction, resolution: str, by: Any = None
) -> BalanceTransaction:
    """Finance explains an exception (a charge made in the dashboard, a fee Stripe took back):
    it stays on the page with the note and no longer blocks the review or the export. It is
    booked to the Stripe clearing account, where finance moves it by hand."""
    if not resolution.strip():
        raise ServiceError("Say how the exception was resolved.", field="resolution")
    with transaction.atomic():
        txn = BalanceTransaction.objects.select_for_update().get(pk=transaction_.pk)
        if not txn.is_exception:
            raise ServiceError(f"{txn.stripe_id} matches: there is nothing to resolve.")
        if txn.payout.journal_batch_id is not None:
            raise ServiceError("The payout is exported already.")
        txn.resolution = resolution.strip()
        txn.resolved_at = timezone.now()
        txn.resolved_by = user_or_none(by)
        txn.save(update_fields=["resolution", "resolved_at", "resolved_by"])
    return txn


def payout_review(*, payout: Payout, by: Any = None) -> Payout:
    """Finance signs the payout off: it explains the deposit to the cent."""
    with transaction.atomic():
        payout = Payout.objects.select_for_update().get(pk=payout.pk)
        if payout.reviewed_at is not None:
            return payout
        if payout.status != Payout.Status.PAID:
            raise ServiceError(
                f"Payout {payout.stripe_payout_id} is {payout.get_status_display().lower()}: "
                f"only a deposited payout is reviewed."
            )
        problems = payout_problems(payout)
        if problems:
            raise ServiceError("Resolve these first: " + "; ".join(problems))
        payout.reviewed_at = timezone.now()
        payout.reviewed_by = user_or_none(by)
        with_history_user(payout, by)
        set_change_reason(payout, "Reviewed: the deposit is explained to the cent")
        payout.save(update_fields=["reviewed_at", "reviewed_by", "modified"])
    return payout


DEPOSITABLE_METHODS = (
    Payment.Method.CHECK,
    Payment.Method.CASH,
    Payment.Method.WIRE,
    Payment.Method.ACH,
)


def deposit_create(
    *,
    payments: list[Payment],
    deposited_on: date,
    reference: str = "",
    memo: str = "",
    by: Any = None,
) -> BankDeposit:
    """Group offline payments (checks, cash, wires) into the deposit that took them to the
    bank. A payment goes into one deposit only."""
    if not payments:
        raise ServiceError("Choose the payments that went to the bank.", field="payments")
    if deposited_on > timezone.localdate():
        raise ServiceError("A deposit cannot be made in the future.", field="deposited_on")
    with transaction.atomic():
        locked = list(
            Payment.objects.select_for_update()
            .select_related("invoice")
            .filter(pk__in=[p.pk for p in payments])
            .order_by("pk")
        )
        problems = []
        for payment in locked:
            what = f"{payment} on invoice {payment.invoice.number}"
            if payment.is_stripe or payment.method not in DEPOSITABLE_METHODS:
                problems.append(f"{what} is paid out by Stripe, not deposited")
            elif payment.status != Payment.Status.SUCCEEDED:
                problems.append(f"{what} has not succeeded")
            elif BankDepositItem.objects.filter(payment=payment).exists():
                problems.append(f"{what} is in a deposit already")
            elif payment.received_on and payment.received_on > deposited_on:
                problems.append(f"{what} was received after {deposited_on}")
        if problems:
            raise ServiceError("Not deposited: " + "; ".join(problems) + ".")
        deposit = BankDeposit.objects.create(
            deposited_on=deposited_on,
            reference=reference.strip(),
            memo=memo.strip(),
            total=sum((p.amount for p in locked), ZERO),
            created_by=user_or_none(by),
        )
        BankDepositItem.objects.bulk_create(
            BankDepositItem(deposit=deposit, payment=p) for p in locked
        )
    return deposit


def deposit_review(*, deposit: BankDeposit, by: Any = None) -> BankDeposit:
    with transaction.atomic():
        deposit = BankDeposit.objects.select_for_update().get(pk=deposit.pk)
        if deposit.reviewed_at is None:
            deposit.reviewed_at = timezone.now()
            deposit.reviewed_by = user_or_none(by)
            with_history_user(deposit, by)
            set_change_reason(deposit, "Reviewed")
            deposit.save(update_fields=["reviewed_at", "reviewed_by", "modified"])
    return deposit
