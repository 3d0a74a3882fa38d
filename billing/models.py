"""Finance's ledger: invoices and their lines, payments, refunds, disputes, and the Stripe events
that moved them. An invoice's balance is never stored: it is derived from its payments minus
its refunds (see Invoice.amount_paid and friends)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q, Sum
from django.utils import timezone
from simple_history.models import HistoricalRecords

from billing.money import ZERO
from core.models import TimeStampedModel, new_reference


def amount_field(verbose_name: str | None = None, **kwargs) -> models.DecimalField:
    """Money that may be negative (a proration credit line)."""
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, **kwargs)


class InvoiceNumberSequence(models.Model):
    """The last invoice number given out in a year. Its row is locked while a number is taken,
    so two invoices issued at the same moment never share one and none is skipped."""

    year = models.PositiveIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class Invoice(TimeStampedModel):
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
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
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
        if hasattr(self, "paid_sum"):
            return self.paid_sum or ZERO
        return (
            self.payments.filter(status=Payment.Status.SUCCEEDED).aggregate(s=Sum("amount"))["s"]
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
        return f"{self.description}: {self.amount}"


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
    stripe_payment_intent_id = models.CharField(
        max_length=255, unique=True, null=True, blank=True, editable=False
    )
    stripe_charge_id = models.CharField(max_length=255, blank=True, db_index=True, editable=False)
    stripe_invoice_payment_id = models.CharField(max_length=255, blank=True, editable=False)
    # The Stripe credit note that took an offline payment off what Stripe asks the payer for.
    stripe_credit_note_id = models.CharField(max_length=255, blank=True, editable=False)
    # Stripe's timestamp of the state we hold, so an older view never overwrites a newer one.
    stripe_state_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.amount} ({self.get_status_display().lower()})"

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
        return self.amount - self.amount_refunded


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

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"Refund {self.amount} of {self.payment}"


class Dispute(TimeStampedModel):
    """A chargeback opened by the payer's bank: finance answers it in Stripe."""

    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="disputes"
    )
    stripe_dispute_id = models.CharField(max_length=255, unique=True)
    stripe_charge_id = models.CharField(max_length=255, blank=True)
    amount = amount_field()
    reason = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=50, blank=True)
    evidence_due_by = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"Dispute {self.stripe_dispute_id} ({self.status})"


