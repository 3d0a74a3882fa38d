from typing import Any

from django.db import transaction

from crm.models import Affiliation, Contact, Note, Organization
from crm.services.common import validated_save, with_history_user


def organization_save(*, organization: Organization, by: Any = None) -> Organization:
    """Create or update an organization after validating it (name and domain are normalized
    by the model so duplicate detection sees one spelling)."""
    validated_save(organization, by=by)
    return organization


def contact_save(*, contact: Contact, by: Any = None) -> Contact:
    validated_save(contact, by=by)
    return contact


@transaction.atomic
def affiliation_save(*, affiliation: Affiliation, by: Any = None) -> Affiliation:
    """Save a contact's place at an organization. Naming a new primary representative moves the
    role from the previous one instead of failing on the one-primary rule."""
    if affiliation.is_primary:
        previous = (
            Affiliation.objects.select_for_update()
            .filter(organization_id=affiliation.organization_id, is_primary=True)
            .exclude(pk=affiliation.pk)
        )
        for other in previous:
            other.is_primary = False
            validated_save(other, by=by)
    validated_save(affiliation, by=by)
    return affiliation


def note_create(
    *,
    body: str,
    author: Any = None,
    organization: Organization | None = None,
    contact: Contact | None = None,
) -> Note:
    note = Note(body=body.strip(), organization=organization, contact=contact)
    if author is not None and getattr(author, "is_authenticated", False):
        note.author = author
    validated_save(note, by=author)
    return note


def affiliation_delete(*, affiliation: Affiliation, by: Any = None) -> None:
    with_history_user(affiliation, by)
    affiliation.delete()


def note_update(*, note: Note, body: str, by: Any = None) -> Note:
    note.body = body.strip()
    validated_save(note, by=by)
    return note


def note_delete(*, note: Note, by: Any = None) -> None:
    with_history_user(note, by)
    note.delete()
