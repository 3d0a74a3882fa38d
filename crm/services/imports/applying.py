"""Applying a roster: each row written through the CRM services in a savepoint of its own
(records matched, blanks filled, nothing overwritten), the dry run that rolls the file back, and
the report of what every row did and why."""

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.db import transaction

from core.exceptions import ServiceError
from crm import services
from crm.models import Affiliation, Contact, Membership, MembershipPlan, Organization
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

IMPORT_REASON = "imported from a roster file"

_ROLE_LABELS = {
    "is_primary": "primary representative",
    "is_billing": "billing contact",
    "is_event_contact": "event contact",
}


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REFUSED = "refused"
    SKIPPED = "skipped"


@dataclass
class RowResult:
    number: int
    outcome: Outcome
    organization: str = ""
    contact: str = ""
    changes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    reason: str = ""

    @property
    def message(self) -> str:
        parts = [self.reason] if self.reason else []
        return " ".join(parts + [f"{c[0].upper()}{c[1:]}." for c in self.changes + self.notes])


@dataclass
class ImportReport:
    dry_run: bool
    rows: list[RowResult] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    # Outcomes of rows handed to a caller's on_row instead of kept in `rows` (streaming).
    streamed: Counter[Outcome] = field(default_factory=Counter)

    def count(self, outcome: Outcome) -> int:
        return self.streamed[outcome] + sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def counts(self) -> dict[str, int]:
        return {outcome.value: self.count(outcome) for outcome in Outcome}

    @property
    def summary(self) -> str:
        counted = ", ".join(f"{n} {name}" for name, n in self.counts.items() if n)
        prefix = "Dry run, nothing saved" if self.dry_run else "Imported"
        return f"{prefix}: {counted or 'no rows'}."


def roster_import(
    *,
    rows: Iterable[RosterRow],
    dry_run: bool,
    by: Any = None,
    ignored_columns: Iterable[str] = (),
    on_row: Callable[[RowResult], None] | None = None,
) -> ImportReport:
    """Import roster rows, each all or nothing, and report every row's outcome and why.
    With dry_run, everything runs and is then rolled back: the report is what a real run does.
    With `on_row`, each row's result is handed to it as soon as the row is done and the report
    only counts them, so a long roster streams through in constant memory."""
    report = ImportReport(dry_run=dry_run, ignored_columns=list(ignored_columns))
    context = _Context(by=by)
    with transaction.atomic():
        for row in rows:
            result = _import_row_safely(row, context)
            if on_row is None:
                report.rows.append(result)
            else:
                on_row(result)
                report.streamed[result.outcome] += 1
        if dry_run:
            transaction.set_rollback(True)
    return report


@dataclass
class _Context:
    by: Any
    plans: dict[str, MembershipPlan | None] = field(default_factory=dict)
    seen: dict[tuple[int, int | None], int] = field(default_factory=dict)


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


def _import_row(row: RosterRow, result: RowResult, context: _Context) -> None:
    values = {key: _text(value) for key, value in row.values.items() if not key.startswith("_")}
    if row.values.get("_extra_cells"):
        raise _Refused("The row has more cells than the file has headings.")
    raw_dates = {key: row.values.get(key) for key in ("start_date", "paid_through")}
    result.organization = values.get("organization", "")
    created: list[str] = []
    updated: list[str] = []

    org_fields = _organization_fields(values)
    contact_fields = _contact_fields(values)
    flags = _roles(values.get("roles", ""))
    membership_wish = _membership_wish(values, raw_dates, context.plans)
    if flags and contact_fields is None:
        raise _Refused("Roles are given but no contact (name or email).")

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
        result.contact = contact.full_name + (f" <{contact.email}>" if contact.email else "")
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

    result.changes = created + updated
    if created:
        result.outcome = Outcome.CREATED
    elif updated:
        result.outcome = Outcome.UPDATED
    key = (organization.pk, contact.pk if contact else None)
    first = context.seen.setdefault(key, row.number)
    if result.outcome == Outcome.UNCHANGED:
        result.notes.insert(
            0, f"same as row {first}" if first != row.number else "already up to date"
        )


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


def _fill(instance: Any, fields: Mapping[str, Any], notes: list[str]) -> list[str]:
    """Set the fields that are empty on the record; note the ones whose value differs."""
    filled = []
    for name, value in fields.items():
        current = getattr(instance, name)
        verbose = str(type(instance)._meta.get_field(name).verbose_name)
        if current in ("", None, False):
            setattr(instance, name, value)
            filled.append(verbose)
        elif current != value:
            notes.append(f"kept {verbose} '{current}' (the file says '{value}')")
    return filled


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
    fill = {k: v for k, v in fields.items() if v and k != "email"}
    if contact.first_name.lower() == fill.get("first_name", "").lower():
        fill.pop("first_name")
    if contact.last_name.lower() == fill.get("last_name", "").lower():
        fill.pop("last_name")
    filled = _fill(contact, fill, result.notes)
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
    paid = f", paid through {wish.paid_through.isoformat()}" if wish.paid_through else ""
    created.append(
        f"created membership on the {wish.plan} plan ({wish.status.label.lower()}{paid})"
    )
