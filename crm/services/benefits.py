"""Benefits as entitlements: defining a benefit, granting it with a plan or a level, using one
(staff in one click, or a registration drawing complimentary seats), giving a use back, and
recording a portal sign-in for the engagement score. The admin, the staff API, the events app's
registrations and the portal call these.

Every use is counted under the organization's row lock: two registrations (or a registration
and a staff click) at once each read what the other took, so the uses of a term never go past
what was granted."""

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from core.exceptions import InvalidData, ServiceError
from core.services import atomic, set_change_reason, user_or_none, validated_save
from crm.models import Benefit, BenefitGrant, BenefitUsage, Contact, Organization, PortalSignIn
from crm.selectors.benefits import Entitlement, organization_benefits_of


def benefit_save(*, benefit: Benefit, by: Any = None) -> Benefit:
    """Define a benefit, or change its definition."""
    set_change_reason(benefit, "benefit defined" if benefit.pk is None else "benefit changed")
    validated_save(benefit, by=by)
    return benefit


def benefit_grant_save(*, grant: BenefitGrant, by: Any = None) -> BenefitGrant:
    """A plan or level grants a benefit, so many a term (or changes how many)."""
    set_change_reason(grant, f"grants {grant.benefit} × {grant.quantity}")
    validated_save(grant, by=by)
    return grant


def _lock(organization: Organization) -> None:
    # The organization's row is the lock every use of its benefits takes (see above).
    list(
        Organization.objects.select_for_update(of=("self",))
        .filter(pk=organization.pk)
        .values_list("pk")
    )


def _record(
    organization: Organization,
    entitlement: Entitlement,
    term_start: date,
    *,
    quantity: int,
    source: str,
    note: str,
    by: Any,
    today: date,
) -> BenefitUsage:
    usage = BenefitUsage(
        organization=organization,
        benefit=entitlement.benefit,
        term_start=term_start,
        quantity=quantity,
        used_on=today,
        source=source,
        note=note.strip()[:300],
        recorded_by=user_or_none(by),
    )
    set_change_reason(usage, f"{entitlement.benefit} used × {quantity}: {note}".strip(": "))
    validated_save(usage, by=by, checked=["organization", "benefit"])
    return usage


def benefit_use(
    *,
    organization: Organization,
    benefit: Benefit,
    quantity: int = 1,
    note: str = "",
    by: Any = None,
    today: date | None = None,
) -> BenefitUsage:
    """Record that `organization` used `quantity` of `benefit` this term (a yes/no benefit:
    once). Refused when its plan and levels do not grant it, or fewer are left."""
    today = today or timezone.localdate()
    if quantity < 1:
        raise InvalidData("Record at least one use.", field="quantity")
    with atomic():
        _lock(organization)
        current = organization_benefits_of(organization, today=today)
        entitlement = current.of(benefit.pk)
        if entitlement is None:
            raise ServiceError(
                f"{benefit} is not among {organization}'s benefits this term: neither its "
                "plan nor its investor level grants it.",
                field="benefit",
            )
        if quantity > entitlement.left:
            what = "already recorded" if not benefit.counted else f"{entitlement.left} left"
            raise ServiceError(
                f"{organization} has {entitlement.granted} of {benefit} this term "
                f"(to {current.term_end:%B %-d, %Y}), {entitlement.used} used: {what}.",
                field="quantity",
            )
        return _record(
            organization,
            entitlement,
            current.term_start,
            quantity=quantity,
            source=BenefitUsage.Source.STAFF,
            note=note,
            by=by,
            today=today,
        )


def benefit_draw_comp_seats(
    *,
    organization: Organization,
    tags: Iterable[str],
    quantity: int,
    note: str,
    by: Any = None,
    today: date | None = None,
) -> BenefitUsage | None:
    """A registration's complimentary seats: up to `quantity` seats from the first benefit of
    complimentary seats for one of `tags` (the event's and its ticket type's) that the
    organization has seats left of this term; None when it has none. Called by the events app
    inside the registration's transaction (the registration then records the use)."""
    tags = set(tags)
    if quantity < 1 or not tags:
        return None
    today = today or timezone.localdate()
    with atomic():
        _lock(organization)
        current = organization_benefits_of(organization, today=today)
        for entitlement in current.counted:
            benefit = entitlement.benefit
            if benefit.kind != Benefit.Kind.EVENT_SEATS or benefit.event_tag not in tags:
                continue
            if entitlement.left > 0:
                return _record(
                    organization,
                    entitlement,
                    current.term_start,
                    quantity=min(quantity, entitlement.left),
                    source=BenefitUsage.Source.REGISTRATION,
                    note=note,
                    by=by,
                    today=today,
                )
    return None


def benefit_usage_return(*, usage: BenefitUsage, reason: str, by: Any = None) -> BenefitUsage:
    """Give a use back (its registration was cancelled): it no longer counts as used. Giving it
    back again changes nothing."""
    with atomic():
        locked = BenefitUsage.objects.select_for_update(of=("self",)).get(pk=usage.pk)
        if locked.returned_at is None:
            locked.returned_at = timezone.now()
            set_change_reason(locked, f"given back: {reason}")
            validated_save(locked, by=by, checked=["organization", "benefit"])
    usage.returned_at = locked.returned_at
    return usage


def portal_sign_in_record(*, contact: Contact, at: datetime) -> PortalSignIn:
    """A contact signed in to the member portal (counted in its organizations' engagement)."""
    return PortalSignIn.objects.create(contact=contact, signed_in_at=at)
