"""Matching a submission from the website to the records the chamber already has: the form's
organization and people (the input dataclasses) are found by email, normalized name or website
domain, else created, and linked; a submission linked to existing records is flagged for staff
with a note saying why. Joining and investing both match first."""

from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Exists, OuterRef, Q, Subquery, When

from crm.models import Affiliation, Contact, Membership, Organization, Pledge
from crm.normalize import domain_from_website, normalize_email, normalize_org_name
from crm.services.organizations import affiliation_save, contact_save, organization_save


@dataclass(frozen=True)
class AddressInput:
    line1: str = ""
    line2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""


@dataclass(frozen=True)
class OrganizationInput:
    name: str
    website: str = ""
    employees: int | None = None
    phone: str = ""
    address: AddressInput = field(default_factory=AddressInput)
    industry: str = ""
    directory_listed: bool = False


@dataclass(frozen=True)
class ContactInput:
    first_name: str
    last_name: str
    email: str
    phone: str = ""
    title: str = ""


@dataclass
class Match:
    """What the submission was linked to; `notes` are the sentences staff read. `payer`: who
    the dues invoice goes to (as bill_to() would choose, from the links read while matching)."""

    organization: Organization
    contact: Contact
    notes: list[str] = field(default_factory=list)
    payer: Contact | None = None

    @property
    def found_existing(self) -> bool:
        return bool(self.notes)

    @property
    def note(self) -> str:
        return "\n".join(self.notes)


def _fill_blanks(instance: Any, values: dict[str, Any]) -> tuple[list[str], bool]:
    """Copy values into empty fields only; an existing record's data is never overwritten by an
    anonymous form. Returns the names of the fields that differ and were left alone, and
    whether any blank was filled (else there is nothing to save)."""
    differing = []
    filled = False
    for name, value in values.items():
        if value in ("", None):
            continue
        current = getattr(instance, name)
        if current in ("", None):
            setattr(instance, name, value)
            filled = True
        elif current != value:
            differing.append(name)
    return differing, filled


def _find_or_create_contact(
    data: ContactInput, *, role: str, retried: bool = False
) -> tuple[Contact, list[str]]:
    """The contact with this address (blanks filled from the form), else a new one. `retried`:
    the caller runs its whole transaction again when this one fails, so a new address's
    contact is saved without a savepoint of its own; of two submissions racing to make it, the
    loser's transaction is undone and it runs again with the winner's contact."""
    email = normalize_email(data.email)
    existing = Contact.objects.select_for_update().filter(email__iexact=email).first()
    values = {
        "first_name": data.first_name,
        "last_name": data.last_name,
        "phone": data.phone,
        "title": data.title,
    }
    if existing is None:
        contact = Contact(email=email, **values)
        if retried:
            contact_save(contact=contact, checked=["email"])
            return contact, []
        try:
            # Another submission with the same address may be creating it at this moment: the
            # unique index decides (so it is not asked beforehand), and the loser links to the
            # winner's row.
            with transaction.atomic():
                contact_save(contact=contact, checked=["email"])
            return contact, []
        except IntegrityError:
            existing = Contact.objects.select_for_update().get(email__iexact=email)
    differing, filled = _fill_blanks(existing, values)
    if filled:
        contact_save(contact=existing, checked=["email"])  # found by this very address
    note = f"The {role} ({email}) is an existing contact, {existing.full_name}"
    if {"first_name", "last_name"} & set(differing):
        note += f"; the form gave the name {data.first_name} {data.last_name}"
    return existing, [note + "."]


_open_membership = Exists(
    Membership.objects.filter(organization=OuterRef("pk"), status__in=Membership.OPEN_STATUSES)
)


# Whether the organization has directory categories: none, and its history row (when the form
# fills its blanks) has none to read (OrganizationHistory). On PostgreSQL a subquery of a
# SELECT ... FOR UPDATE that waited for the row's lock sees the rows as they were when the
# statement began, while the locked row is read as it is now: the categories are changed only
# together with the row (the directory's service and the admin save it), so when its `modified`
# is not the one the statement began with, the answer is not trusted and they are read.
_has_directory_categories = Exists(
    Organization.directory_categories.through.objects.filter(organization=OuterRef("pk"))
)
_modified_at_start = Subquery(Organization.objects.filter(pk=OuterRef("pk")).values("modified"))


