"""Invoices: issue, void, write off, resend (billing.services.invoice_drafts creates them: dues,
pledge installments).

Issuing gives the invoice its number and, when Stripe is configured, creates the Stripe invoice
that the payer pays on Stripe's hosted page. A Stripe failure never loses or blocks our own
invoice: it stays open with the error shown to staff, and issuing again retries the Stripe part.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from billing.gateways import GatewayError, get_gateway
from billing.gateways.base import DraftInvoice, DraftLine
from billing.models import (
    EarlierStripeInvoice,
    Invoice,
    InvoiceLine,
    InvoiceNumberSequence,
    Payment,
)
from billing.money import ZERO, format_usd
from billing.services.common import (
    lock_invoice,
    logger,
    mail_invoice,
    refresh_from,
    save_with_reason,
    set_status,
    settle_if_paid,
    stripe_customer,
    stripe_key,
)
from core.exceptions import InvalidData, ServiceError
from core.services import atomic, keep_prefetched, with_history_user
from crm.models import Organization

Status = Invoice.Status


def _next_number(year: int) -> str:
    """The next number of the year, taken under a row lock: concurrent issues wait their turn
    here, so numbers are never repeated, and a rolled-back issue gives its number back. One
    statement (an upsert that returns the number; PostgreSQL and SQLite 3.35+): the update's row
    lock is held until the transaction ends, as SELECT ... FOR UPDATE would hold it."""
    qn = connection.ops.quote_name
    table, year_, last = (
        qn(InvoiceNumberSequence._meta.db_table),
        qn("year"),
        qn("last_number"),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({year_}, {last}) VALUES (%s, 1) "
            f"ON CONFLICT ({year_}) DO UPDATE SET {last} = {table}.{last} + 1 "
            f"RETURNING {last}",
            [year],
        )
        number = cursor.fetchone()[0]
    return f"{year}-{number:05d}"


def _push_to_stripe(invoice: Invoice, *, by: Any, charge_automatically: bool = False) -> None:
    """Create and finalize the Stripe invoice of an open one. On failure the error is stored
    on the invoice for staff and the next issue or resend retries (same idempotency keys)."""
    gateway = get_gateway()
    organization = Organization.objects.get(pk=invoice.organization_id)
    contact = invoice.contact
    try:
        customer_id = stripe_customer(organization, email=contact.email if contact else "")
        today = timezone.localdate()
        remote = gateway.issue_invoice(
            DraftInvoice(
                invoice_id=invoice.pk,
                number=invoice.number or "",
                customer_id=customer_id,
                days_until_due=max((invoice.due_date or today) - today, timedelta(0)).days,
                description=f"Invoice {invoice.number}. {invoice.explanation}".strip(),
                lines=tuple(
                    DraftLine(
                        line_id=line.pk,
                        description=line.description,
                        amount=line.amount,
                        period_start=line.period_start,
                        period_end=line.period_end,
                    )
                    for line in invoice.lines.all()
                ),
                metadata={"organization_id": str(organization.pk), "kind": invoice.kind},
                charge_automatically=charge_automatically,
                key=stripe_key(invoice),
            )
        )
        note_id = _lower_by_paid_before(invoice, remote.id) if invoice.reopened_at else ""
    except GatewayError as exc:
        logger.warning("invoice %s not sent to Stripe: %s", invoice.number, exc.message)
        Invoice.objects.filter(pk=invoice.pk).update(stripe_error=exc.message)
        invoice.stripe_error = exc.message
        return
    with transaction.atomic():
        locked = lock_invoice(invoice)
        locked.stripe_invoice_id = remote.id
        locked.stripe_hosted_url = remote.hosted_url
        locked.stripe_pdf_url = remote.pdf_url
        locked.stripe_error = ""
        save_with_reason(locked, reason="sent to Stripe", by=by)
        if note_id:
            # Every payment made before is inside that credit note: none is lowered again.
            locked.payments.filter(
                status=Payment.Status.SUCCEEDED,
                stripe_payment_intent_id__isnull=True,
                stripe_credit_note_id="",
            ).update(stripe_credit_note_id=note_id)
    invoice.refresh_from_db()


def _lower_by_paid_before(invoice: Invoice, stripe_invoice_id: str) -> str:
    """A reopened invoice's new Stripe invoice bills its lines (the same total as ours, which
    the money check compares); what is still paid on it is taken off by a credit note before
    payment, so Stripe asks only for what is owed. The note's id, or "" with nothing paid."""
    paid = invoice.amount_paid
    if paid <= ZERO:
        return ""
    note = get_gateway().credit_invoice(
        stripe_invoice_id,
        amount=paid,
        memo=f"{format_usd(paid)} already paid on invoice {invoice.number}.",
        idempotency_key=f"{stripe_key(invoice)}-paid-before",
        metadata={"invoice_id": str(invoice.pk)},
    )
    return note.id


