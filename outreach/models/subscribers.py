from django.conf import settings
from django.db import models

from core.models import TimeStampedModel
from crm.models import Contact
from crm.normalize import normalize_email
from outreach.models.lists import NewsletterList


class AddressLink(models.ForeignObject):
    """A relation by email address instead of by a stored id. Contact.email is unique wherever
    it is not blank (the crm_contact_unique_email constraint, and it is stored normalized) and a
    subscriber's address is never blank, so it finds at most one contact; Django's check asks
    for an unconditional unique column, which the conditional constraint is not."""

    def _check_unique_target(self) -> list:
        return []


class Subscriber(TimeStampedModel):
    """One person by address, whatever lists they are on. Linked to the Contact with the same
    (normalized) address when there is one, so the CRM never holds the person twice."""

    email = models.EmailField(max_length=254, unique=True)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    organization_name = models.CharField("organization", max_length=200, blank=True)
    # Linked by the address itself (both are stored normalized), not by a column kept in step:
    # a subscriber who is, or later becomes, a contact is that contact, with no write to make.
    contact = AddressLink(
        Contact,
        on_delete=models.DO_NOTHING,
        from_fields=["email"],
        to_fields=["email"],
        related_name="subscribers",
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs) -> None:
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)

    @property
    def linked_contact(self) -> Contact | None:
        """The contact with this address, or None (`contact` raises when there is none)."""
        try:
            return self.contact
        except Contact.DoesNotExist:
            return None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Subscription(TimeStampedModel):
    """A subscriber on a list: pending until the confirmation link is followed (double opt-in);
    only confirmed subscriptions get list mail."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for confirmation"
        CONFIRMED = "confirmed", "Confirmed"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"

    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="subscriptions"
    )
    newsletter = models.ForeignKey(
        NewsletterList, on_delete=models.PROTECT, related_name="subscriptions"
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    requested_at = models.DateTimeField(db_index=True)
    confirmed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    confirmation_sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When the last confirmation mail was queued."
    )

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "newsletter"], name="outreach_subscription_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subscriber} on {self.newsletter}"


class ConsentRecord(models.Model):
    """What a person agreed to (or withdrew), when, from where and in which words. Never edited:
    the evidence of consent a regulator or the person may ask for."""

    class Action(models.TextChoices):
        REQUESTED = "requested", "Asked to subscribe"
        CONFIRMED = "confirmed", "Confirmed the address"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"

    class Source(models.TextChoices):
        WEBSITE = "website", "Website form"
        PORTAL = "portal", "Member portal"
        ADMIN = "admin", "Staff, in the admin"
        EMAIL_LINK = "email_link", "Link in an email"
        ONE_CLICK = "one_click", "Mail program's unsubscribe button"

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="consents"
    )
    newsletter = models.ForeignKey(
        NewsletterList, on_delete=models.PROTECT, related_name="consents"
    )
    email = models.EmailField(max_length=254, help_text="The address, as it was then.")
    action = models.CharField(max_length=20, choices=Action.choices)
    source = models.CharField(max_length=20, choices=Source.choices)
    wording = models.TextField(blank=True, help_text="The exact words the person was shown.")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The staff user, when staff made the change.",
    )

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.email}: {self.get_action_display()} ({self.newsletter})"
