from django.db import models
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel, staff_user_field
from crm.models.organizations import Contact, Organization


class Note(TimeStampedModel):
    """A staff note on an organization or a contact (or both, for a note about a person there)."""

    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="notes"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="notes"
    )
    body = models.TextField(max_length=10000)
    author = staff_user_field()

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(organization__isnull=False) | models.Q(contact__isnull=False),
                name="crm_note_has_subject",
                violation_error_message="A note belongs to an organization or a contact.",
            )
        ]

    def __str__(self) -> str:
        return self.body[:60]
