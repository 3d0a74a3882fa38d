from django.db import models

from crm.models.organizations import Contact, Organization


class EmailLog(models.Model):
    """Every email the system sends: to whom, which template, why, and whether it went out."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SUPPRESSED = "suppressed", "Not sent: too many to this address today"

    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="emails"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="emails"
    )
    recipients = models.CharField(max_length=1000)
    subject = models.CharField(max_length=500)
    template = models.CharField(max_length=100, db_index=True)
    reason = models.CharField(max_length=500, blank=True)
    invoice = models.ForeignKey(
        "billing.Invoice", null=True, blank=True, on_delete=models.SET_NULL, related_name="emails"
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    error = models.TextField(blank=True)
    queued_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-queued_at", "-pk"]
        verbose_name = "email sent"
        verbose_name_plural = "emails sent"

    def __str__(self) -> str:
        return f"{self.subject} → {self.recipients}"
