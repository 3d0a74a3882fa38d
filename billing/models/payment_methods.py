"""The payment method an organization saved with Stripe for automatic renewal: Stripe keeps
the card or bank account (it is the Stripe customer's default payment method); we keep its id
and what identifies it to a person (brand and last four digits), never card data."""

from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords


class SavedPaymentMethod(models.Model):
    class Kind(models.TextChoices):
        CARD = "card", "Card"
        BANK = "us_bank_account", "US bank account"

    organization = models.OneToOneField(
        "crm.Organization", on_delete=models.CASCADE, related_name="saved_payment_method"
    )
    stripe_payment_method_id = models.CharField(max_length=255)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CARD)
    brand = models.CharField(max_length=50, blank=True, help_text="The card's brand or the bank.")
    last4 = models.CharField(max_length=4, blank=True)
    exp_month = models.PositiveSmallIntegerField(null=True, blank=True)
    exp_year = models.PositiveSmallIntegerField(null=True, blank=True)
    saved_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "saved payment method"

    def __str__(self) -> str:
        name = self.brand.title() if self.kind == self.Kind.CARD else self.brand
        name = name or self.get_kind_display()
        ending = f" ending in {self.last4}" if self.last4 else ""
        expiry = (
            f", expires {self.exp_month:02d}/{self.exp_year}"
            if self.exp_month and self.exp_year
            else ""
        )
        return f"{name}{ending}{expiry}"
