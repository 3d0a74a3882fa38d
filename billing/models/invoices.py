"""Invoices, their lines and reminders, and the money that moves on them: payments, refunds and
disputes. An invoice's balance is never stored: it is derived from its payments minus its
refunds (see Invoice.amount_paid and friends)."""

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q, Sum
from django.utils import timezone
from simple_history.models import HistoricalRecords

from billing.models.fields import amount_field
from billing.money import ZERO, format_usd
from core.models import TimeStampedModel, new_reference


def _journal_batch_field(related_name: str) -> models.ForeignKey:
    return models.ForeignKey(
        "billing.JournalBatch",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name=related_name,
        editable=False,
    )


class InvoiceNumberSequence(models.Model):
    """The last invoice number given out in a year. Its row is locked while a number is taken,
    so two invoices issued at the same moment never share one and none is skipped."""

    year = models.PositiveIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class Invoice(TimeStampedModel):
    # Searched as one text with one trigram index (crm.search; migration 0017).
    search_text_fields: ClassVar[tuple[str, ...]] = ("number", "reference", "stripe_invoice_id")

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open"
        PAID = "paid", "Paid"
        VOID = "void", "Void"
        UNCOLLECTIBLE = "uncollectible", "Written off (uncollectible)"
        # Every payment given back: what it paid for is undone; billing again is a new invoice.
        REFUNDED = "refunded", "Refunded in full"

    class Kind(models.TextChoices):
        DUES = "dues", "Membership dues"
        PLEDGE = "pledge", "Pledge installment"
        EVENT = "event", "Event registration"
        OTHER = "other", "Other"

    # Invoices that can still receive a payment.
    PAYABLE_STATUSES = (Status.OPEN, Status.UNCOLLECTIBLE)

    organization = models.ForeignKey(
        "crm.Organization", on_delete=models.PROTECT, related_name="invoices"
    )
    contact = models.ForeignKey(
        "crm.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invoices",
        help_text="Who receives the invoice (the billing contact, else the primary one).",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, db_index=True)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    # Given at issue; drafts have none. Unique and never reused, even after a void.
    number = models.CharField(max_length=20, unique=True, null=True, blank=True, editable=False)
    reference = models.CharField(max_length=40, unique=True, default=new_reference, editable=False)
    currency = models.CharField(max_length=3, default="usd", editable=False)
    total = amount_field(default=ZERO, editable=False)
    explanation = models.TextField(blank=True, help_text="How the amount was worked out.")
    memo = models.TextField(blank=True)
    issue_date = models.DateField(null=True, blank=True, db_index=True, editable=False)
    due_date = models.DateField(null=True, blank=True, db_index=True)
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    status_reason = models.TextField(blank=True, editable=False)
    paid_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When a full refund undid what the invoice paid for (once: this is what makes it once).
    reversed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When money that had paid it was taken back (a lost dispute, an ACH return) and it owed
    # again. Stripe's copy stays paid, so what is owed again is paid another way.
    reopened_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    # When it was written off and what it owed then (the bad debt on the accrual basis).
    written_off_at = models.DateTimeField(null=True, blank=True, editable=False)
    written_off_amount = amount_field(null=True, blank=True, editable=False)
    # On the accrual basis, the journal batches that posted its issue (the receivable), its
    # void and its write-off; each is posted once.
    accrued_in = _journal_batch_field("accrued_invoices")
    void_posted_in = _journal_batch_field("voided_invoices")
    write_off_posted_in = _journal_batch_field("written_off_invoices")
    stripe_invoice_id = models.CharField(
        max_length=255, unique=True, null=True, blank=True, editable=False
    )
    stripe_hosted_url = models.URLField(max_length=1000, blank=True, editable=False)
    stripe_pdf_url = models.URLField(max_length=1000, blank=True, editable=False)
    stripe_error = models.TextField(
        blank=True, editable=False, help_text="The last Stripe failure, shown until it succeeds."
    )
    last_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created"]
        permissions = [
            ("void_invoice", "Can void invoices"),
            ("write_off_invoice", "Can write off invoices"),
            ("record_payment", "Can record offline payments"),
            ("refund_payment", "Can refund payments"),
        ]

    def __str__(self) -> str:
        return f"Invoice {self.number or f'draft #{self.pk}'} — {self.organization}"

    # The balance, derived from payments and refunds. Selectors annotate the same sums in bulk.

    @property
    def amount_paid(self) -> Decimal:
        """What its succeeded payments brought in, less what lost disputes took back."""
        if hasattr(self, "paid_sum"):
            return self.paid_sum or ZERO
        succeeded = (
            self.payments.filter(status=Payment.Status.SUCCEEDED).aggregate(s=Sum("amount"))["s"]
            or ZERO
        )
        return succeeded - self.amount_charged_back

    @property
    def amount_charged_back(self) -> Decimal:
        """What lost disputes took back from its payments (a won dispute gives it back)."""
        return (
            Dispute.objects.filter(payment__invoice=self, taken_back=True).aggregate(
                s=Sum("amount")
            )["s"]
            or ZERO
        )

    @property
    def amount_refunded(self) -> Decimal:
        if hasattr(self, "refunded_sum"):
            return self.refunded_sum or ZERO
        return (
            Refund.objects.filter(
                payment__invoice=self, status__in=Refund.COUNTED_STATUSES
            ).aggregate(s=Sum("amount"))["s"]
            or ZERO
        )

    @property
    def net_paid(self) -> Decimal:
        return self.amount_paid - self.amount_refunded

    @property
    def amount_due(self) -> Decimal:
        """What the payer still owes. A refund is money the chamber chose to give back: it
        does not put a paid invoice back in debt."""
        if self.status not in self.PAYABLE_STATUSES:
            return ZERO
        return max(self.total - self.amount_paid, ZERO)

    @property
    def is_overdue(self) -> bool:
        return (
            self.status == self.Status.OPEN
            and self.due_date is not None
            and self.due_date < timezone.localdate()
        )

    @property
    def pay_url(self) -> str | None:
        # Reopened after a dispute or a return, the link is the new Stripe invoice's (none
        # until it exists: then pay another way).
        if self.status in self.PAYABLE_STATUSES and self.stripe_hosted_url:
            return self.stripe_hosted_url
        return None

    @property
    def pay_link_pending(self) -> bool:
        """Stripe is meant to host this invoice but its Stripe step failed (a timeout, an error):
        `manage.py stripe_retry` retries it and mails the payer the pay link once it exists."""
        return (
            self.status in self.PAYABLE_STATUSES
            and not self.stripe_invoice_id
            and bool(self.stripe_error)
        )

    @property
    def payment_instructions(self) -> str:
        """How to pay without Stripe (a check or a transfer quoting the invoice number)."""
        if self.pay_url:
            return ""
        return settings.BILLING_PAYMENT_INSTRUCTIONS.format(
            number=self.number or "(given when issued)"
        )


