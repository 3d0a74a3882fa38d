from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel
from crm.directory import logo_upload_to
from crm.models import Contact, DirectoryCategory, Organization


class PortalAccount(TimeStampedModel):
    """A contact's way into the member portal: the Django user django-sesame signs the links
    for (it needs one to check a link is unused) and the change history names as the author of
    what the contact changes there. The user is never staff, has no password and no group, and
    the portal never logs it into Django: the portal's session holds the contact. Its sign-ins
    are crm's PortalSignIn rows (portal.selectors.last_sign_in_of)."""

    contact = models.OneToOneField(Contact, on_delete=models.CASCADE, related_name="portal_account")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_account"
    )
    last_link_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "portal account"

    def __str__(self) -> str:
        return f"Portal account of {self.contact}"


class DirectoryChange(TimeStampedModel):
    """A directory listing a primary representative saved in the portal while
    DIRECTORY_CHANGES_NEED_REVIEW is on: held here until staff approve it (then it is applied
    as made by that contact) or reject it. A newer change of the same organization supersedes
    a pending one."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SUPERSEDED = "superseded", "Replaced by a newer change"

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="directory_changes"
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="directory_changes", editable=False
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True, editable=False
    )
    listed = models.BooleanField("listed in the public directory", editable=False)
    text = models.TextField("description", blank=True, editable=False)
    website = models.URLField(max_length=300, blank=True, editable=False)
    social = models.JSONField("social links", default=dict, blank=True, editable=False)
    categories = models.ManyToManyField(DirectoryCategory, blank=True, editable=False)
    logo = models.FileField(
        "new logo", upload_to=logo_upload_to, max_length=200, blank=True, editable=False
    )
    remove_logo = models.BooleanField(default=False, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    decision_reason = models.CharField(max_length=500, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "directory change"
        ordering = ["-created", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(status="pending"),
                name="portal_one_pending_directory_change",
            )
        ]

    def __str__(self) -> str:
        return f"Directory listing of {self.organization} proposed by {self.contact}"
