"""The directory listing: what the public member directory shows of an organization. One
service for every writer (the portal, staff's approval of a portal change, the admin's form
keeps using organization_save for the fields it shows)."""

from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import File

from core.exceptions import InvalidData
from core.services import atomic, set_change_reason, validated_save
from crm.directory import SOCIAL_NETWORKS
from crm.models import DirectoryCategory, Organization
from crm.services.organizations import organization_save

# The organization's fields a listing is made of (the model's names), for writers that take
# them one by one (the staff API): DirectoryListing.of() reads them into a listing.
LISTING_FIELDS = (
    "directory_listed",
    "directory_text",
    "website",
    "directory_categories",
    *(f"{network}_url" for network in SOCIAL_NETWORKS),
)


@dataclass(frozen=True)
class DirectoryListing:
    """Everything a listing says. `logo`: a new logo file (None keeps the current one unless
    `remove_logo`)."""

    listed: bool
    text: str = ""
    website: str = ""
    social: dict[str, str] = field(default_factory=dict)
    categories: tuple[DirectoryCategory, ...] = ()
    logo: File | None = None
    remove_logo: bool = False

    @classmethod
    def of(cls, organization: Organization, **changes: Any) -> "DirectoryListing":
        """The organization's listing as it stands, with `changes` made to it, named by the
        model's fields (LISTING_FIELDS: directory_listed, website, linkedin_url, ...). The logo
        stays as it is."""
        unknown = set(changes) - set(LISTING_FIELDS)
        if unknown:
            raise ValueError(f"Not a field of the directory listing: {sorted(unknown)[0]}")

        def value(name: str) -> Any:
            return changes[name] if name in changes else getattr(organization, name)

        if "directory_categories" in changes:
            categories = tuple(changes["directory_categories"])
        else:
            categories = tuple(organization.directory_categories.all()) if organization.pk else ()
        return cls(
            listed=value("directory_listed"),
            text=value("directory_text"),
            website=value("website"),
            social={n: v for n in SOCIAL_NETWORKS if (v := value(f"{n}_url"))},
            categories=categories,
        )

    def changes(self, organization: Organization) -> list[str]:
        """What this listing would change on `organization`, in words (empty: nothing)."""
        said = []
        if self.logo is not None:
            said.append("new logo")
        elif self.remove_logo and organization.directory_logo:
            said.append("logo removed")
        if self.listed != organization.directory_listed:
            said.append("listed" if self.listed else "not listed")
        if self.text.strip() != organization.directory_text:
            said.append("description")
        if self.website.strip() != organization.website:
            said.append("website")
        for network, (label, _hosts) in SOCIAL_NETWORKS.items():
            if self.social.get(network, "").strip() != getattr(organization, f"{network}_url"):
                said.append(label)
        if organization.pk is not None and {c.pk for c in self.categories} != set(
            organization.directory_categories.values_list("pk", flat=True)
        ):
            said.append("categories")
        return said


def organization_directory_update(
    *, organization: Organization, listing: DirectoryListing, by: Any = None, reason: str = ""
) -> Organization:
    """Set the organization's listing: one row in its history (the categories with it), with
    `reason` (else "Directory listing changed: <what>"). A bad website, social link or logo is
    refused naming its field, and nothing changes. A replaced logo's file stays in the storage:
    the history's earlier rows name it."""
    unknown = set(listing.social) - set(SOCIAL_NETWORKS)
    if unknown:
        raise InvalidData(f"Unknown social network {sorted(unknown)[0]!r}.", field="social")
    with atomic():
        locked = Organization.objects.select_for_update().get(pk=organization.pk)
        what = listing.changes(locked)
        locked.directory_listed = listing.listed
        locked.directory_text = listing.text.strip()
        locked.website = listing.website.strip()
        for network in SOCIAL_NETWORKS:
            setattr(locked, f"{network}_url", listing.social.get(network, "").strip())
        if listing.logo is not None:
            locked.directory_logo = listing.logo  # type: ignore[assignment]
        elif listing.remove_logo:
            locked.directory_logo = None  # type: ignore[assignment]
        set_change_reason(
            locked, reason or f"Directory listing changed: {', '.join(what) or 'saved unchanged'}"
        )
        # The categories first, without a history row of their own: the organization's save
        # below writes the one row, which keeps them.
        locked.skip_history_when_saving = True  # type: ignore[attr-defined]
        try:
            locked.directory_categories.set(listing.categories)
        finally:
            del locked.skip_history_when_saving  # type: ignore[attr-defined]
        organization_save(organization=locked, by=by)
    return locked


def directory_category_save(*, category: DirectoryCategory, by: Any = None) -> DirectoryCategory:
    """Create or rename a heading of the member directory (staff keep the list)."""
    validated_save(category, by=by)
    return category
