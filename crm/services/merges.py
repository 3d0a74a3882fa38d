"""Merging two records of the same business (or person) into the one that stays.

The merge walks the model's relations rather than a fixed list, so rows of models added later
(invoices, payments, registrations) move too. It runs in one transaction: everything moves, the
removed record is deleted and the merge is written into the kept record's history and notes, or
nothing happens at all and the reason is given.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, models, transaction
from simple_history.models import HistoricalChanges

from core.exceptions import ServiceError
from core.services import set_change_reason, with_history_user
from crm.models import Affiliation, Contact, Membership, Organization
from crm.services.organizations import note_create


@dataclass
class MergeResult:
    kept: Any
    moved: dict[str, int] = field(default_factory=dict)
    combined: list[str] = field(default_factory=list)
    filled: list[str] = field(default_factory=list)

    @property
    def description(self) -> str:
        moved = ", ".join(f"{n} {name}" for name, n in sorted(self.moved.items()) if n)
        parts = [f"moved {moved}" if moved else "nothing to move"]
        parts += self.combined
        if self.filled:
            parts.append(f"took {', '.join(self.filled)} from it")
        return "; ".join(parts)


def organization_merge(*, keep: Organization, remove: Organization, by: Any = None) -> MergeResult:
    """Move everything of `remove` to `keep`, then delete `remove`. Refused (with the reason and
    nothing changed) when the two cannot be one business, such as both having an open membership."""
    with transaction.atomic():
        keep, remove = _lock_pair(Organization, keep, remove)
        _refuse_two_open_memberships(keep, remove)
        if (
            keep.stripe_customer_id
            and remove.stripe_customer_id
            and keep.stripe_customer_id != remove.stripe_customer_id
        ):
            raise ServiceError(
                f"Both organizations have a Stripe customer ({keep.stripe_customer_id} and "
                f"{remove.stripe_customer_id}); merge them in Stripe first."
            )
        result = MergeResult(kept=keep)
        _merge_affiliations(
            Affiliation.objects.filter(organization=remove),
            partner_of=lambda a: {"contact_id": a.contact_id, "organization_id": keep.pk},
            move={"organization": keep},
            result=result,
            by=by,
            reason=f"merged from {remove} (#{remove.pk})",
        )
        _move_relations(keep, remove, result=result, by=by)
        _finish(keep, remove, result=result, by=by, label=f"{remove.name} (#{remove.pk})")
        return result


def contact_merge(*, keep: Contact, remove: Contact, by: Any = None) -> MergeResult:
    """Move everything of `remove` (affiliations, notes, pledges, registrations, ...) to `keep`,
    then delete `remove`. Two places at one organization become one with both sets of roles."""
    with transaction.atomic():
        keep, remove = _lock_pair(Contact, keep, remove)
        result = MergeResult(kept=keep)
        _merge_affiliations(
            Affiliation.objects.filter(contact=remove),
            partner_of=lambda a: {"contact_id": keep.pk, "organization_id": a.organization_id},
            move={"contact": keep},
            result=result,
            by=by,
            reason=f"merged from {remove} (#{remove.pk})",
        )
        _move_relations(keep, remove, result=result, by=by)
        label = f"{remove.full_name} (#{remove.pk}{', ' + remove.email if remove.email else ''})"
        _finish(keep, remove, result=result, by=by, label=label)
        return result


def _lock_pair(model: type[models.Model], keep: Any, remove: Any) -> tuple[Any, Any]:
    if keep.pk is None or remove.pk is None:
        raise ServiceError("Both records must be saved before they can be merged.")
    if keep.pk == remove.pk:
        raise ServiceError("A record cannot be merged into itself.")
    # Locked in primary-key order so that two merges of the same pair cannot deadlock.
    locked = {
        obj.pk: obj
        for obj in model._default_manager.select_for_update()
        .filter(pk__in=[keep.pk, remove.pk])
        .order_by("pk")
    }
    if len(locked) != 2:
        raise ServiceError("One of the records no longer exists; reload the page.")
    return locked[keep.pk], locked[remove.pk]


def _refuse_two_open_memberships(keep: Organization, remove: Organization) -> None:
    open_ones = {
        m.organization_id: m
        for m in Membership.objects.filter(
            organization__in=[keep, remove], status__in=Membership.OPEN_STATUSES
        ).select_related("plan")
    }
    if keep.pk in open_ones and remove.pk in open_ones:
        a, b = open_ones[keep.pk], open_ones[remove.pk]
        raise ServiceError(
            f"Both organizations have an open membership ({keep}: "
            f"{a.get_status_display().lower()} on {a.plan}; {remove}: "
            f"{b.get_status_display().lower()} on {b.plan}). Drop or reject one of them first."
        )


def _merge_affiliations(
    affiliations: models.QuerySet[Affiliation],
    *,
    partner_of: Any,
    move: dict[str, Any],
    result: MergeResult,
    by: Any,
    reason: str,
) -> None:
    """A contact at both organizations (or both contacts at one organization) keeps one place
    there, holding the roles of both; otherwise the affiliation simply moves."""
    combined = 0
    for affiliation in affiliations.select_for_update().order_by("pk"):
        partner = Affiliation.objects.select_for_update().filter(**partner_of(affiliation)).first()
        if partner is None:
            target = affiliation
            for name, value in move.items():
                setattr(target, name, value)
            result.moved["affiliations"] = result.moved.get("affiliations", 0) + 1
        else:
            target = partner
            target.is_primary |= affiliation.is_primary
            target.is_billing |= affiliation.is_billing
            target.is_event_contact |= affiliation.is_event_contact
            target.title = target.title or affiliation.title
            _delete(affiliation, by=by, reason=reason)
            combined += 1
        if target.is_primary and (
            Affiliation.objects.filter(organization_id=target.organization_id, is_primary=True)
            .exclude(pk=target.pk)
            .exists()
        ):
            target.is_primary = False  # the kept record's primary representative stays
        _save(target, by=by, reason=reason)
    if combined:
        result.combined.append(f"combined the roles of {combined} shared affiliation(s)")


def _move_relations(keep: models.Model, remove: models.Model, *, result: MergeResult, by: Any):
    reason = f"merged from {remove} (#{remove.pk})"
    for m2m in type(keep)._meta.many_to_many:
        if m2m.remote_field.through._meta.auto_created:  # type: ignore[union-attr]
            getattr(keep, m2m.name).add(*getattr(remove, m2m.name).all())
    for relation in relations_to_move(type(keep)):
        if relation.many_to_many:
            _move_many_to_many(relation, keep, remove, result=result)
            continue
        remote = relation.field
        label = str(relation.related_model._meta.verbose_name_plural)
        rows = relation.related_model._base_manager.filter(**{remote.name: remove})
        if (
            relation.one_to_one
            and rows.exists()
            and relation.related_model._base_manager.filter(**{remote.name: keep}).exists()
        ):
            noun = relation.related_model._meta.verbose_name
            raise ServiceError(f"Both records have a {noun}; they cannot be combined.")
        for row in rows.order_by("pk"):
            setattr(row, remote.name, keep)
            try:
                with transaction.atomic():
                    _save(row, by=by, reason=reason, update_fields=[remote.attname])
            except IntegrityError:
                raise ServiceError(
                    f"The {label} of both records cannot be combined ({row} would clash with "
                    f"one of {keep}); resolve that first."
                ) from None
            result.moved[label] = result.moved.get(label, 0) + 1


def relations_to_move(model: type[models.Model]) -> list[Any]:
    """Every relation that points at `model`, hidden ones included, except history rows (they
    describe the past and stay as they were) and the rows of automatic many-to-many tables (moved
    through their many-to-many relation)."""
    return [
        f
        for f in model._meta.get_fields(include_hidden=True)
        if f.auto_created
        and not f.concrete
        and f.related_model is not None
        and not issubclass(f.related_model, HistoricalChanges)
        and not (f.one_to_many and f.related_model._meta.auto_created)
    ]


def _move_many_to_many(relation: Any, keep: Any, remove: Any, *, result: MergeResult) -> None:
    through = relation.through
    if not through._meta.auto_created:
        return  # an explicit through model has its own foreign key, moved like any other
    source = next(f for f in through._meta.fields if f.related_model is type(keep))
    other = next(f for f in through._meta.fields if f.is_relation and f is not source)
    already = set(
        through.objects.filter(**{source.name: keep}).values_list(other.attname, flat=True)
    )
    moving = through.objects.filter(**{source.name: remove})
    moving.filter(**{f"{other.attname}__in": already}).delete()
    count = moving.update(**{source.attname: keep.pk})
    label = str(relation.related_model._meta.verbose_name_plural)
    result.moved[label] = result.moved.get(label, 0) + count


def _finish(keep: Any, remove: Any, *, result: MergeResult, by: Any, label: str) -> None:
    """Take the removed record's values where the kept one has none, delete the removed record,
    and write the merge into the kept record's history and notes."""
    for relation in relations_to_move(type(remove)):
        if relation.many_to_many:
            continue
        left = relation.related_model._base_manager.filter(**{relation.field.name: remove})
        if left.exists():  # never let a cascade delete what the walk did not move
            raise ServiceError(
                f"Some {relation.related_model._meta.verbose_name_plural} of {remove} could not "
                "be moved; nothing was merged."
            )
    taken: dict[str, Any] = {}
    for model_field in type(keep)._meta.concrete_fields:
        if not model_field.editable and model_field.name != "stripe_customer_id":
            continue
        if model_field.primary_key or model_field.name in ("created", "modified"):
            continue
        mine, theirs = getattr(keep, model_field.attname), getattr(remove, model_field.attname)
        if mine in ("", None) and theirs not in ("", None):
            taken[model_field.attname] = theirs
            result.filled.append(str(model_field.verbose_name))
    _delete(remove, by=by, reason=f"merged into {keep} (#{keep.pk})")
    # Unique values (a contact's email) can move only once the removed record is gone.
    for name, value in taken.items():
        setattr(keep, name, value)
    _save(keep, by=by, reason=f"Merged {label} into this record")
    body = f"Merged {label} into this record: {result.description}."
    note_create(
        body=body,
        author=by,
        organization=keep if isinstance(keep, Organization) else None,
        contact=keep if isinstance(keep, Contact) else None,
    )


def _save(instance: Any, *, by: Any, reason: str, update_fields: list[str] | None = None) -> None:
    with_history_user(instance, by)
    set_change_reason(instance, reason)
    instance.save(update_fields=update_fields)


def _delete(instance: Any, *, by: Any, reason: str) -> None:
    with_history_user(instance, by)
    set_change_reason(instance, reason)
    instance.delete()
