"""The webhooks Stripe sent, kept before they are processed."""

from django.db import models


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


class EarlierStripeInvoice(models.Model):
    """A Stripe invoice that billed an invoice before its current one: reopened by a lost
    dispute or an ACH return, the invoice got a new Stripe invoice, and Stripe's events about
    the earlier one (a late `invoice.paid`, a payment on its old link) still find the invoice
    here and are applied to that Stripe invoice's payments."""

    invoice = models.ForeignKey(
        "billing.Invoice", on_delete=models.CASCADE, related_name="earlier_stripe_invoices"
    )
    stripe_invoice_id = models.CharField(max_length=255, unique=True)
    replaced_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["invoice", "replaced_at", "pk"]

    def __str__(self) -> str:
        return f"{self.stripe_invoice_id} (replaced)"


# --- Reconciliation: payouts, bank deposits and the journal -------------------------------------
