"""Applying a roster row by row: each row written through the CRM services in a savepoint of its
own (records matched, blanks filled, nothing overwritten). `batching` sends here the rows it does
not write in bulk, and a whole chunk whose bulk write the database refused."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from core.exceptions import ServiceError
from crm import services
from crm.models import Affiliation, Contact, Membership, Organization
from crm.normalize import domain_from_website, normalize_org_name
from crm.services import memberships  # the bare transitions
from crm.services.imports.fields import (
    RosterRow,
    _contact_fields,
    _is_blank,
    _membership_wish,
    _MembershipWish,
    _organization_fields,
    _Refused,
    _roles,
    _text,
)
from crm.services.imports.results import (
    _ROLE_LABELS,
    IMPORT_REASON,
    Outcome,
    RowResult,
    _Context,
)


def _import_row_safely(row: RosterRow, context: _Context) -> RowResult:
    if _is_blank(row.values):
        return RowResult(number=row.number, outcome=Outcome.SKIPPED, reason="Blank row.")
    result = RowResult(number=row.number, outcome=Outcome.UNCHANGED)
    try:
        with transaction.atomic():
            _import_row(row, result, context)
    except (_Refused, ServiceError) as exc:
        message = exc.message if isinstance(exc, ServiceError) else str(exc)
        if isinstance(exc, ServiceError) and exc.field:
            message = f"{exc.field.replace('_', ' ')}: {message}"
        return RowResult(
            number=row.number,
            outcome=Outcome.REFUSED,
            organization=result.organization,
            contact=result.contact,
            reason=message,
        )
    return result


@dataclass
class _Parsed:
    """A row's cells turned into what the records take (no database writes yet)."""

    values: dict[str, str]
    org_fields: dict[str, Any]
    contact_fields: dict[str, str] | None
    flags: dict[str, bool]
    membership_wish: _MembershipWish | None


def _parse_row(row: RosterRow, result: RowResult, context: _Context) -> _Parsed:
    values = {key: _text(value) for key, value in row.values.items() if not key.startswith("_")}
    if row.values.get("_extra_cells"):
        raise _Refused("The row has more cells than the file has headings.")
    raw_dates = {key: row.values.get(key) for key in ("start_date", "paid_through")}
    result.organization = values.get("organization", "")
    parsed = _Parsed(
        values=values,
        org_fields=_organization_fields(values),
        contact_fields=_contact_fields(values),
        flags=_roles(values.get("roles", "")),
        membership_wish=_membership_wish(values, raw_dates, context.plans),
    )
    if parsed.flags and parsed.contact_fields is None:
        raise _Refused("Roles are given but no contact (name or email).")
    return parsed


def _contact_label(contact: Contact) -> str:
    return contact.full_name + (f" <{contact.email}>" if contact.email else "")


def _membership_created(wish: _MembershipWish) -> str:
    paid = f", paid through {wish.paid_through.isoformat()}" if wish.paid_through else ""
    return f"created membership on the {wish.plan} plan ({wish.status.label.lower()}{paid})"


def _finish(
    result: RowResult, created: list[str], updated: list[str], *, first: int, number: int
) -> None:
    """The row's outcome from what it changed; `first`: the first row that named the same
    organization and contact."""
    result.changes = created + updated
    if created:
        result.outcome = Outcome.CREATED
    elif updated:
        result.outcome = Outcome.UPDATED
    if result.outcome == Outcome.UNCHANGED:
        result.notes.insert(0, f"same as row {first}" if first != number else "already up to date")