def _find_organization(data: OrganizationInput) -> tuple[Organization | None, str]:
    """The existing organization with the same normalized name, else the first with the same
    website domain: one query for both (the name wins)."""
    name_key = normalize_org_name(data.name)
    domain = domain_from_website(data.website)
    same = Q(pk__in=[])
    if name_key:
        same |= Q(normalized_name=name_key)
    if domain:
        same |= Q(email_domain=domain)
    if not (name_key or domain):
        return None, ""
    found = (
        Organization.objects.select_for_update()
        .filter(same)
        # Whether it has a membership or an application in progress, in the same read; and
        # whether it has directory categories (none: its history row has none to read).
        .annotate(
            busy=_open_membership,
            has_directory_categories=_has_directory_categories,
            modified_at_start=_modified_at_start,
        )
        .order_by(
            Case(When(normalized_name=name_key, then=0), default=1) if name_key else "pk", "pk"
        )
        .first()
    )
    if found is None:
        return None, ""
    if found.modified != found.modified_at_start:  # type: ignore[attr-defined]
        found.has_directory_categories = None  # type: ignore[attr-defined,assignment]
    if name_key and found.normalized_name == name_key:
        return found, f"same name as the existing organization “{found.name}”"
    return found, f"website domain {domain} belongs to the existing organization “{found.name}”"


def _busy_and_unlisted(organization: Organization) -> bool:
    """The organization has a membership or an application in progress and does not appear in
    the public directory: a public answer must not show that it is on record at all."""
    from crm.selectors import organization_directory

    busy = getattr(organization, "busy", None)  # read with it by _find_organization()
    if busy is None:
        busy = Membership.objects.filter(
            organization=organization, status__in=Membership.OPEN_STATUSES
        ).exists()
    return busy and not organization_directory().filter(pk=organization.pk).exists()


def _find_or_create_organization(
    data: OrganizationInput, *, apart_from_busy: bool = False
) -> tuple[Organization, list[str], bool]:
    """The organization, the notes for staff, and whether it was created just now.
    `apart_from_busy` (a join): an existing organization that already has a membership or an
    application in progress and is not in the public directory is not linked to; a record of
    its own is made, as for an unknown business, and staff are told which one it resembles
    (the website's answer then says nothing of the other's membership)."""
    values = {
        "website": data.website,
        "phone": data.phone,
        "address_line1": data.address.line1,
        "address_line2": data.address.line2,
        "city": data.address.city,
        "state": data.address.state,
        "postal_code": data.address.postal_code,
        "industry": data.industry,
        "employees": data.employees,
    }
    existing, why = _find_organization(data)
    if existing is not None and apart_from_busy and _busy_and_unlisted(existing):
        organization = Organization(name=data.name, directory_listed=False, **values)
        organization_save(organization=organization)
        return (
            organization,
            [
                f"Kept apart: the form's “{data.name}” has the {why}, which already has a "
                "membership or an application in progress; this record was made so that the "
                "website's answer revealed nothing of it. Merge it into the existing one, or "
                "reject this application."
            ],
            True,
        )
    if existing is None:
        organization = Organization(
            name=data.name, directory_listed=data.directory_listed, **values
        )
        organization_save(organization=organization)
        return organization, [], True
    differing, filled = _fill_blanks(existing, values)
    if filled:
        organization_save(organization=existing)
    note = f"Linked to an existing organization: the form's “{data.name}” has the {why}"
    if "employees" in differing:
        note += f"; the form says {data.employees} employees, the record {existing.employees}"
    if data.directory_listed and not existing.directory_listed:
        note += "; the applicant asked to be listed in the directory (not changed)"
    return existing, [note + "."], False


