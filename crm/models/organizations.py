from collections.abc import Callable
from datetime import date
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel
from crm.directory import SOCIAL_NETWORKS, SocialURLValidator, logo_upload_to, validate_logo
from crm.normalize import domain_from_website, normalize_email, normalize_org_name


class County(models.TextChoices):
    HARTFORD = "hartford", "Hartford County"
    MIDDLESEX = "middlesex", "Middlesex County"
    TOLLAND = "tolland", "Tolland County"
    OTHER = "other", "Outside the region"


class DirectoryCategory(TimeStampedModel):
    """A heading of the member directory (Restaurants, Legal services, ...): staff keep the
    list; an organization picks its own in the portal or staff pick them in the admin."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True, help_text="Its name in the API's filter.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "directory categories"

    def __str__(self) -> str:
        return self.name


def _social_field(network: str) -> models.URLField:
    label, hosts = SOCIAL_NETWORKS[network]
    return models.URLField(
        f"{label} page",
        max_length=300,
        blank=True,
        validators=[SocialURLValidator(network)],
        help_text=f"An address on {' or '.join(hosts)}.",
    )


class OrganizationHistory(HistoricalRecords):
    """The organization's history, with its directory categories on every row; a row of a
    creation has none to read (they are set after the first save), so it asks nothing, nor
    does a row of an organization read with `has_directory_categories` False (read under its
    row lock, as matching reads it: the directory's services lock it to change them)."""

    def create_historical_record_m2ms(self, history_instance: Any, instance: Any) -> None:
        if history_instance.history_type == "+":
            return
        if getattr(instance, "has_directory_categories", None) is False:
            return  # nothing to copy onto the row
        super().create_historical_record_m2ms(history_instance, instance)


def _row_value(row: str, key: str, parse: Callable[[Any], Any] | None = None) -> property:
    """The value `key` of the JSON row annotated as `row`, else None (`parse` reads it: JSON
    hands a date over as its ISO text)."""

    def read(organization: models.Model) -> Any:
        values = getattr(organization, row, None)
        value = values.get(key) if values else None
        return parse(value) if parse is not None and value is not None else value

    return property(read)


class Organization(TimeStampedModel):
    # Searched as one text with one trigram index (crm.search; migration 0018).
    search_text_fields: ClassVar[tuple[str, ...]] = (
        "name",
        "website",
        "email_domain",
        "city",
        "postal_code",
    )

    name = models.CharField(max_length=200)
    # Kept in step with name and website by save(), for finding the same business twice.
    normalized_name = models.CharField(max_length=200, db_index=True, editable=False)
    website = models.URLField(max_length=300, blank=True)
    email_domain = models.CharField(
        max_length=253,
        blank=True,
        db_index=True,
        help_text="The business's own mail domain, for matching contacts and duplicates.",
    )
    phone = models.CharField(max_length=40, blank=True)
    address_line1 = models.CharField("address", max_length=200, blank=True)
    address_line2 = models.CharField("address (line 2)", max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True, db_index=True)
    state = models.CharField(max_length=2, blank=True, default="CT")
    postal_code = models.CharField(max_length=10, blank=True)
    county = models.CharField(max_length=20, choices=County.choices, blank=True, db_index=True)
    industry = models.CharField(max_length=100, blank=True, db_index=True)
    employees = models.PositiveIntegerField(
        "number of employees",
        null=True,
        blank=True,
        help_text="Sets the dues of plans priced by employee count.",
    )
    directory_listed = models.BooleanField(
        "listed in the public directory",
        default=False,
        help_text="The organization agreed to appear in the member directory.",
    )
    directory_text = models.TextField("directory description", blank=True, max_length=2000)
    directory_logo = models.FileField(
        "directory logo",
        upload_to=logo_upload_to,
        max_length=200,
        blank=True,
        validators=[validate_logo],
        help_text="A PNG, JPEG or WebP image (checked by its content), within the size set by "
        "DIRECTORY_LOGO_MAX_BYTES, each side 32 to 2,000 pixels.",
    )
    directory_categories = models.ManyToManyField(
        DirectoryCategory, blank=True, related_name="organizations"
    )
    linkedin_url = _social_field("linkedin")
    facebook_url = _social_field("facebook")
    instagram_url = _social_field("instagram")
    x_url = _social_field("x")
    youtube_url = _social_field("youtube")
    stripe_customer_id = models.CharField(max_length=255, blank=True, editable=False)
    # Set through organization_set_account_owner (the admin's action, the staff API).
    account_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_organizations",
        editable=False,
        help_text="The staff member who owns the relationship.",
    )

    # The categories are kept with each historical row (crm.services.directory saves them
    # with the organization, so one change is one row).
    history = OrganizationHistory(m2m_fields=[directory_categories])

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(Lower("name"), name="crm_org_name_lower"),
            # The admin's ZIP code filter lists the codes on record one index probe a code.
            models.Index(fields=["postal_code"], name="crm_org_postal_code"),
        ]

    def __str__(self) -> str:
        return self.name

    # Read from the rows crm.selectors.organization_list() annotates; None on an organization
    # read otherwise, or without a membership (a primary representative).
    membership_id = _row_value("membership_row", "id")
    membership_status = _row_value("membership_row", "status")
    membership_plan = _row_value("membership_row", "plan")
    membership_plan_code = _row_value("membership_row", "plan_code")
    membership_paid_through = _row_value("membership_row", "paid_through", date.fromisoformat)
    primary_contact_id = _row_value("primary_contact_row", "id")
    primary_contact_name = _row_value("primary_contact_row", "name")
    primary_contact_email = _row_value("primary_contact_row", "email")

    def save(self, *args, **kwargs) -> None:
        self.normalize()
        super().save(*args, **kwargs)

    def normalize(self) -> None:
        """Derive the matching fields (save() does it; a bulk insert calls it first)."""
        self.normalized_name = normalize_org_name(self.name)
        if self.website and not self.email_domain:
            self.email_domain = domain_from_website(self.website)
        self.email_domain = self.email_domain.strip().lower()