def invoice_reissue_on_stripe(invoice: Invoice, *, by: Any = None) -> bool:
    """With the invoice locked, just reopened by a lost dispute or a bank return: Stripe's copy
    is paid and cannot take another payment, so the invoice gets a new Stripe invoice asking
    for what is owed (its pay link replaces the old one). On failure the invoice shows the
    error and `manage.py stripe_retry` tries again; meanwhile the payer is told how to pay
    another way. False when Stripe is not used or could not be reached."""
    if not invoice.stripe_invoice_id or not get_gateway().is_remote:
        return False
    old = invoice.stripe_invoice_id
    # Still known: Stripe's events about it (a late `invoice.paid`, a payment on its old link)
    # find the invoice by it and are applied to its payments (billing.services.stripe_sync).
    EarlierStripeInvoice.objects.get_or_create(stripe_invoice_id=old, defaults={"invoice": invoice})
    invoice.stripe_invoice_id = None
    invoice.stripe_hosted_url = ""
    invoice.stripe_pdf_url = ""
    save_with_reason(invoice, reason=f"reopened: Stripe invoice {old} is paid already", by=by)
    _push_to_stripe(invoice, by=by)
    return bool(invoice.stripe_invoice_id)


def invoice_issue(
    *,
    invoice: Invoice,
    by: Any = None,
    send_email: bool = True,
    charge_automatically: bool = False,
    template: str = "invoice_issued",
    subject: str = "",
    opened: bool = False,
) -> Invoice:
    """Number and open a draft, then hand it to Stripe when Stripe is configured and mail it to
    the payer (with its pay link, or the payment instructions). Issuing an open invoice again
    only retries what has not happened yet (Stripe, the first mail). Never raises because
    Stripe is down: `invoice.stripe_error` says what failed. `charge_automatically` makes the
    Stripe invoice one to charge with the saved payment method (invoice_charge_automatically).
    `opened`: the caller numbered and opened `invoice` with invoice_create_open() in a transaction
    that has committed since; only Stripe and the mail remain."""
    if not opened:
        with transaction.atomic():
            # lock_invoice(), with whether it has lines in the same round trip.
            locked = (
                Invoice.objects.select_for_update()
                .annotate(has_lines=Exists(InvoiceLine.objects.filter(invoice=OuterRef("pk"))))
                .get(pk=invoice.pk)
            )
            if locked.status == Status.DRAFT:
                if not locked.has_lines:  # type: ignore[attr-defined]
                    raise ServiceError("An invoice without lines cannot be issued.")
                _open(locked, by=by)
            elif locked.status != Status.OPEN:
                raise ServiceError(
                    f"An invoice that is {locked.get_status_display().lower()} cannot be issued."
                )
        # The locked row is the fresh one (no need to read it again); the caller's instance
        # keeps its loaded organization and contact when they did not change.
        refresh_from(invoice, locked)
    if invoice.status != Status.OPEN:
        return invoice
    if get_gateway().is_remote and not invoice.stripe_invoice_id:
        _push_to_stripe(invoice, by=by, charge_automatically=charge_automatically)
        if invoice.stripe_error:
            return invoice
        if invoice.reopened_at is not None and invoice.last_sent_at is not None:
            # Reopened while Stripe was down: the payer now gets the new pay link.
            mail_invoice(
                invoice,
                reason=f"invoice {invoice.number} reopened: new pay link",
                subject=f"Invoice {invoice.number}: pay online",
            )
    # The first mail of an invoice created open with `mail` (its last_sent_at set already).
    first_mail_due = opened and getattr(invoice, "_first_mail_due", False)
    if send_email and (invoice.last_sent_at is None or first_mail_due):
        invoice._first_mail_due = False  # type: ignore[attr-defined]
        mail_invoice(
            invoice,
            reason=f"invoice {invoice.number} issued",
            template=template,
            subject=subject.replace("{number}", invoice.number or ""),
            sent_at_set=first_mail_due,
        )
    return invoice


