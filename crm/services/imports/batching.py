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

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any

from django.db import DatabaseError, transaction

from crm.geography import fill_county
from crm.models import Affiliation, Contact, Membership, Organization
from crm.services.imports.applying import (
    _contact_fill,
    _contact_label,
    _finish,
    _import_row_safely,
    _membership_created,
    _parse_row,
    _to_fill,
)
from crm.services.imports.fields import RosterRow, _is_blank, _MembershipWish, _Refused
from crm.services.imports.lookups import _Known, _ref
from crm.services.imports.results import (
    _ROLE_LABELS,
    ImportReport,
    Outcome,
    RowResult,
    _Context,
)
from crm.services.imports.writing import (
    _mark,
    _membership_steps,
    _normalized,
    _Pending,
    _valid,
    _write,
)

CHUNK_ROWS = 250


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
            fill_county(organization)
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
