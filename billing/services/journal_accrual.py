"""The accrual basis's own journal entries (JOURNAL_BASIS = "accrual", the default): an issued
invoice debits accounts receivable and credits revenue for the months begun, deferred revenue
for the months to come (recognised month by month like dues paid on the cash basis); a void
reverses it; a write-off moves what was owed then to bad debt expense; an account-credit payment
clears the receivable from the customer's credit. Payments, refunds and disputes are posted with
their payout or deposit (billing.services.journal_entries: EntryBuilder.settle and refund)."""

from datetime import date

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from billing.models import Invoice, Payment
from billing.money import ZERO
from billing.services.journal_entries import EntryBuilder, payment_label


def _account(key: str) -> str:
    return settings.BILLING_GL_ACCOUNTS[key]


def to_accrue(accrual_from: date, date_to: date) -> QuerySet[Invoice]:
    """Issued invoices on the accrual basis whose issue is not posted yet."""
    return (
        Invoice.objects.select_for_update(of=("self",))
        .filter(accrued_in__isnull=True, issue_date__gte=accrual_from, issue_date__lte=date_to)
        .exclude(status=Invoice.Status.DRAFT)
        .select_related("organization")
        .prefetch_related("lines")
        .order_by("issue_date", "pk")
    )


def to_reverse(accrual_from: date, date_to: date) -> QuerySet[Invoice]:
    """Voids and write-offs of accrued invoices (or of ones accrued in this export) not posted."""
    return (
        Invoice.objects.select_for_update(of=("self",))
        .filter(issue_date__gte=accrual_from, issue_date__lte=date_to)
        .filter(
            Q(status=Invoice.Status.VOID, void_posted_in__isnull=True)
            | Q(written_off_at__isnull=False, write_off_posted_in__isnull=True)
        )
        .select_related("organization")
        .prefetch_related("lines")
        .order_by("status_changed_at", "pk")
    )


def credit_payments(accrual_from: date, date_to: date) -> QuerySet[Payment]:
    return (
        Payment.objects.select_for_update(of=("self",))
        .filter(
            method=Payment.Method.CREDIT,
            status=Payment.Status.SUCCEEDED,
            journal_batch__isnull=True,
            received_on__lte=date_to,
            invoice__issue_date__gte=accrual_from,
        )
        .select_related("invoice__organization")
        .prefetch_related("invoice__lines", "credit_entries")
        .order_by("received_on", "pk")
    )


def invoice_entry(invoice: Invoice, posted_on: date) -> EntryBuilder:
    """The invoice as issued: what it bills is owed (receivable) and earned as each line's
    period runs (the months to come deferred)."""
    entry = EntryBuilder(posted_on=posted_on, source=f"invoice {invoice.number}")
    entry.post(
        _account("receivable"),
        invoice.total,
        f"Invoice {invoice.number} issued",
        invoice.organization.name,
    )
    entry.revenue(invoice, invoice.total, "Issued")
    return entry


def write_off_day(invoice: Invoice) -> date:
    assert invoice.written_off_at is not None
    return timezone.localdate(invoice.written_off_at)


def write_off_entry(invoice: Invoice, posted_on: date) -> EntryBuilder:
    """What the invoice owed when written off leaves the receivable for bad debt expense; the
    revenue stands (a payment that still arrives recovers the bad debt)."""
    entry = EntryBuilder(posted_on=posted_on, source=f"invoice {invoice.number} written off")
    amount = invoice.written_off_amount or ZERO
    description = f"Invoice {invoice.number} written off"
    name = invoice.organization.name
    entry.post(_account("bad_debt"), amount, description, name)
    entry.post(_account("receivable"), -amount, description, name)
    return entry


def void_entry(invoice: Invoice, posted_on: date) -> EntryBuilder:
    """A voided invoice (nothing was paid on it) is reversed: the receivable (or the bad debt it
    was written off to) is credited and the revenue debited back, its months still deferred
    taken off the schedule."""
    entry = EntryBuilder(posted_on=posted_on, source=f"invoice {invoice.number} voided")
    name = invoice.organization.name
    description = f"Invoice {invoice.number} voided"
    written_off = invoice.written_off_amount or ZERO
    entry.post(_account("receivable"), -(invoice.total - written_off), description, name)
    entry.post(_account("bad_debt"), -written_off, description, name)
    entry.revenue(invoice, -invoice.total, "Voided")
    return entry


def credit_payment_entry(payment: Payment, posted_on: date) -> EntryBuilder:
    """An account-credit payment: the customer's credit pays the receivable."""
    invoice = payment.invoice
    entry = EntryBuilder(posted_on=posted_on, source=f"credit payment {payment.pk}")
    entry.post(
        payment.gl_account or _account("customer_credits"),
        payment.amount,
        f"{payment_label(payment)}: invoice {invoice.number}",
        invoice.organization.name,
    )
    entry.settle(payment, payment.amount, payment_label(payment))
    return entry