def _mailed_with_opening(invoice: Invoice) -> bool:
    """invoice_create_open(mail=True): whether its mail is the first thing after the commit
    and certain to be queued (see there)."""
    contact = invoice.contact
    return (
        invoice.total > ZERO
        and not get_gateway().is_remote
        and contact is not None
        and bool(contact.email)
    )


def invoices_retry_stripe(*, by: Any = None) -> list[Invoice]:
    """Retry the Stripe step of every open invoice whose Stripe step failed (a business joining,
    a registrant or a confirmed pledge while Stripe timed out or answered an error). Issuing
    again redoes only what is missing: the Stripe invoice, under the same idempotency keys, so a
    request that reached Stripe before it timed out is not made twice; then the first mail with
    the pay link, which the payer has not had. An invoice that fails again keeps its error for
    the next run. For cron every few minutes (`manage.py stripe_retry`); safe to run twice."""
    if not get_gateway().is_remote:
        return []
    with _one_run_at_a_time() as alone:
        if not alone:
            logger.info("stripe retry skipped: another run is still going")
            return []
        failed = (
            Invoice.objects.filter(status=Status.OPEN)
            .filter(Q(stripe_invoice_id__isnull=True) | Q(stripe_invoice_id=""))
            .exclude(stripe_error="")
            .order_by("pk")
        )
        return [invoice_issue(invoice=invoice, by=by) for invoice in failed]


# Any constant will do: it names the lock that one run of invoices_retry_stripe holds.
_RETRY_LOCK = 4_240_002


