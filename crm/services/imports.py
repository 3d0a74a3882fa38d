"""The member roster import: one row per contact at an organization, with the organization's
fields, the contact's, their roles there, and optionally the membership (plan, status,
paid-through).

Rules that make a re-import change nothing:
- records are matched, never duplicated: a contact by email (else by name at the organization),
  an organization by normalized name, else by website domain;
- an import fills what is missing and never overwrites what is there (a differing value is
  reported as kept), so the first row that gives a value wins;
- a membership is created only when the organization has none like it.

Each row runs in its own savepoint: a refused row leaves nothing behind. A dry run runs every row
exactly as the real run would (so a duplicate row shows as a repeat of the earlier one) and then
rolls the whole file back.
"""

import csv
import io
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from core.exceptions import ServiceError
from crm import services
from crm.models import Affiliation, Contact, County, Membership, MembershipPlan, Organization
from crm.normalize import domain_from_website, normalize_email, normalize_org_name
from crm.services import memberships  # the bare transitions

IMPORT_REASON = "imported from a roster file"
MAX_FILE_BYTES = 10 * 1024 * 1024

# Canonical column -> the headings accepted for it (compared lower-cased, punctuation as spaces).
COLUMNS: dict[str, tuple[str, ...]] = {
    "organization": ("organization", "organization name", "company", "company name", "business"),
    "website": ("website", "web site", "url", "web"),
    "organization_phone": ("organization phone", "company phone", "main phone", "office phone"),
    "address_line1": ("address", "address line 1", "address 1", "street"),
    "address_line2": ("address line 2", "address 2", "suite"),
    "city": ("city", "town"),
    "state": ("state",),
    "postal_code": ("postal code", "zip", "zip code", "zipcode"),
    "county": ("county",),
    "industry": ("industry", "sector"),
    "employees": ("employees", "number of employees", "employee count", "staff"),
    "directory_listed": ("directory listed", "directory", "listed in directory"),
    "contact": ("contact", "contact name", "full name"),
    "first_name": ("first name", "first", "given name"),
    "last_name": ("last name", "last", "surname", "family name"),
    "email": ("email", "e mail", "email address", "contact email"),
    "phone": ("phone", "contact phone", "direct phone", "mobile"),
    "title": ("title", "job title", "position"),
    "roles": ("roles", "role"),
    "plan": ("plan", "plan code", "membership plan"),
    "status": ("status", "membership status"),
    "start_date": ("start date", "member since", "joined", "join date"),
    "paid_through": ("paid through", "paid thru", "expires", "expiration date"),
}
_HEADING_TO_COLUMN = {
    heading: column for column, headings in COLUMNS.items() for heading in headings
}

_ROLE_WORDS = {
    "primary": "is_primary",
    "primary representative": "is_primary",
    "primary contact": "is_primary",
    "representative": "is_primary",
    "billing": "is_billing",
    "billing contact": "is_billing",
    "event": "is_event_contact",
    "events": "is_event_contact",
    "event contact": "is_event_contact",
}
_ROLE_LABELS = {
    "is_primary": "primary representative",
    "is_billing": "billing contact",
    "is_event_contact": "event contact",
}
_TRUE_WORDS = {"yes", "y", "true", "1", "x", "listed"}
_FALSE_WORDS = {"no", "n", "false", "0", "", "unlisted"}

# Fields an import may fill on an existing organization (empty there, given in the file).
_ORG_FIELDS = (
    "website",
    "phone",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "county",
    "industry",
    "employees",
)


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REFUSED = "refused"
    SKIPPED = "skipped"


@dataclass
class RosterRow:
    number: int  # the row's number in the spreadsheet (the heading is row 1)
    values: dict[str, Any]


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


class _Refused(Exception):
    pass


# --- Reading files ----------------------------------------------------------------------------


