import base64
import secrets

from django.db import models

from core.models import TimeStampedModel


def new_secret() -> str:
    """A Standard Webhooks signing secret: "whsec_" and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def new_message_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


class WebhookEndpoint(TimeStampedModel):
    """A receiver of signed event notifications (the website, Zapier, the mailing platform)."""

    url = models.URLField("URL", max_length=500, help_text="Where events are POSTed (https).")
    description = models.CharField(max_length=200, blank=True)
    secret = models.CharField(
        max_length=100,
        default=new_secret,
        help_text="The signing secret; give it to the receiver to verify webhook-signature.",
    )
    event_types = models.JSONField(
        default=list, help_text="The event types this endpoint receives."
    )
    is_active = models.BooleanField("active", default=True)

    class Meta:
        ordering = ["url"]
        verbose_name = "webhook endpoint"

    def __str__(self) -> str:
        return self.description or self.url

    def wants(self, event_type: str) -> bool:
        return self.is_active and event_type in (self.event_types or [])


class WebhookDelivery(models.Model):
    """One message to one endpoint, with the state of its attempts. The body is stored as the
    exact bytes signed and sent, so a retry or a replay sends the same message."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Delivered"
        FAILED = "failed", "Failed (no more retries)"

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    message_id = models.CharField(
        max_length=50, db_index=True, help_text="The webhook-id header: the same for a replay."
    )
    event_type = models.CharField(max_length=50, db_index=True)
    body = models.TextField()
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, db_index=True, help_text="When the next attempt is due."
    )
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField("duration (ms)", null=True, blank=True)
    last_error = models.TextField(blank=True)
    replay_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replays"
    )
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = "webhook delivery"
        verbose_name_plural = "webhook deliveries"
        permissions = [("replay_webhookdelivery", "Can send a webhook delivery again")]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhooks_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.message_id} → {self.endpoint}"
