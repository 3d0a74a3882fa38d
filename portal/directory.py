"""The directory listing in the portal: the primary representative's changes, applied at
once, or, with DIRECTORY_CHANGES_NEED_REVIEW, held as a DirectoryChange until staff approve
(then applied as made by that contact) or reject it. The listing itself is written by crm's
organization_directory_update, the one service for it."""

from typing import Any

from django.conf import settings
from django.core.files.base import File
from django.utils import timezone

from core.exceptions import ServiceError
from core.services import atomic, set_change_reason, shorten_reason, user_or_none, validated_save
from crm.models import Contact, Organization
from crm.services import DirectoryListing, organization_directory_update
from portal.models import DirectoryChange
from portal.services import as_portal_contact


def needs_review() -> bool:
    return bool(settings.DIRECTORY_CHANGES_NEED_REVIEW)


def portal_directory_update(
    *, organization: Organization, listing: DirectoryListing, by_contact: Contact
) -> Organization | DirectoryChange:
    """The primary representative saves the organization's listing: applied now (the
    Organization, its history naming the contact), or, when staff review changes, kept as a
    pending DirectoryChange (replacing one still pending) and the public listing unchanged."""
    if not needs_review():
        with as_portal_contact(by_contact) as by:
            return organization_directory_update(organization=organization, listing=listing, by=by)
    with as_portal_contact(by_contact) as by:
        for pending in DirectoryChange.objects.select_for_update().filter(
            organization=organization, status=DirectoryChange.Status.PENDING
        ):
            _decide(pending, DirectoryChange.Status.SUPERSEDED, by=by, reason="A newer change.")
        change = DirectoryChange(
            organization=organization,
            contact=by_contact,
            listed=listing.listed,
            text=listing.text.strip(),
            website=listing.website.strip(),
            social={k: v.strip() for k, v in listing.social.items() if v.strip()},
            remove_logo=listing.remove_logo and listing.logo is None,
        )
        if listing.logo is not None:
            change.logo = listing.logo  # type: ignore[assignment]
        set_change_reason(change, "Directory listing proposed, for staff to review")
        validated_save(change, by=by)
        change.categories.set(listing.categories)
    return change


def _decide(change: DirectoryChange, status: str, *, by: Any, reason: str) -> None:
    change.status = status
    change.decided_at = timezone.now()
    change.decided_by = user_or_none(by) if getattr(by, "is_staff", False) else None
    change.decision_reason = reason[:500]
    set_change_reason(change, f"{change.get_status_display()}: {reason}")
    validated_save(change, by=by)


def _pending(change: DirectoryChange) -> DirectoryChange:
    locked = (
        DirectoryChange.objects.select_for_update()
        .select_related("organization", "contact")
        .filter(pk=change.pk)
        .first()
    )
    if locked is None or locked.status != DirectoryChange.Status.PENDING:
        raise ServiceError("This directory change is no longer waiting for review.")
    return locked


def directory_change_approve(*, change: DirectoryChange, by: Any) -> Organization:
    """Staff approve a held change: the listing is set as the contact proposed it, recorded
    in the organization's history as made by that contact through the portal (approved by
    `by`)."""
    staff = user_or_none(by)
    who = staff.get_username() if staff is not None else "staff"
    with atomic():
        locked = _pending(change)
        logo = None
        if locked.logo:
            logo = File(locked.logo.open("rb"), name=(locked.logo.name or "").rsplit("/", 1)[-1])
        listing = DirectoryListing(
            listed=locked.listed,
            text=locked.text,
            website=locked.website,
            social=dict(locked.social),
            categories=tuple(locked.categories.all()),
            logo=logo,
            remove_logo=locked.remove_logo,
        )
        try:
            with as_portal_contact(locked.contact) as portal_user:
                changed = ", ".join(listing.changes(locked.organization)) or "saved unchanged"
                organization = organization_directory_update(
                    organization=locked.organization,
                    listing=listing,
                    by=portal_user,
                    reason=shorten_reason(
                        f"Directory listing changed, approved by {who}: {changed}"
                    ),
                )
        finally:
            if logo is not None:
                logo.close()
        _decide(locked, DirectoryChange.Status.APPROVED, by=by, reason=f"Approved by {who}.")
    change.status = locked.status
    return organization


def directory_change_reject(*, change: DirectoryChange, by: Any, reason: str = "") -> None:
    """Staff reject a held change: the public listing stays as it is."""
    staff = user_or_none(by)
    who = staff.get_username() if staff is not None else "staff"
    with atomic():
        locked = _pending(change)
        _decide(
            locked,
            DirectoryChange.Status.REJECTED,
            by=by,
            reason=f"Rejected by {who}" + (f": {reason}" if reason else "."),
        )
    change.status = locked.status


def pending_directory_change(organization: Organization) -> DirectoryChange | None:
    return (
        DirectoryChange.objects.filter(
            organization=organization, status=DirectoryChange.Status.PENDING
        )
        .prefetch_related("categories")
        .first()
    )
