from collections.abc import Iterable
from typing import Any

from core.exceptions import ServiceError
from core.services import atomic, set_change_reason, validated_save, with_history_user
from crm.geography import fill_county
from crm.models import Affiliation, Contact, Note, Organization
from webhooks.payloads import emit_organization_update, organization_directory_state


def organization_save(*, organization: Organization, by: Any = None) -> Organization:
    """Create or update an organization after validating it (name and domain are normalized
    by the model so duplicate detection sees one spelling). Without a county, it gets the one
    its ZIP code says (crm.geography)."""
    before = organization_directory_state(organization)
    fill_county(organization)
    validated_save(organization, by=by)
    emit_organization_update(organization, before=before)
    return organization


def contact_save(*, contact: Contact, by: Any = None, checked: Iterable[str] = ()) -> Contact:
    """`checked=["email"]`: the caller looked for the address under a lock and lets the unique
    index catch a concurrent twin (IntegrityError) rather than asking the database twice."""
    validated_save(contact, by=by, checked=checked)
    return contact


def affiliation_save(
    *, affiliation: Affiliation, by: Any = None, checked: bool = False
) -> Affiliation:
    """Save a contact's place at an organization. Naming a new primary representative moves the
    role from the previous one instead of failing on the one-primary rule (so that rule needs no
    check of its own). `checked`: the caller has just looked, under the matching lock, and this
    contact is not at this organization yet and, if primary, the organization has no primary
    representative; the same lookups are not made again."""
    with atomic():
        if affiliation.is_primary and not checked:
            previous = (
                Affiliation.objects.select_for_update()
                .filter(organization_id=affiliation.organization_id, is_primary=True)
                .exclude(pk=affiliation.pk)
            )
            for other in previous:
                other.is_primary = False
                validated_save(other, by=by, checked=["is_primary"])
        validated_save(
            affiliation, by=by, checked=["is_primary", "contact"] if checked else ["is_primary"]
        )
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


def _pending_locked(affiliation: Affiliation, *, by_contact: Contact | None) -> Affiliation:
    """The affiliation re-read under a lock, refused unless it is still pending and, when a
    contact acts (the portal), that contact is the organization's confirmed primary
    representative."""
    locked = (
        Affiliation.objects.select_for_update()
        .select_related("contact", "organization")
        .filter(pk=affiliation.pk)
        .first()
    )
    if locked is None:
        raise ServiceError("This affiliation no longer exists.")
    if locked.status != Affiliation.Status.PENDING:
        raise ServiceError(
            f"{locked.contact.full_name}'s link to {locked.organization.name} is not pending."
        )
    if (
        by_contact is not None
        and not Affiliation.objects.filter(
            organization_id=locked.organization_id,
            contact_id=by_contact.pk,
            is_primary=True,
            status=Affiliation.Status.CONFIRMED,
        ).exists()
    ):
        raise ServiceError(
            "Only staff or the organization's primary representative may confirm or reject "
            "who belongs to it."
        )
    return locked


def _who(by: Any, by_contact: Contact | None) -> str:
    if by_contact is not None:
        return f"by the primary representative, {by_contact.full_name}"
    return "by staff"


def affiliation_confirm(
    *, affiliation: Affiliation, by: Any = None, by_contact: Contact | None = None
) -> Affiliation:
    """Confirm a link that a public form proposed (a join, a pledge): from now on the contact
    counts as the organization's (member prices, invoicing the organization). Staff (`by`, a
    user) or the organization's primary representative (`by_contact`, from the portal) confirm;
    roles are given afterwards, as for any affiliation."""
    with atomic():
        locked = _pending_locked(affiliation, by_contact=by_contact)
        locked.status = Affiliation.Status.CONFIRMED
        set_change_reason(locked, f"Affiliation confirmed {_who(by, by_contact)}.")
        validated_save(locked, by=by, checked=["is_primary", "contact"])
    affiliation.status = locked.status
    return locked


def affiliation_reject(
    *, affiliation: Affiliation, by: Any = None, by_contact: Contact | None = None, reason: str = ""
) -> None:
    """Reject a pending link: it is removed (the history keeps who proposed it and who
    rejected it). The contact and the organization stay as they are."""
    with atomic():
        locked = _pending_locked(affiliation, by_contact=by_contact)
        with_history_user(locked, by)
        set_change_reason(
            locked,
            f"Affiliation rejected {_who(by, by_contact)}" + (f": {reason}" if reason else "."),
        )
        locked.delete()


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
