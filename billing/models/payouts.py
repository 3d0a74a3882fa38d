"""Stripe payouts and offline bank deposits: each deposit to the bank, explained by what it
holds."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from billing.models.fields import amount_field
from billing.models.invoices import Dispute, Payment, Refund
from billing.models.journal import JournalBatch
from billing.money import ZERO, format_usd
from core.models import TimeStampedModel


class Reviewed(TimeStampedModel):
    """Money that reached the bank in one deposit (a Stripe payout, a deposit of checks):
    finance reviews it against the bank statement, and the journal export posts it once, in the
    batch each model keeps as `journal_batch`."""

    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        abstract = True


def _journal_batch(*, related_name: str) -> models.ForeignKey:
    """The journal batch that posted it: set once, by the journal export."""
    return models.ForeignKey(
        JournalBatch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name=related_name,
        editable=False,
    )


class Payout(Reviewed):
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
    journal_batch = _journal_batch(related_name="payouts")
    # A payout that fails after its export: the batch whose entry took it back out of the bank.
    reversed_in = _journal_batch(related_name="reversed_payouts")

    history = HistoricalRecords()

    class Meta:
        ordering = ["-arrival_date", "-pk"]

    def __str__(self) -> str:
        return f"Payout {self.stripe_payout_id} of {format_usd(self.amount)} on {self.arrival_date}"


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
        return f"{self.type} {format_usd(self.amount)} ({self.stripe_id})"

    @property
    def is_exception(self) -> bool:
        return self.match in self.EXCEPTIONS

    @property
    def is_open_exception(self) -> bool:
        return self.is_exception and self.resolved_at is None


class BankDeposit(Reviewed):
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
    journal_batch = _journal_batch(related_name="deposits")

    history = HistoricalRecords()

    class Meta:
        ordering = ["-deposited_on", "-pk"]

    def __str__(self) -> str:
        name = self.reference or self.pk
        return f"Deposit {name} of {format_usd(self.total)} on {self.deposited_on}"


class BankDepositItem(models.Model):
    deposit = models.ForeignKey(BankDeposit, on_delete=models.CASCADE, related_name="items")
    # A payment goes to the bank once.
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="deposit_item")

    class Meta:
        ordering = ["deposit", "pk"]

    def __str__(self) -> str:
        return f"{self.payment} in {self.deposit}"