@contextmanager
def _one_run_at_a_time() -> Iterator[bool]:
    """While Stripe hangs, a run can outlast the cron interval; a second run alongside would
    retry the same invoices and could mail a payer twice. On PostgreSQL a session lock lets one
    run at a time (the other returns at once); SQLite serves one process anyway."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_RETRY_LOCK])
        alone = bool(cursor.fetchone()[0])
    try:
        yield alone
    finally:
        if alone:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_RETRY_LOCK])


def _opening(invoice: Invoice) -> dict[str, Any]:
    """What opening a draft sets: its number, issue date and due date (a due date it already
    has is kept when it has not passed)."""
    today = timezone.localdate()
    due = today + timedelta(days=settings.INVOICE_DAYS_UNTIL_DUE)
    if invoice.due_date is not None and invoice.due_date >= today:
        due = invoice.due_date
    return {"number": _next_number(today.year), "issue_date": today, "due_date": due}


def _open(locked: Invoice, *, by: Any) -> None:
    """Number and open a draft the caller holds locked."""
    set_status(locked, to=Status.OPEN, reason="issued", by=by, **_opening(locked))
    # Nothing to pay (a complimentary plan): settled at once, with its effects.
    if locked.total == ZERO:
        settle_if_paid(locked, by=by)


def invoice_create_open(
    *, invoice: Invoice, lines: list[InvoiceLine], reason: str, by: Any = None, mail: bool = False
) -> Invoice:
    """A new invoice (not saved yet, its total set) with its lines, numbered and open from its
    first save, in the caller's open transaction: one row and one history row, not a draft
    then its opening. After the commit the caller calls invoice_issue(opened=True) for Stripe
    and the mail, which must not run inside a transaction.

    `mail`: that invoice_issue() mails the invoice to its payer. When nothing comes before the
    mail (no Stripe step: the gateway is not remote), something is owed and the payer has an
    address, the invoice is saved with `last_sent_at` already set, the time the mail is queued
    on the commit, instead of updated once it is (one statement fewer)."""
    if invoice.pk is not None or invoice.status != Status.DRAFT:
        raise ServiceError("Only a new invoice is created open.")
    if invoice.total != sum((line.amount for line in lines), ZERO):
        raise ServiceError("An invoice's total must be the sum of its lines.")
    with atomic():
        for name, value in _opening(invoice).items():
            setattr(invoice, name, value)
        invoice.status = Status.OPEN
        invoice.status_changed_at = timezone.now()
        invoice.status_reason = "issued"
        if mail and _mailed_with_opening(invoice):
            invoice.last_sent_at = invoice.status_changed_at
            invoice._first_mail_due = True  # type: ignore[attr-defined]
        save_with_reason(invoice, reason=f"{reason}; issued", by=by)
        for line in lines:
            line.invoice = invoice
        InvoiceLine.objects.bulk_create(lines)
        keep_prefetched(invoice, "lines", lines)
        if invoice.total == ZERO:
            settle_if_paid(invoice, by=by)
    return invoice


def invoice_charge_automatically(*, invoice: Invoice, by: Any = None) -> bool:
    """Charge an open Stripe invoice to the customer's saved payment method (auto-renewal) and
    record the payment at once (the webhook that follows finds it done). A decline leaves the
    invoice open: it is mailed to the payer with its pay link, and False is returned."""
    from billing.services.stripe_sync import invoice_sync_from_stripe

    invoice.refresh_from_db()
    if invoice.status != Status.OPEN or not invoice.stripe_invoice_id:
        return invoice.status == Status.PAID
    try:
        get_gateway().pay_invoice(
            invoice.stripe_invoice_id, idempotency_key=f"{stripe_key(invoice)}-charge"
        )
    except GatewayError as exc:
        # A run again after a worker died once Stripe had charged (its idempotency key
        # forgotten by now) is refused as "already paid": Stripe's invoice says what happened.
        if _paid_in_stripe(invoice):
            return True
        logger.warning("invoice %s not charged: %s", invoice.number, exc.message)
        message = f"Automatic charge failed: {exc.message}"
        Invoice.objects.filter(pk=invoice.pk).update(stripe_error=message)
        invoice.stripe_error = message
        if invoice.last_sent_at is None:
            mail_invoice(
                invoice,
                reason=f"invoice {invoice.number}: automatic charge failed",
                template="renewal_charge_failed",
                subject=f"We could not charge your card for invoice {invoice.number}",
                failure=exc.message,
            )
        return False
    invoice_sync_from_stripe(invoice=invoice)
    invoice.refresh_from_db()
    return invoice.status == Status.PAID


def _paid_in_stripe(invoice: Invoice) -> bool:
    """Record what Stripe says of the invoice; whether it is paid now."""
    from billing.services.stripe_sync import invoice_sync_from_stripe

    try:
        invoice_sync_from_stripe(invoice=invoice)
    except GatewayError:
        return False
    invoice.refresh_from_db()
    return invoice.status == Status.PAID


def invoice_resend(*, invoice: Invoice, by: Any = None) -> Invoice:
    """Mail the invoice to its payer again (retrying Stripe first if that had failed)."""
    invoice.refresh_from_db()
    if invoice.status not in Invoice.PAYABLE_STATUSES:
        raise ServiceError(
            f"An invoice that is {invoice.get_status_display().lower()} is not sent to the payer."
        )
    if get_gateway().is_remote and not invoice.stripe_invoice_id:
        _push_to_stripe(invoice, by=by)
        if invoice.stripe_error:
            raise ServiceError(f"Not sent: {invoice.stripe_error}")
    if not mail_invoice(invoice, reason=f"invoice {invoice.number} resent"):
        raise ServiceError(f"{invoice.organization} has no contact with an email address.")
    return invoice


def invoice_set_memo(*, invoice: Invoice, memo: str, by: Any = None) -> Invoice:
    """Change the invoice's internal memo, the one field staff edit directly. The row is
    re-read under its lock so a payment arriving meanwhile is not overwritten by the form's copy."""
    with transaction.atomic():
        locked = lock_invoice(invoice)
        if locked.memo != memo:
            locked.memo = memo
            with_history_user(locked, by)
            locked.save(update_fields=["memo", "modified"])
    refresh_from(invoice, locked)
    return invoice


