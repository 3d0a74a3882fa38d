from django.conf import settings
from django.db import models

from core.models import TimeStampedModel
from crm.models import Contact


class PortalAccount(TimeStampedModel):
    """A contact's way into the member portal: the Django user django-sesame signs the links
    for (it needs one to check a link is unused) and the change history names as the author of
    what the contact changes there. The user is never staff, has no password and no group, and
    the portal never logs it into Django: the portal's session holds the contact."""

    contact = models.OneToOneField(Contact, on_delete=models.CASCADE, related_name="portal_account")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_account"
    )
    last_sign_in_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_link_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "portal account"

    def __str__(self) -> str:
        return f"Portal account of {self.contact}"