class InvoiceReminder(models.Model):
    """A reminder sent about an unpaid invoice. One per invoice and kind ("due-14", "due+7",
    "manual-2026-12-03"): the row is what makes the daily job send each reminder once."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=40)
    sent_at = models.DateTimeField(auto_now_add=True, db_index=True)
    recipient = models.CharField(max_length=254, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["invoice", "sent_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "kind"], name="billing_reminder_once")
        ]

    def __str__(self) -> str:
        return f"Reminder {self.kind} of {self.invoice}"


class InvoiceLine(models.Model):
    class Kind(models.TextChoices):
        MEMBERSHIP = "membership", "Membership period"
        PLEDGE_INSTALLMENT = "pledge_installment", "Pledge installment"
        REGISTRATION = "registration", "Event registration"
        OTHER = "other", "Other"

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    description = models.CharField(max_length=500)
    amount = amount_field()
    gl_account = models.CharField("GL account", max_length=50)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    membership = models.ForeignKey(
        "crm.Membership",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoice_lines",
    )
    pledge_installment = models.ForeignKey(
        "crm.PledgeInstallment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoice_lines",
    )
    registration = models.ForeignKey(
        "events.Registration",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoice_lines",
    )
    # The plan a membership's line bills (the membership may move to another plan later):
    # reports count the term under it.
    plan = models.ForeignKey(
        "crm.MembershipPlan",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoice_lines",
        editable=False,
    )

    class Meta:
        ordering = ["invoice", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="membership") | Q(membership__isnull=False),
                name="billing_line_membership_has_membership",
            ),
            models.CheckConstraint(
                condition=~Q(kind="pledge_installment") | Q(pledge_installment__isnull=False),
                name="billing_line_installment_has_installment",
            ),
            models.CheckConstraint(
                condition=~Q(kind="registration") | Q(registration__isnull=False),
                name="billing_line_registration_has_registration",
            ),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_end__gte=models.F("period_start")),
                name="billing_line_period_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.description}: {format_usd(self.amount)}"


class Payment(TimeStampedModel):
    class Method(models.TextChoices):
        CARD = "card", "Card"
        ACH = "ach", "ACH bank transfer"
        CHECK = "check", "Check"
        CASH = "cash", "Cash"
        WIRE = "wire", "Wire transfer"
        CREDIT = "credit", "Account credit"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending (processing)"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    OFFLINE_METHODS = (Method.CHECK, Method.CASH, Method.WIRE, Method.ACH)

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(max_length=10, choices=Method.choices)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    amount = amount_field()
    fee = amount_field("processor fee", null=True, blank=True)
    net = amount_field("net of fees", null=True, blank=True)
    received_on = models.DateField(null=True, blank=True, db_index=True)
    check_number = models.CharField(max_length=50, blank=True)
    memo = models.CharField(max_length=500, blank=True)
    gl_account = models.CharField(
        "GL cash account", max_length=50, help_text="Where the money lands first."
    )
    failure_message = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    # One row per attempt (its charge): a failed ACH debit and the card that paid after it are
    # two payments of one PaymentIntent.
    stripe_payment_intent_id = models.CharField(
        max_length=255, null=True, blank=True, db_index=True, editable=False
    )
    stripe_charge_id = models.CharField(max_length=255, blank=True, db_index=True, editable=False)
    stripe_invoice_payment_id = models.CharField(max_length=255, blank=True, editable=False)
    # The Stripe credit note that took an offline payment off what Stripe asks the payer for.
    stripe_credit_note_id = models.CharField(max_length=255, blank=True, editable=False)
    # Stripe's timestamp of the state we hold, so an older view never overwrites a newer one.
    stripe_state_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When the bank returned it after it had succeeded (an ACH return): it counts as failed.
    returned_at = models.DateTimeField(null=True, blank=True, editable=False)
    # On the accrual basis, the batch that posted an account-credit payment (the customer's
    # credit clears the receivable); other payments are posted with their payout or deposit.
    journal_batch = _journal_batch_field("credit_payments")

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(
                fields=["stripe_payment_intent_id", "stripe_charge_id"],
                condition=Q(stripe_payment_intent_id__isnull=False),
                name="billing_payment_one_row_per_attempt",
            )
        ]

    def __str__(self) -> str:
        status = self.get_status_display().lower()
        return f"{self.get_method_display()} {format_usd(self.amount)} ({status})"

    @property
    def is_stripe(self) -> bool:
        return bool(self.stripe_payment_intent_id)

    @property
    def amount_refunded(self) -> Decimal:
        if hasattr(self, "refunded_sum"):  # annotated by billing.selectors.payment_list()
            return self.refunded_sum or ZERO
        return (
            self.refunds.filter(status__in=Refund.COUNTED_STATUSES).aggregate(s=Sum("amount"))["s"]
            or ZERO
        )

    @property
    def refundable(self) -> Decimal:
        if self.status != self.Status.SUCCEEDED:
            return ZERO
        return max(self.amount - self.amount_refunded - self.amount_charged_back, ZERO)

    @property
    def amount_charged_back(self) -> Decimal:
        """What disputes took back of it (lost, or withdrawn while open)."""
        if hasattr(self, "charged_back_sum"):  # annotated by billing.selectors.payment_list()
            return self.charged_back_sum or ZERO
        return self.disputes.filter(taken_back=True).aggregate(s=Sum("amount"))["s"] or ZERO


class Refund(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    # Money promised back counts at once; a refund that failed gives nothing back.
    COUNTED_STATUSES = (Status.PENDING, Status.SUCCEEDED)

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = amount_field()
    reason = models.TextField()
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    failure_message = models.TextField(blank=True)
    outcome = models.TextField(blank=True, help_text="What the refund changed (or did not).")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    stripe_refund_id = models.CharField(
        max_length=255, unique=True, null=True, blank=True, editable=False
    )
    # An offline refund's own journal entry (a Stripe refund is posted with its payout).
    journal_batch = models.ForeignKey(
        "billing.JournalBatch",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refunds",
        editable=False,
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"Refund {format_usd(self.amount)} of {self.payment}"


class Dispute(TimeStampedModel):
    """A chargeback opened by the payer's bank: finance answers it in Stripe. Lost, its amount
    is taken back from the invoice (which owes it again) and its fee is an expense of its own;
    won, both come back."""

    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="disputes"
    )
    stripe_dispute_id = models.CharField(max_length=255, unique=True)
    stripe_charge_id = models.CharField(max_length=255, blank=True)
    amount = amount_field()
    reason = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=50, blank=True)
    evidence_due_by = models.DateTimeField(null=True, blank=True)
    fee = amount_field(
        "dispute fee",
        default=ZERO,
        help_text="What Stripe charged for the dispute, net of any fee it returned (an expense).",
    )
    taken_back = models.BooleanField(
        default=False, help_text="Lost: its amount no longer pays the invoice."
    )
    outcome = models.TextField(blank=True, help_text="What the dispute changed (or did not).")

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"Dispute {self.stripe_dispute_id} ({self.status})"
