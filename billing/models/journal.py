"""What goes to the books: journal batches and their lines, the deferred revenue recognised
month by month, and the months finance has locked."""

from django.conf import settings
from django.db import models

from billing.models.fields import amount_field
from billing.models.invoices import InvoiceLine
from billing.money import ZERO, format_usd


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
    # The basis it was exported on (JOURNAL_BASIS): invoices issued up to the last cash-basis
    # batch stay on the cash basis when the books move to accrual.
    basis = models.CharField(
        max_length=10, choices=[("accrual", "Accrual"), ("cash", "Cash")], editable=False
    )

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
    source = models.CharField(
        max_length=100,
        blank=True,
        help_text="What the entry posts: a payout, a deposit, a refund, a month's recognition.",
    )

    class Meta:
        ordering = ["batch", "pk"]

    def __str__(self) -> str:
        return f"{self.entry_number} {self.account} Dr {self.debit} Cr {self.credit}"


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
        return f"{format_usd(self.amount)} of {self.gl_account} in {self.month:%Y-%m}"


class JournalPeriodLock(models.Model):
    """Finance closes the books through the end of a month: no entry is dated on or before it
    any more (what arrives late is dated on the first open day). A lock is final; who locked it,
    when and why stay on the row."""

    month = models.DateField(unique=True, help_text="The first day of the month locked.")
    reason = models.TextField()
    locked_at = models.DateTimeField(auto_now_add=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["-month"]
        verbose_name = "period lock"

    def __str__(self) -> str:
        return f"Books locked through {self.month:%B %Y}"
