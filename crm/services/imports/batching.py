"""The roster import's driver: rows taken from the reader a chunk at a time, the records they
name looked up for the whole chunk (one query per kind), and the rows that only create records or
change nothing decided in Python and written in bulk, with the change history, membership
transitions and webhooks the services would have written for them one by one.

- A row that would fill blanks of a record on file or change an affiliation, or that meets
  anything else the bulk path does not decide itself (a value the model refuses, an email that
  another contact has in other capitals, a plan no longer offered), is written row by row
  (`applying`) after the rows before it; the chunk's lookups are then made again.
- When the database refuses a chunk's bulk write (a constraint, another import at the same
  time), the chunk's savepoint is rolled back and its rows are written row by row, so the bad
  row is refused with its reason and the others go on.

Results are handed on in row order, and only one chunk of rows is held at a time."""

import copy
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from core.services import history_bulk_create, shorten_reason, user_or_none, with_history_user
from crm.models import Affiliation, Contact, Membership, MembershipTransition, Organization
from crm.normalize import domain_from_website, normalize_email, normalize_org_name
from crm.services.imports.applying import (
    _contact_fill,
    _contact_label,
    _finish,
    _import_row_safely,
    _membership_created,
    _parse_row,
    _to_fill,
)
from crm.services.imports.fields import RosterRow, _is_blank, _MembershipWish, _Refused, _text
from crm.services.imports.results import (
    _ROLE_LABELS,
    IMPORT_REASON,
    ImportReport,
    Outcome,
    RowResult,
    _Context,
)
from webhooks.payloads import emit_membership_change

CHUNK_ROWS = 250

Status = Membership.Status


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

    def done(result: RowResult) -> None:
        if on_row is None:
            report.rows.append(result)
        else:
            on_row(result)
            report.streamed[result.outcome] += 1

    with transaction.atomic():
        for chunk in _chunks(rows, CHUNK_ROWS):
            _Chunk(chunk, context, done).run()
        if dry_run:
            transaction.set_rollback(True)
    return report