def _affiliate(
    *,
    contact: Contact,
    organization: Organization,
    title: str,
    billing: bool,
    primary: bool,
    links: list[Affiliation],
    existing_organization: bool,
) -> list[str]:
    """Link the contact to the organization. `links` are the organization's affiliations as
    read under the matching lock (none for a new organization); a new one is added to them.

    A form is anonymous: for an organization already on record it only proposes the link. A new
    link is `pending` with no role until staff or the primary representative confirm it
    (affiliation_confirm), and an existing link's roles are never changed from a form."""
    affiliation = next((a for a in links if a.contact_id == contact.pk), None)
    if affiliation is not None:
        # Linked already: nothing changes (the roles are staff's and the organization's to set).
        return []
    wanted = ", ".join(
        role
        for flag, role in ((primary, "primary representative"), (billing, "billing contact"))
        if flag
    )
    if existing_organization:
        affiliation = Affiliation(
            contact=contact,
            organization=organization,
            title=title,
            status=Affiliation.Status.PENDING,
        )
        links.append(affiliation)
        affiliation_save(affiliation=affiliation, checked=True)
        return [
            f"{contact.full_name} ({contact.email}) asked to be linked to {organization.name}"
            + (f" as {wanted}" if wanted else "")
            + ": the link is pending until staff or the primary representative confirm it."
        ]
    affiliation = Affiliation(
        contact=contact,
        organization=organization,
        title=title,
        is_primary=primary and not any(a.is_primary for a in links),
        is_billing=billing,
    )
    links.append(affiliation)
    # A new organization made just now, under the matching lock: nobody to move a role from.
    affiliation_save(affiliation=affiliation, checked=True)
    return []


def _payer(links: list[Affiliation]) -> Contact | None:
    """bill_to()'s choice among the links: the billing contact, else the primary
    representative, else anyone with an address."""
    ordered = sorted(links, key=lambda a: (not a.is_billing, not a.is_primary, a.pk or 0))
    return next((a.contact for a in ordered if a.contact.email), None)


# Any constant will do: it names the one lock that online submissions take while matching.
_MATCHING_LOCK = 4_240_001


def _serialize_matching() -> None:
    """Two submissions for the same new business could each find no organization and create
    one apiece; on PostgreSQL they take turns matching (a lock released at commit). Online forms
    are few, so the wait is short. SQLite serializes writers by itself."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_MATCHING_LOCK])


def _match(
    *,
    organization: OrganizationInput,
    contact: ContactInput,
    billing_contact: ContactInput | None = None,
    retried: bool = False,
    apart_from_busy: bool = False,
) -> Match:
    """`retried`: the caller runs its transaction again when a new contact's unique address
    refuses it (_find_or_create_contact). `apart_from_busy`: see
    _find_or_create_organization()."""
    _serialize_matching()
    org, notes, new_organization = _find_or_create_organization(
        organization, apart_from_busy=apart_from_busy
    )
    person, contact_notes = _find_or_create_contact(contact, role="applicant", retried=retried)
    notes += contact_notes
    # Everyone at the organization, in one read (a new one has nobody yet).
    links: list[Affiliation] = (
        []
        if new_organization
        else list(Affiliation.objects.filter(organization=org).select_related("contact"))
    )
    # The applicant pays unless someone else is named, or the business already has a payer.
    applicant_pays = billing_contact is None and not any(a.is_billing for a in links)
    notes += _affiliate(
        contact=person,
        organization=org,
        title=contact.title,
        billing=applicant_pays,
        primary=True,
        links=links,
        existing_organization=not new_organization,
    )
    payer: Contact | None = None
    if billing_contact is not None:
        payer, payer_notes = _find_or_create_contact(
            billing_contact, role="billing contact", retried=retried
        )
        notes += payer_notes
        notes += _affiliate(
            contact=payer,
            organization=org,
            title=billing_contact.title,
            billing=True,
            primary=False,
            links=links,
            existing_organization=not new_organization,
        )
    # Confirmed links choose the payer as bill_to() would; with none (the submitter's own link
    # still pending), the submission's own payer gets its invoice.
    confirmed = [a for a in links if a.status == Affiliation.Status.CONFIRMED]
    fallback = payer if billing_contact is not None else person
    return Match(organization=org, contact=person, notes=notes, payer=_payer(confirmed) or fallback)


def _flag(instance: Membership | Pledge, match: Match, *, save: bool = True) -> None:
    """Flag a submission linked to existing records for staff. `save=False`: the caller saves
    the instance next anyway (one write, not two)."""
    if match.found_existing:
        instance.needs_attention = True
        instance.match_note = match.note
        if save:
            instance.save(update_fields=["needs_attention", "match_note", "modified"])
