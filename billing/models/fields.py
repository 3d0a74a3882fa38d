"""The money field every ledger model uses."""

from django.db import models


def amount_field(verbose_name: str | None = None, **kwargs) -> models.DecimalField:
    """Money that may be negative (a proration credit line)."""
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, **kwargs)