class StripeEvent(models.Model):
    """Every webhook Stripe sent, stored under its own id before it is processed."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSED = "processed", "Processed"
        STORED = "stored", "Stored (nothing to do)"
        FAILED = "failed", "Failed"

    stripe_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100, db_index=True)
    livemode = models.BooleanField(default=False)
    stripe_created = models.DateTimeField(null=True, blank=True, db_index=True)
    payload = models.JSONField()
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    outcome = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at"]
        permissions = [("replay_stripeevent", "Can replay Stripe events")]

    def __str__(self) -> str:
        return f"{self.type} {self.stripe_id}"

    @property
    def data_object(self) -> dict:
        return (self.payload.get("data") or {}).get("object") or {}


# --- Reconciliation: payouts, bank deposits and the journal -------------------------------------


class JournalBatch(models.Model):
    """One export to the accounting system: the journal entries of a set of payouts, deposits
    and revenue recognitions, each of which belongs to one batch at most (exported once)."""

    number = models.PositiveIntegerField(unique=True, editable=False)
    date_from = models.DateField(null=True, blank=True)
    date_to = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    total_debits = amount_field(default=ZERO)
    total_credits = amount_field(default=ZERO)

    class Meta:
        ordering = ["-number"]
        verbose_name_plural = "journal batches"

    def __str__(self) -> str:
        return f"Journal batch {self.number}"


class JournalLine(models.Model):
    """One line of an exported journal entry; the lines sharing an entry number balance."""

    batch = models.ForeignKey(JournalBatch, on_delete=models.CASCADE, related_name="lines")
    entry_number = models.CharField(max_length=30)
    entry_date = models.DateField()
    account = models.CharField(max_length=50)
    debit = amount_field(default=ZERO)
    credit = amount_field(default=ZERO)
    description = models.CharField(max_length=500, blank=True)
    name = models.CharField(max_length=255, blank=True, help_text="The customer, if any.")

    class Meta:
        ordering = ["batch", "pk"]

    def __str__(self) -> str:
        return f"{self.entry_number} {self.account} Dr {self.debit} Cr {self.credit}"


class Payout(TimeStampedModel):
    """A Stripe payout: one deposit to the bank, explained by its balance transactions."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        IN_TRANSIT = "in_transit", "In transit"
        PAID = "paid", "Paid (deposited)"
        FAILED = "failed", "Failed"
        CANCELED = "canceled", "Canceled"

    stripe_payout_id = models.CharField(max_length=255, unique=True)
    status = models.CharField(max_length=20, choices=Status.choices, db_index=True)
    amount = amount_field(help_text="What reaches the bank.")
    currency = models.CharField(max_length=3, default="usd")
    arrival_date = models.DateField(db_index=True)
    stripe_created = models.DateTimeField(null=True, blank=True)
    description = models.CharField(max_length=500, blank=True)
    failure_message = models.TextField(blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)
    reconciled_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    journal_batch = models.ForeignKey(
        JournalBatch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payouts",
        editable=False,
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-arrival_date", "-pk"]

    def __str__(self) -> str:
        return f"Payout {self.stripe_payout_id} of {self.amount} on {self.arrival_date}"


class BalanceTransaction(models.Model):
    """One movement of a payout (a charge, refund, fee, dispute or adjustment), matched to our
    payment, refund or dispute. What does not match, or matches with another amount, is an
    exception until finance resolves it."""

    class Match(models.TextChoices):
        MATCHED = "matched", "Matched"
        UNMATCHED = "unmatched", "Not ours (no matching payment)"
        AMOUNT_DIFFERS = "amount_differs", "Amount differs from ours"
        NOT_APPLICABLE = "n/a", "Nothing to match (fee or adjustment)"

    EXCEPTIONS = (Match.UNMATCHED, Match.AMOUNT_DIFFERS)

    payout = models.ForeignKey(Payout, on_delete=models.CASCADE, related_name="transactions")
    stripe_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=50)
    reporting_category = models.CharField(max_length=50, blank=True)
    amount = amount_field()
    fee = amount_field(default=ZERO)
    net = amount_field()
    source_id = models.CharField(max_length=255, blank=True)
    description = models.CharField(max_length=500, blank=True)
    stripe_created = models.DateTimeField(null=True, blank=True)
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    refund = models.ForeignKey(
        Refund, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dispute = models.ForeignKey(
        Dispute, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    match = models.CharField(max_length=20, choices=Match.choices, db_index=True)
    expected_amount = amount_field(null=True, blank=True, help_text="Our record's amount.")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["payout", "stripe_created", "pk"]

    def __str__(self) -> str:
        return f"{self.type} {self.amount} ({self.stripe_id})"

    @property
    def is_exception(self) -> bool:
        return self.match in self.EXCEPTIONS

    @property
    def is_open_exception(self) -> bool:
        return self.is_exception and self.resolved_at is None


class BankDeposit(TimeStampedModel):
    """Checks, cash and wires finance took to the bank together: one line on the statement."""

    deposited_on = models.DateField(db_index=True)
    reference = models.CharField(max_length=100, blank=True, help_text="The deposit slip number.")
    memo = models.CharField(max_length=500, blank=True)
    total = amount_field(default=ZERO, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    journal_batch = models.ForeignKey(
        JournalBatch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deposits",
        editable=False,
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-deposited_on", "-pk"]

    def __str__(self) -> str:
        return f"Deposit {self.reference or self.pk} of {self.total} on {self.deposited_on}"


class BankDepositItem(models.Model):
    deposit = models.ForeignKey(BankDeposit, on_delete=models.CASCADE, related_name="items")
    # A payment goes to the bank once.
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="deposit_item")

    class Meta:
        ordering = ["deposit", "pk"]

    def __str__(self) -> str:
        return f"{self.payment} in {self.deposit}"


class RevenueRecognition(models.Model):
    """The part of a dues payment booked to deferred revenue, recognised in its month."""

    line = models.ForeignKey(InvoiceLine, on_delete=models.PROTECT, related_name="recognitions")
    gl_account = models.CharField("GL revenue account", max_length=50)
    month = models.DateField(help_text="The first day of the month it is recognised in.")
    amount = amount_field()
    # The batch that booked the deferral (and made this schedule) and the one that recognised it.
    deferred_in = models.ForeignKey(
        JournalBatch, on_delete=models.PROTECT, related_name="deferrals"
    )
    recognized_in = models.ForeignKey(
        JournalBatch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recognitions",
    )
    source = models.CharField(max_length=100, help_text="The payout or deposit it came from.")

    class Meta:
        ordering = ["month", "pk"]

    def __str__(self) -> str:
        return f"{self.amount} of {self.gl_account} in {self.month:%Y-%m}"


class CreditEntry(models.Model):
    """One movement of an organization's credit balance: money received over what an invoice
    asked for (added), used to pay another invoice (applied) or given back (refunded). The
    balance is the sum of the amounts; it is never stored."""

    class Kind(models.TextChoices):
        ADDED = "added", "Credit added (overpayment)"
        APPLIED = "applied", "Credit applied to an invoice"
        REFUNDED = "refunded", "Credit refunded"

    organization = models.ForeignKey(
        "crm.Organization", on_delete=models.PROTECT, related_name="credit_entries"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    amount = amount_field(help_text="Added is positive; applied and refunded are negative.")
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="credit_entries"
    )
    payment = models.ForeignKey(
        Payment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_entries",
        help_text="The payment that brought the credit in, or the one that applied it.",
    )
    refund = models.ForeignKey(
        Refund, null=True, blank=True, on_delete=models.PROTECT, related_name="credit_entries"
    )
    memo = models.CharField(max_length=500, blank=True)
    created = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["organization", "created", "pk"]
        verbose_name_plural = "credit entries"
        permissions = [
            ("apply_credit", "Can apply credit balances to invoices"),
            ("refund_credit", "Can refund credit balances"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="added") & Q(amount__gt=0))
                | (~Q(kind="added") & Q(amount__lt=0)),
                name="billing_credit_entry_sign",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.amount} ({self.organization})"
