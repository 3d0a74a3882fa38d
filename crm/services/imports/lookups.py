"""The records a chunk of roster rows names, looked up at once (one query per kind), and the
ones its rows create, so that each row is decided in Python (see batching.py)."""

from collections import defaultdict
from typing import Any

from django.db.models import Q
from django.db.models.functions import Lower

from crm.models import Affiliation, Contact, Membership, Organization
from crm.normalize import domain_from_website, normalize_email, normalize_org_name
from crm.services.imports.fields import RosterRow, _Refused, _text


def _ref(instance: Any) -> tuple[str, int]:
    """A record's identity within a chunk: its primary key, or the object not saved yet."""
    return ("pk", instance.pk) if instance.pk is not None else ("new", id(instance))


class _Known:
    """The chunk's records on file, looked up at once, and the ones its rows create."""

    def __init__(self, rows: list[RosterRow]) -> None:
        names, domains, emails = set(), set(), set()
        for row in rows:
            values = row.values
            if name := normalize_org_name(_text(values.get("organization"))):
                names.add(name)
            if website := _text(values.get("website")):
                url = website if "://" in website else f"https://{website}"
                if domain := domain_from_website(url):
                    domains.add(domain)
            if email := normalize_email(_text(values.get("email"))):
                emails.add(email.lower())
        self.by_name: dict[str, list[Organization]] = defaultdict(list)
        self.by_domain: dict[str, list[Organization]] = defaultdict(list)
        self.by_email: dict[str, Contact] = {}
        self.emails_taken: set[str] = set()
        self.affiliations: dict[tuple[str, int], list[Affiliation]] = defaultdict(list)
        self.memberships: dict[tuple[str, int], list[Membership]] = defaultdict(list)
        organizations = []
        if names or domains:
            organizations = list(
                Organization.objects.filter(
                    Q(normalized_name__in=names) | Q(email_domain__in=domains)
                ).order_by("pk")
            )
        for organization in organizations:
            self.add_organization(organization)
        ids = [organization.pk for organization in organizations]
        if ids:
            for affiliation in (
                Affiliation.objects.filter(organization_id__in=ids)
                .select_related("contact")
                .order_by("contact_id")
            ):
                self.affiliations[("pk", affiliation.organization_id)].append(affiliation)
            for membership in (
                Membership.objects.filter(organization_id__in=ids)
                .select_related("plan")
                .order_by("-created", "-pk")
            ):
                self.memberships[("pk", membership.organization_id)].append(membership)
        if emails:
            contacts = Contact.objects.annotate(email_lower=Lower("email")).filter(
                email_lower__in=emails
            )
            for contact in contacts.order_by("pk"):
                self.add_contact(contact)

    def add_organization(self, organization: Organization) -> None:
        self.by_name[organization.normalized_name].append(organization)
        if organization.email_domain:
            self.by_domain[organization.email_domain].append(organization)

    def add_contact(self, contact: Contact) -> None:
        if contact.email:
            self.by_email.setdefault(contact.email, contact)
            self.emails_taken.add(contact.email.lower())

    def organization(self, name: str, website: str | None) -> Organization | None:
        """As applying._match_organization: by normalized name, else by website domain."""
        by_name = self.by_name.get(normalize_org_name(name), [])
        if len(by_name) > 1:
            raise _Refused(
                f"More than one organization is called '{name}'; merge the duplicates first."
            )
        if by_name:
            return by_name[0]
        domain = domain_from_website(website or "")
        if domain:
            by_domain = self.by_domain.get(domain, [])
            if len(by_domain) > 1:
                raise _Refused(
                    f"More than one organization has the domain {domain}; "
                    "merge the duplicates first."
                )
            if by_domain:
                return by_domain[0]
        return None

    def contact(self, organization: Organization, fields: dict[str, str]) -> Contact | None:
        """As applying._upsert_contact: by email, else by name at the organization."""
        if fields["email"]:
            return self.by_email.get(fields["email"])
        first, last = fields["first_name"].upper(), fields["last_name"].upper()
        if not (first and last):
            return None
        for affiliation in self.affiliations.get(_ref(organization), []):
            contact = affiliation.contact
            if contact.first_name.upper() == first and contact.last_name.upper() == last:
                return contact  # the lowest pk: affiliations on file come in contact order
        return None

    def affiliation(self, organization: Organization, contact: Contact) -> Affiliation | None:
        ref = _ref(contact)
        for affiliation in self.affiliations.get(_ref(organization), []):
            if _ref(affiliation.contact) == ref:
                return affiliation
        return None

    def primary(self, organization: Organization, *, besides: Affiliation) -> Affiliation | None:
        for affiliation in self.affiliations.get(_ref(organization), []):
            if affiliation.is_primary and affiliation is not besides:
                return affiliation
        return None