class Contact(TimeStampedModel):
    search_text_fields: ClassVar[tuple[str, ...]] = ("first_name", "last_name", "email", "phone")

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(max_length=254, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    title = models.CharField(max_length=150, blank=True)
    organizations = models.ManyToManyField(
        Organization, through="Affiliation", related_name="contacts"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            # One person per address: joins and imports link to the existing contact.
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="crm_contact_unique_email",
                violation_error_message="A contact with this email already exists.",
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def save(self, *args, **kwargs) -> None:
        self.normalize()
        super().save(*args, **kwargs)

    def normalize(self) -> None:
        """One spelling of the address (save() does it; a bulk insert calls it first)."""
        self.email = normalize_email(self.email)


class Affiliation(TimeStampedModel):
    """A contact's place at an organization, with the roles it plays there.

    A link that a public form proposed for an organization already on record (a join, a pledge)
    is `pending` until staff or the organization's primary representative confirm it
    (crm.services.affiliation_confirm): until then it grants nothing, neither member prices nor
    invoicing nor a role, and a rejection removes it."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed"
        PENDING = "pending", "Pending confirmation"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="affiliations")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="affiliations"
    )
    title = models.CharField("title at this organization", max_length=150, blank=True)
    is_primary = models.BooleanField("primary representative", default=False)
    is_billing = models.BooleanField("billing contact", default=False)
    is_event_contact = models.BooleanField("event contact", default=False)
    status = models.CharField(
        max_length=20,
        choices=Status.choices,
        default=Status.CONFIRMED,
        db_index=True,
        editable=False,
        help_text="A link proposed on a public form stays pending until staff or the "
        "organization's primary representative confirm it.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-is_primary", "contact__last_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "organization"], name="crm_affiliation_unique"
            ),
            # One primary representative per organization: the person the chamber writes to.
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(is_primary=True),
                name="crm_affiliation_one_primary",
                violation_error_message="This organization already has a primary representative.",
            ),
            # A pending link grants nothing: no role until it is confirmed.
            models.CheckConstraint(
                condition=models.Q(status="confirmed")
                | models.Q(is_primary=False, is_billing=False, is_event_contact=False),
                name="crm_affiliation_pending_no_roles",
                violation_error_message="A pending affiliation has no roles until it is confirmed.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact} at {self.organization}"

    @property
    def is_confirmed(self) -> bool:
        return self.status == self.Status.CONFIRMED

    @property
    def roles(self) -> list[str]:
        return [
            label
            for flag, label in (
                (self.is_primary, "primary representative"),
                (self.is_billing, "billing contact"),
                (self.is_event_contact, "event contact"),
            )
            if flag
        ]