def _import_row(row: RosterRow, result: RowResult, context: _Context) -> None:
    parsed = _parse_row(row, result, context)
    values, org_fields, contact_fields = parsed.values, parsed.org_fields, parsed.contact_fields
    flags, membership_wish = parsed.flags, parsed.membership_wish
    created: list[str] = []
    updated: list[str] = []

    organization = _match_organization(values.get("organization", ""), org_fields.get("website"))
    if organization is None:
        organization = Organization(name=values["organization"], **org_fields)
        _save(organization, services.organization_save, by=context.by)
        created.append(f"created organization {organization.name}")
    else:
        filled = _fill(organization, org_fields, result.notes)
        if filled:
            _save(organization, services.organization_save, by=context.by)
            updated.append(f"filled {', '.join(filled)} of {organization.name}")
    result.organization = organization.name

    contact = None
    if contact_fields is not None:
        contact, contact_created, contact_filled = _upsert_contact(
            organization, contact_fields, context, result
        )
        result.contact = _contact_label(contact)
        if contact_created:
            created.append(f"created contact {result.contact}")
        elif contact_filled:
            updated.append(f"filled {', '.join(contact_filled)} of {contact.full_name}")
        _upsert_affiliation(
            organization,
            contact,
            title=values.get("title", ""),
            flags=flags,
            context=context,
            result=result,
            created=created,
            updated=updated,
        )

    if membership_wish is not None:
        _upsert_membership(organization, membership_wish, context, result, created)

    key = (organization.pk, contact.pk if contact else None)
    first = context.seen.setdefault(key, row.number)
    _finish(result, created, updated, first=first, number=row.number)


def _save(instance: Any, saver: Any, *, by: Any) -> None:
    instance._change_reason = IMPORT_REASON
    name = type(instance).__name__.lower()
    saver(**{name: instance, "by": by})


def _match_organization(name: str, website: str | None) -> Organization | None:
    normalized = normalize_org_name(name)
    by_name = list(Organization.objects.filter(normalized_name=normalized)[:2])
    if len(by_name) > 1:
        raise _Refused(
            f"More than one organization is called '{name}'; merge the duplicates first."
        )
    if by_name:
        return by_name[0]
    domain = domain_from_website(website or "")
    if domain:
        by_domain = list(Organization.objects.filter(email_domain=domain)[:2])
        if len(by_domain) > 1:
            raise _Refused(
                f"More than one organization has the domain {domain}; merge the duplicates first."
            )
        if by_domain:
            return by_domain[0]
    return None


def _to_fill(instance: Any, fields: Mapping[str, Any], notes: list[str]) -> dict[str, Any]:
    """The fields that are empty on the record (to fill); the ones whose value differs are
    noted as kept."""
    fill = {}
    for name, value in fields.items():
        current = getattr(instance, name)
        if current in ("", None, False):
            fill[name] = value
        elif current != value:
            verbose = type(instance)._meta.get_field(name).verbose_name
            notes.append(f"kept {verbose} '{current}' (the file says '{value}')")
    return fill


def _fill(instance: Any, fields: Mapping[str, Any], notes: list[str]) -> list[str]:
    """Set the fields that are empty on the record; note the ones whose value differs."""
    fill = _to_fill(instance, fields, notes)
    for name, value in fill.items():
        setattr(instance, name, value)
    return [str(type(instance)._meta.get_field(name).verbose_name) for name in fill]


def _contact_fill(contact: Contact, fields: Mapping[str, str]) -> dict[str, str]:
    """What a row offers an existing contact: its non-empty cells, minus the email it was found
    by and a name that differs only in capitals."""
    fill = {k: v for k, v in fields.items() if v and k != "email"}
    if contact.first_name.lower() == fill.get("first_name", "").lower():
        fill.pop("first_name")
    if contact.last_name.lower() == fill.get("last_name", "").lower():
        fill.pop("last_name")
    return fill