def _nothing_paid(locked: Invoice, verb: str) -> None:
    if locked.amount_paid > ZERO:
        raise ServiceError(
            f"Invoice {locked.number} has {format_usd(locked.amount_paid)} paid on it: "
            f"refund the payment before it can be {verb}."
        )
    if locked.payments.filter(status=Payment.Status.PENDING).exists():
        raise ServiceError(
            f"A payment on invoice {locked.number} is still processing (ACH takes days): "
            f"wait for it to succeed or fail before it is {verb}."
        )


def invoice_void(*, invoice: Invoice, reason: str, by: Any = None) -> Invoice:
    """Cancel an invoice that was a mistake. Only when nothing has been paid on it; Stripe's
    copy is voided first, so a payer can no longer pay it there."""
    if not reason.strip():
        raise InvalidData("Say why the invoice is voided.", field="reason")
    invoice.refresh_from_db()
    if invoice.status == Status.VOID:
        return invoice
    if invoice.status == Status.PAID:
        raise ServiceError("A paid invoice cannot be voided: refund it instead.")
    with transaction.atomic():
        _nothing_paid(lock_invoice(invoice), "voided")
    if invoice.stripe_invoice_id:
        try:
            get_gateway().void_invoice(
                invoice.stripe_invoice_id, idempotency_key=f"{stripe_key(invoice)}-void"
            )
        except GatewayError as exc:
            raise ServiceError(f"Not voided: {exc.message}") from exc
    with transaction.atomic():
        locked = lock_invoice(invoice)
        if locked.status != Status.VOID:
            _nothing_paid(locked, "voided")
            set_status(
                locked,
                to=Status.VOID,
                reason=f"Voided: {reason.strip()}. Nothing had been paid, so nothing it pays "
                f"for changes.",
                by=by,
            )
    invoice.refresh_from_db()
    return invoice


def invoice_write_off(*, invoice: Invoice, reason: str, by: Any = None) -> Invoice:
    """Give up collecting an open invoice (bad debt). A payment that still arrives is taken."""
    if not reason.strip():
        raise InvalidData("Say why the invoice is written off.", field="reason")
    invoice.refresh_from_db()
    if invoice.status == Status.UNCOLLECTIBLE:
        return invoice
    if invoice.status != Status.OPEN:
        raise ServiceError(
            f"An invoice that is {invoice.get_status_display().lower()} cannot be written off."
        )
    if invoice.stripe_invoice_id:
        try:
            get_gateway().mark_uncollectible(
                invoice.stripe_invoice_id, idempotency_key=f"{stripe_key(invoice)}-uncollectible"
            )
        except GatewayError as exc:
            raise ServiceError(f"Not written off: {exc.message}") from exc
    with transaction.atomic():
        locked = lock_invoice(invoice)
        if locked.status == Status.OPEN:
            due = locked.amount_due
            locked.written_off_at, locked.written_off_amount = timezone.now(), due
            set_status(
                locked,
                to=Status.UNCOLLECTIBLE,
                reason=f"Written off ({format_usd(due)} uncollectible): {reason.strip()}",
                by=by,
            )
    invoice.refresh_from_db()
    return invoice
