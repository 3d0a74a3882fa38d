import secrets

from django.db import models


class TimeStampedModel(models.Model):
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    modified = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True


def new_reference() -> str:
    """An unguessable public reference (128 random bits, 22 characters), safe in a URL."""
    return secrets.token_urlsafe(16)
