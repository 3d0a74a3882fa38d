from django.db import models

from core.models import TimeStampedModel


class NewsletterList(TimeStampedModel):
    """A list people subscribe to (the HartBeat daily brief, and any list staff define)."""

    code = models.SlugField(
        max_length=50, unique=True, help_text="What the website's form sends, e.g. hartbeat."
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=2000)
    consent_wording = models.TextField(
        max_length=2000,
        help_text="The sentence the sign-up form shows next to its button; each consent "
        "record keeps the wording the person saw.",
    )
    is_public = models.BooleanField(
        "offered on the website",
        default=True,
        help_text="The public API lists it and accepts sign-ups for it.",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "newsletter list"

    def __str__(self) -> str:
        return self.name