def _chunks(rows: Iterable[RosterRow], size: int) -> Iterator[list[RosterRow]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


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


class _Chunk:
    def __init__(
        self, rows: list[RosterRow], context: _Context, done: Callable[[RowResult], None]
    ) -> None:
        self.rows = rows
        self.context = context
        self.done = done
        self.pending = _Pending()

    def run(self) -> None:
        self.known = _Known(self.rows)
        for index, row in enumerate(self.rows):
            result = self._decide(row)
            if result is not None:
                self.pending.rows.append(row)
                self.pending.results.append(result)
                continue
            self._flush()
            self.done(_import_row_safely(row, self.context))
            self.known = _Known(self.rows[index + 1 :])
        self._flush()

    # --- deciding a row in Python ---------------------------------------------------------

    def _decide(self, row: RosterRow) -> RowResult | None:
        """The row's result, its new records added to the pending writes; None when the row
        must be written row by row."""
        if _is_blank(row.values):
            return RowResult(number=row.number, outcome=Outcome.SKIPPED, reason="Blank row.")
        result = RowResult(number=row.number, outcome=Outcome.UNCHANGED)
        try:
            return self._decide_row(row, result)
        except _Refused as exc:
            return RowResult(
                number=row.number,
                outcome=Outcome.REFUSED,
                organization=result.organization,
                contact=result.contact,
                reason=str(exc),
            )

    def _decide_row(self, row: RosterRow, result: RowResult) -> RowResult | None:
        # Everything is decided before anything is added to the chunk's records, so a refused
        # row leaves nothing behind (as the row-by-row path's savepoint does).
        parsed = _parse_row(row, result, self.context)
        values, known, created = parsed.values, self.known, []
        organization = known.organization(
            values.get("organization", ""), parsed.org_fields.get("website")
        )
        new_organization = organization is None
        if organization is None:
            organization = Organization(name=values["organization"], **parsed.org_fields)
            if not _valid(organization):
                return None
            created.append(f"created organization {organization.name}")
        elif _to_fill(organization, parsed.org_fields, result.notes):
            return None
        result.organization = organization.name

        contact = affiliation = None
        new_contact = new_affiliation = False
        if parsed.contact_fields is not None:
            fields = parsed.contact_fields
            contact = known.contact(organization, fields)
            new_contact = contact is None
            if contact is None:
                if not (fields["first_name"] and fields["last_name"]):
                    raise _Refused("A new contact needs a first and a last name.")
                contact = Contact(**fields)
                if contact.email.lower() in known.emails_taken or not _valid(contact):
                    return None
            elif _to_fill(contact, _contact_fill(contact, fields), result.notes):
                return None
            result.contact = _contact_label(contact)
            if new_contact:
                created.append(f"created contact {result.contact}")
            affiliation = known.affiliation(organization, contact)
            new_affiliation = affiliation is None
            if affiliation is None:
                affiliation = Affiliation(organization=organization, contact=contact)
            if not self._affiliation_roles(
                affiliation,
                organization,
                values.get("title", ""),
                parsed.flags,
                result,
                is_new=new_affiliation,
            ):
                return None
            if new_affiliation:
                if not _valid(affiliation, exclude=("organization", "contact")):
                    return None
                roles = f" as {', '.join(affiliation.roles)}" if affiliation.roles else ""
                created.append(f"linked {contact.full_name} to {organization.name}{roles}")

        steps = None
        wish = parsed.membership_wish
        if wish is not None and self._wants_membership(organization, wish, result):
            if not wish.plan.is_active:
                return None  # refused row by row, with the service's own sentence
            steps = _membership_steps(organization, wish, self.context.by)
            created.append(_membership_created(wish))

        # Decided: the row's records join the chunk's.
        pending = self.pending
        by = self.context.by
        if new_organization:
            _mark(organization, by)
            known.add_organization(_normalized(organization))
            pending.organizations.append(organization)
        if new_contact:
            assert contact is not None
            _mark(contact, by)
            contact.normalize()
            known.add_contact(contact)
            pending.contacts.append(contact)
        if new_affiliation:
            assert affiliation is not None
            _mark(affiliation, by)
            known.affiliations[_ref(organization)].append(affiliation)
            pending.affiliations.append(affiliation)
        if steps is not None:
            known.memberships[_ref(organization)].insert(0, steps.membership)
            pending.memberships.append(steps)
        for instance in (organization, contact):
            if instance is not None:
                pending.objects[id(instance)] = instance
        first = self._first_row(organization, contact, row.number)
        _finish(result, created, [], first=first, number=row.number)
        return result

    def _affiliation_roles(
        self,
        affiliation: Affiliation,
        organization: Organization,
        title: str,
        flags: dict[str, bool],
        result: RowResult,
        *,
        is_new: bool,
    ) -> bool:
        """Give a new affiliation its title and roles (a role another contact holds is noted as
        kept); False when the row would change an existing affiliation."""
        if title and not affiliation.title:
            if not is_new:
                return False
            affiliation.title = title
        for flag in flags:
            if getattr(affiliation, flag):
                continue
            if flag == "is_primary":
                current = self.known.primary(organization, besides=affiliation)
                if current is not None:
                    result.notes.append(
                        f"kept {current.contact.full_name} as the {_ROLE_LABELS[flag]}"
                    )
                    continue
            if not is_new:
                return False
            setattr(affiliation, flag, True)
        return True

    def _wants_membership(
        self, organization: Organization, wish: _MembershipWish, result: RowResult
    ) -> bool:
        """As applying._upsert_membership: none when one like it exists or another is open."""
        memberships = self.known.memberships.get(_ref(organization), [])
        for membership in memberships:
            if (
                membership.plan_id == wish.plan.pk
                and membership.status == wish.status
                and (wish.paid_through is None or membership.paid_through == wish.paid_through)
            ):
                return False
        open_one = next((m for m in memberships if m.status in Membership.OPEN_STATUSES), None)
        if open_one is not None:
            result.notes.append(
                f"kept the membership that is {open_one.get_status_display().lower()} "
                f"on the {open_one.plan} plan (the file says {wish.status.label.lower()} "
                f"on {wish.plan})"
            )
            return False
        return True

    def _first_row(self, organization: Organization, contact: Contact | None, number: int) -> int:
        key = (_ref(organization), _ref(contact) if contact is not None else None)
        if organization.pk is not None and (contact is None or contact.pk is not None):
            first = self.context.seen.get((organization.pk, contact.pk if contact else None))
            if first is not None:
                return first
        return self.pending.seen.setdefault(key, number)

    # --- writing the chunk ----------------------------------------------------------------

    def _flush(self) -> None:
        pending, self.pending = self.pending, _Pending()
        if pending.writes:
            try:
                with transaction.atomic():
                    _write(pending)
            except DatabaseError:
                # Written row by row instead: the row the database refuses is reported, the
                # others go on. (The chunk's lookups are made again before any further row.)
                for row in pending.rows:
                    self.done(_import_row_safely(row, self.context))
                return
        for (organization, contact), number in pending.seen.items():
            key = (pending.real_pk(organization), pending.real_pk(contact))
            self.context.seen.setdefault(key, number)  # type: ignore[arg-type]
        for result in pending.results:
            self.done(result)


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