def roster_read(
    *, data: bytes, file_name: str, lazy: bool = False
) -> tuple[Iterable[RosterRow], list[str]]:
    """The rows of a CSV or Excel (.xlsx) roster, keyed by canonical column, and the headings
    that were not recognised. Refuses a file it cannot read with a sentence saying why. With
    `lazy` the rows come one at a time as they are read (a CSV's cells are not all held in
    memory at once), for roster_import's streaming use."""
    if len(data) > MAX_FILE_BYTES:
        raise ServiceError(f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
    name = file_name.lower()
    if name.endswith(".csv"):
        first, rest = _read_csv(data)
    elif name.endswith(".xlsx"):
        table = _read_xlsx(data)
        first, rest = (table[0] if table else None), iter(table[1:])
    else:
        raise ServiceError("Upload a .csv or .xlsx file.")
    if first is None or not any(_text(cell) for cell in first):
        raise ServiceError("The file is empty: the first row should hold the column headings.")
    headings = [_heading(cell) for cell in first]
    columns = [_HEADING_TO_COLUMN.get(h) for h in headings]
    if "organization" not in columns:
        raise ServiceError(
            "The file has no organization column (headings such as 'Organization' or 'Company')."
        )
    ignored = [_text(cell) for cell, col in zip(first, columns, strict=True) if not col and cell]
    rows = _roster_rows(rest, columns)
    return (rows if lazy else list(rows)), ignored


def _roster_rows(table: Iterator[list[Any]], columns: list[str | None]) -> Iterator[RosterRow]:
    """The rows after the headings, one at a time. Blank rows are held back until a row with
    something in it follows: spreadsheets often carry formatted but empty rows at the end."""
    blanks: list[RosterRow] = []
    for index, cells in enumerate(table, start=2):
        values: dict[str, Any] = {}
        for col, cell in zip(columns, cells, strict=False):
            if col and col not in values:
                values[col] = cell
        extra = [c for c in cells[len(columns) :] if _text(c)]
        if extra:
            values["_extra_cells"] = len(extra)
        row = RosterRow(number=index, values=values)
        if _is_blank(values):
            blanks.append(row)
            continue
        yield from blanks
        blanks.clear()
        yield row


def _read_csv(data: bytes) -> tuple[list[Any] | None, Iterator[list[Any]]]:
    # The standard csv module rather than tablib here: tablib drops blank lines, and the report
    # must name rows by the line numbers staff see in their spreadsheet.
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost any bytes
        raise ServiceError("The file is not text in UTF-8 or Windows encoding.")
    # Parsed as it is read: the heading row now (a file that is not CSV at all is refused
    # before anything is imported), the others one at a time.
    reader = _csv_rows(csv.reader(io.StringIO(text, newline="")))
    return next(reader, None), reader


def _csv_rows(reader: Iterator[list[str]]) -> Iterator[list[str]]:
    try:
        yield from reader
    except csv.Error as exc:
        raise ServiceError(f"The CSV file could not be read: {exc}.") from exc


def _read_xlsx(data: bytes) -> list[list[Any]]:
    from import_export.formats.base_formats import XLSX

    try:
        dataset = XLSX().create_dataset(data)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or non-Excel file
        raise ServiceError("The Excel file could not be read; save it as .xlsx and retry.") from exc
    return [list(dataset.headers or [])] + [list(row) for row in dataset]


def _heading(value: Any) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", _text(value).lower()))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel stores 06103 and 8605550100 as numbers
    if isinstance(value, datetime):
        value = value.date()
    return " ".join(str(value).split())


def _is_blank(values: Mapping[str, Any]) -> bool:
    return not any(_text(v) for k, v in values.items() if not k.startswith("_"))


# --- Importing --------------------------------------------------------------------------------


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
    membership_wish = _membership_wish(values, raw_dates, context)
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


def _organization_fields(values: Mapping[str, str]) -> dict[str, Any]:
    if not normalize_org_name(values.get("organization", "")):
        raise _Refused("The organization name is missing.")
    fields: dict[str, Any] = {}
    website = values.get("website", "")
    if website:
        fields["website"] = website if "://" in website else f"https://{website}"
    for column, name in (
        ("organization_phone", "phone"),
        ("address_line1", "address_line1"),
        ("address_line2", "address_line2"),
        ("city", "city"),
        ("industry", "industry"),
    ):
        if values.get(column):
            fields[name] = values[column]
    state = values.get("state", "")
    if state:
        if not re.fullmatch(r"[A-Za-z]{2}", state):
            raise _Refused(f"The state '{state}' should be a two-letter code such as CT.")
        fields["state"] = state.upper()
    postal_code = values.get("postal_code", "")
    if postal_code:
        # Excel turns 06103 into 6103; New England ZIP codes start with a zero.
        fields["postal_code"] = postal_code.zfill(5) if postal_code.isdigit() else postal_code
    county = values.get("county", "")
    if county:
        fields["county"] = _county(county)
    employees = values.get("employees", "").replace(",", "")
    if employees:
        try:
            count = Decimal(employees)
        except InvalidOperation:
            count = Decimal(-1)
        if count < 0 or count != count.to_integral_value():
            raise _Refused(f"The number of employees '{values['employees']}' is not a number.")
        fields["employees"] = int(count)
    listed = values.get("directory_listed", "").lower()
    if listed not in _TRUE_WORDS | _FALSE_WORDS:
        raise _Refused(f"Directory listed should be yes or no, not '{values['directory_listed']}'.")
    if listed in _TRUE_WORDS:
        fields["directory_listed"] = True
    return fields


def _county(text: str) -> str:
    key = text.lower().removesuffix(" county").strip()
    for value, label in County.choices:
        if key in (value, label.lower()):
            return value
    names = ", ".join(str(label) for _, label in County.choices)
    raise _Refused(f"The county '{text}' is not one of {names}.")


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


def _tidy_name(name: str) -> str:
    """'JANE' and 'jane' become 'Jane'; a name with its own capitals ('McAllister') is kept."""
    return name.title() if name.isupper() or name.islower() else name


def _contact_fields(values: Mapping[str, str]) -> dict[str, str] | None:
    first = values.get("first_name", "")
    last = values.get("last_name", "")
    full = values.get("contact", "")
    if full and not (first or last):
        first, _, last = full.rpartition(" ") if " " in full else ("", "", full)
    email = normalize_email(values.get("email", ""))
    if not (first or last or email):
        return None
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise _Refused(f"'{values['email']}' is not a valid email address.") from None
    fields = {"first_name": _tidy_name(first), "last_name": _tidy_name(last), "email": email}
    for column in ("phone", "title"):
        if values.get(column):
            fields[column] = values[column]
    return fields


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


def _roles(text: str) -> dict[str, bool]:
    flags: dict[str, bool] = {}
    for word in re.split(r"[,;/|&]+|\band\b", text.lower()):
        word = " ".join(word.split())
        if not word:
            continue
        flag = _ROLE_WORDS.get(word)
        if flag is None:
            raise _Refused(f"Unknown role '{word}': use primary, billing or events.")
        flags[flag] = True
    return flags


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


@dataclass
class _MembershipWish:
    plan: MembershipPlan
    status: Membership.Status
    start_date: date
    paid_through: date | None


_NEEDS_PAID_THROUGH = (Membership.Status.ACTIVE, Membership.Status.GRACE, Membership.Status.LAPSED)
_UNPAID = (Membership.Status.APPLIED, Membership.Status.APPROVED, Membership.Status.REJECTED)


def _membership_wish(
    values: Mapping[str, str], raw_dates: Mapping[str, Any], context: _Context
) -> _MembershipWish | None:
    code = values.get("plan", "")
    status_text = values.get("status", "")
    paid_through = _date(raw_dates.get("paid_through"), "paid through")
    start_date = _date(raw_dates.get("start_date"), "start date")
    if not code:
        if status_text or paid_through:
            raise _Refused("A membership status or paid-through date needs a plan code.")
        return None
    plan = _plan(code, context)
    status = _status(status_text) if status_text else None
    if status is None:
        if paid_through is None:
            raise _Refused(
                "Give the membership status (for example active) or a paid-through date."
            )
        status = Membership.Status.ACTIVE
    if status in _NEEDS_PAID_THROUGH and paid_through is None:
        raise _Refused(f"A membership that is {status.label.lower()} needs a paid-through date.")
    if status in _UNPAID and paid_through is not None:
        raise _Refused(
            f"A membership that is {status.label.lower()} has no paid-through date; "
            "leave it empty or give the status active."
        )
    return _MembershipWish(
        plan=plan,
        status=status,
        start_date=start_date or timezone.localdate(),
        paid_through=paid_through,
    )


def _plan(code: str, context: _Context) -> MembershipPlan:
    key = code.strip().lower()
    if key not in context.plans:
        context.plans[key] = (
            MembershipPlan.objects.filter(code__iexact=key).first()
            or MembershipPlan.objects.filter(name__iexact=key).first()
        )
    plan = context.plans[key]
    if plan is None:
        known = ", ".join(MembershipPlan.objects.order_by("code").values_list("code", flat=True))
        raise _Refused(f"There is no membership plan '{code}' (plans: {known or 'none yet'}).")
    return plan


def _status(text: str) -> Membership.Status:
    key = text.strip().lower()
    for status in Membership.Status:
        if key in (status.value, status.label.lower()):
            return status
    if key in ("current", "member", "paid"):
        return Membership.Status.ACTIVE
    names = ", ".join(Membership.Status.values)
    raise _Refused(f"Unknown membership status '{text}' (use one of: {names}).")


def _date(value: Any, label: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    for pattern in ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%Y/%m/%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise _Refused(f"The {label} date '{text}' is not a date (use 2026-12-31 or 12/31/2026).")


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
