import secrets

from django.conf import settings
from django.db import models


class TimeStampedModel(models.Model):
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    modified = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True


def new_reference() -> str:
    """An unguessable public reference (128 random bits, 22 characters), safe in a URL."""
    return secrets.token_urlsafe(16)


def staff_user_field() -> models.ForeignKey:
    """The staff user who did something, set by the services (never in a form) and kept empty
    once that user is deleted."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