def _upsert_contact(
    organization: Organization,
    fields: dict[str, str],
    context: _Context,
    result: RowResult,
) -> tuple[Contact, bool, list[str]]:
    email = fields["email"]
    contact = None
    if email:
        contact = Contact.objects.filter(email=email).first()
    elif fields["first_name"] and fields["last_name"]:
        contact = (
            Contact.objects.filter(
                affiliations__organization=organization,
                first_name__iexact=fields["first_name"],
                last_name__iexact=fields["last_name"],
            )
            .order_by("pk")
            .first()
        )
    if contact is None:
        if not (fields["first_name"] and fields["last_name"]):
            raise _Refused("A new contact needs a first and a last name.")
        contact = Contact(**fields)
        _save(contact, services.contact_save, by=context.by)
        return contact, True, []
    filled = _fill(contact, _contact_fill(contact, fields), result.notes)
    if filled:
        _save(contact, services.contact_save, by=context.by)
    return contact, False, filled


def _upsert_affiliation(
    organization: Organization,
    contact: Contact,
    *,
    title: str,
    flags: dict[str, bool],
    context: _Context,
    result: RowResult,
    created: list[str],
    updated: list[str],
) -> None:
    affiliation = Affiliation.objects.filter(organization=organization, contact=contact).first()
    is_new = affiliation is None
    if affiliation is None:
        affiliation = Affiliation(organization=organization, contact=contact)
    changed = []
    if title and not affiliation.title:
        affiliation.title = title
        changed.append("title")
    for flag in flags:
        if getattr(affiliation, flag):
            continue
        if flag == "is_primary":
            current = (
                Affiliation.objects.filter(organization=organization, is_primary=True)
                .exclude(pk=affiliation.pk)
                .select_related("contact")
                .first()
            )
            if current is not None:
                result.notes.append(
                    f"kept {current.contact.full_name} as the primary representative"
                )
                continue
        setattr(affiliation, flag, True)
        changed.append(_ROLE_LABELS[flag])
    if is_new or changed:
        affiliation._change_reason = IMPORT_REASON  # type: ignore[attr-defined]
        services.affiliation_save(affiliation=affiliation, by=context.by)
    roles = f" as {', '.join(affiliation.roles)}" if affiliation.roles else ""
    if is_new:
        created.append(f"linked {contact.full_name} to {organization.name}{roles}")
    elif changed:
        updated.append(f"set {', '.join(changed)} of {contact.full_name} at {organization.name}")


def _upsert_membership(
    organization: Organization,
    wish: _MembershipWish,
    context: _Context,
    result: RowResult,
    created: list[str],
) -> None:
    same = Membership.objects.filter(organization=organization, plan=wish.plan, status=wish.status)
    if wish.paid_through is not None:
        same = same.filter(paid_through=wish.paid_through)
    if same.exists():
        return
    open_one = Membership.objects.filter(
        organization=organization, status__in=Membership.OPEN_STATUSES
    ).first()
    if open_one is not None:
        result.notes.append(
            f"kept the membership that is {open_one.get_status_display().lower()} "
            f"on the {open_one.plan} plan (the file says {wish.status.label.lower()} "
            f"on {wish.plan})"
        )
        return
    by = context.by
    membership = services.membership_create(
        organization=organization,
        plan=wish.plan,
        start_date=wish.start_date,
        by=by,
        source=Membership.Source.IMPORT,
    )
    # Walk the membership through the same transitions staff would, so its history is real.
    status = Membership.Status
    if wish.status == status.REJECTED:
        memberships._membership_reject(membership=membership, by=by, reason=IMPORT_REASON)
    if wish.status == status.APPROVED or wish.paid_through is not None:
        memberships._membership_approve(membership=membership, by=by, reason=IMPORT_REASON)
    if wish.paid_through is not None:
        services.membership_record_payment(
            membership=membership,
            period_end=wish.paid_through,
            by=by,
            reason=f"{IMPORT_REASON}, dues paid",
        )
    if wish.status in (status.GRACE, status.LAPSED):
        services.membership_enter_grace(membership=membership, by=by, reason=IMPORT_REASON)
    if wish.status == status.LAPSED:
        services.membership_lapse(membership=membership, by=by, reason=IMPORT_REASON)
    if wish.status == status.CANCELLED:
        services.membership_cancel(membership=membership, by=by, reason=IMPORT_REASON)
    created.append(_membership_created(wish))
