"""What a chunk of roster rows will write, gathered while its rows are decided, and the bulk
write itself: organizations, contacts, affiliations, memberships with every step's history row
and transition, and their webhooks (see batching.py)."""

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from core.services import history_bulk_create, shorten_reason, user_or_none, with_history_user
from crm.models import Affiliation, Contact, Membership, MembershipTransition, Organization
from crm.services.imports.fields import RosterRow, _MembershipWish
from crm.services.imports.results import (
    IMPORT_REASON,
    RowResult,
)
from webhooks.payloads import emit_membership_change

Status = Membership.Status


@dataclass
class _MembershipSteps:
    """A new membership in its final state, its state after each step (for its history), the
    transitions and the webhooks, as membership_create and the transitions would write them."""

    membership: Membership
    snapshots: list[Membership] = field(default_factory=list)
    transitions: list[MembershipTransition] = field(default_factory=list)
    emits: list[tuple[Membership, str]] = field(default_factory=list)


@dataclass
class _Pending:
    rows: list[RosterRow] = field(default_factory=list)
    results: list[RowResult] = field(default_factory=list)
    organizations: list[Organization] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    affiliations: list[Affiliation] = field(default_factory=list)
    memberships: list[_MembershipSteps] = field(default_factory=list)
    # The first row naming each (organization, contact) pair, before the new ones have a pk.
    seen: dict[tuple[Any, Any], int] = field(default_factory=dict)
    objects: dict[int, Any] = field(default_factory=dict)

    @property
    def writes(self) -> bool:
        return bool(self.organizations or self.contacts or self.affiliations or self.memberships)

    def real_pk(self, ref: tuple[str, int] | None) -> int | None:
        if ref is None:
            return None
        kind, value = ref
        return value if kind == "pk" else self.objects[value].pk


def _valid(instance: Any, exclude: Iterable[str] = ()) -> bool:
    """The model's own field rules, as validated_save checks them before saving (its uniqueness
    and constraint checks are the chunk's lookups, and the database's indexes in the end)."""
    try:
        instance.full_clean(
            exclude=list(exclude), validate_unique=False, validate_constraints=False
        )
    except ValidationError:
        return False
    return True


def _mark(instance: Any, by: Any) -> None:
    """Who and why, for the history row, as applying._save gives them."""
    instance._change_reason = IMPORT_REASON
    with_history_user(instance, by)


def _normalized(organization: Organization) -> Organization:
    organization.normalize()
    return organization


def _membership_steps(
    organization: Organization, wish: _MembershipWish, by: Any
) -> _MembershipSteps:
    """The membership applying._upsert_membership creates, walked through the same steps:
    applied, then rejected, approved, paid, grace, lapsed or cancelled as the file says."""
    membership = Membership(
        organization=organization,
        plan=wish.plan,
        start_date=wish.start_date,
        source=Membership.Source.IMPORT,
        status=Status.APPLIED,
        status_changed_at=timezone.now(),
    )
    steps = _MembershipSteps(membership=membership)
    user = user_or_none(by)

    def saved(history_type: str, reason: str | None) -> Membership:
        snapshot = copy.copy(membership)
        snapshot._history_type = history_type  # type: ignore[attr-defined]
        snapshot._change_reason = reason  # type: ignore[attr-defined]
        with_history_user(snapshot, by)
        steps.snapshots.append(snapshot)
        return snapshot

    def step(to: str, reason: str, transition_reason: str, **updates: Any) -> None:
        from_status = membership.status
        membership.status = to
        membership.status_changed_at = timezone.now()
        membership.status_reason = reason
        for name, value in updates.items():
            setattr(membership, name, value)
        snapshot = saved("~", shorten_reason(reason))
        steps.transitions.append(
            MembershipTransition(
                membership=membership,
                from_status=from_status,
                to_status=to,
                by=user,
                reason=transition_reason,
            )
        )
        steps.emits.append((snapshot, from_status))

    saved("+", None)
    steps.transitions.append(
        MembershipTransition(
            membership=membership,
            from_status="",
            to_status=Status.APPLIED,
            by=user,
            reason="applied",
        )
    )
    if wish.status == Status.REJECTED:
        step(Status.REJECTED, IMPORT_REASON, IMPORT_REASON)
    if wish.status == Status.APPROVED or wish.paid_through is not None:
        step(Status.APPROVED, IMPORT_REASON, IMPORT_REASON)
    if wish.paid_through is not None:
        paid = f"{IMPORT_REASON}, dues paid"
        step(
            Status.ACTIVE,
            paid,
            f"{paid}; paid through {wish.paid_through.isoformat()}",
            paid_through=wish.paid_through,
            member_since=membership.member_since or membership.start_date,
        )
    if wish.status in (Status.GRACE, Status.LAPSED):
        step(Status.GRACE, IMPORT_REASON, IMPORT_REASON)
    if wish.status == Status.LAPSED:
        step(Status.LAPSED, IMPORT_REASON, IMPORT_REASON)
    if wish.status == Status.CANCELLED:
        step(Status.CANCELLED, IMPORT_REASON, IMPORT_REASON)
    return steps


def _write(pending: _Pending) -> None:
    """The chunk's new records, their history rows, the memberships' transitions and webhooks:
    a few inserts per kind of record, whatever the number of rows."""
    Organization.objects.bulk_create(pending.organizations)
    history_bulk_create(Organization, pending.organizations)
    Contact.objects.bulk_create(pending.contacts)
    history_bulk_create(Contact, pending.contacts)
    Affiliation.objects.bulk_create(pending.affiliations)
    history_bulk_create(Affiliation, pending.affiliations)
    memberships = [steps.membership for steps in pending.memberships]
    Membership.objects.bulk_create(memberships)
    snapshots = []
    for steps in pending.memberships:
        saved = steps.membership
        for snapshot in steps.snapshots:
            for name in ("id", "organization_id", "created", "modified"):
                setattr(snapshot, name, getattr(saved, name))
            snapshots.append(snapshot)
    history_bulk_create(Membership, snapshots)
    MembershipTransition.objects.bulk_create(
        [transition for steps in pending.memberships for transition in steps.transitions]
    )
    for steps in pending.memberships:
        for snapshot, from_status in steps.emits:
            emit_membership_change(snapshot, from_status=from_status)
