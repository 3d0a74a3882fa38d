"""Organizations' credit balances: money received over what was invoiced, until it is applied or
refunded."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from billing.models.fields import amount_field
from billing.models.invoices import Invoice, Payment, Refund
from billing.money import format_usd


class CreditEntry(models.Model):
    """One movement of an organization's credit balance: money received over what an invoice
    asked for (added), used to pay another invoice (applied) or given back (refunded). The
    balance is the sum of the amounts; it is never stored."""

    class Kind(models.TextChoices):
        ADDED = "added", "Credit added (overpayment)"
        APPLIED = "applied", "Credit applied to an invoice"
        REFUNDED = "refunded", "Credit refunded"
        # The payment that brought it in was taken back (a lost dispute, an ACH return).
        TAKEN_BACK = "taken_back", "Credit taken back (dispute or return)"
        # An application undone: the credit that paid an invoice was taken back, so that
        # account-credit payment no longer pays it and the credit comes back, to be taken.
        RESTORED = "restored", "Credit restored (application undone)"

    # The kinds that add to the balance; the others take from it.
    POSITIVE_KINDS = (Kind.ADDED, Kind.RESTORED)

    organization = models.ForeignKey(
        "crm.Organization", on_delete=models.PROTECT, related_name="credit_entries"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    amount = amount_field(
        help_text="Added and restored are positive; applied, refunded and taken back negative."
    )
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
                condition=(Q(kind__in=["added", "restored"]) & Q(amount__gt=0))
                | (~Q(kind__in=["added", "restored"]) & Q(amount__lt=0)),
                name="billing_credit_entry_sign",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {format_usd(self.amount)} ({self.organization})"
