from django.db import models


class IdempotencyRecord(models.Model):
    """The answer to a POST made with an Idempotency-Key, kept so a retry gets the same answer
    and creates nothing new (docs/public-api.md)."""

    key = models.CharField(max_length=255)
    scope = models.CharField(max_length=300, help_text="Method and path the key was used on.")
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the request body.")
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "scope"], name="api_idempotency_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"
