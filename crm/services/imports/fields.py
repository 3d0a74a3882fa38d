"""The roster's fields: the columns a file may have (and the headings accepted for each), the
row as read, and the rules that turn each cell into a value the records take (or refuse the row
with a sentence saying why)."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from crm.models import County, Membership, MembershipPlan
from crm.normalize import normalize_email, normalize_org_name

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
_TRUE_WORDS = {"yes", "y", "true", "1", "x", "listed"}
_FALSE_WORDS = {"no", "n", "false", "0", "", "unlisted"}


@dataclass
class RosterRow:
    number: int  # the row's number in the spreadsheet (the heading is row 1)
    values: dict[str, Any]


class _Refused(Exception):
    pass


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


# --- Organization and contact ---------------------------------------------------------------


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


# --- Membership -----------------------------------------------------------------------------


@dataclass
class _MembershipWish:
    plan: MembershipPlan
    status: Membership.Status
    start_date: date
    paid_through: date | None


_NEEDS_PAID_THROUGH = (Membership.Status.ACTIVE, Membership.Status.GRACE, Membership.Status.LAPSED)
_UNPAID = (Membership.Status.APPLIED, Membership.Status.APPROVED, Membership.Status.REJECTED)


def _membership_wish(
    values: Mapping[str, str],
    raw_dates: Mapping[str, Any],
    plans: dict[str, MembershipPlan | None],
) -> _MembershipWish | None:
    code = values.get("plan", "")
    status_text = values.get("status", "")
    paid_through = _date(raw_dates.get("paid_through"), "paid through")
    start_date = _date(raw_dates.get("start_date"), "start date")
    if not code:
        if status_text or paid_through:
            raise _Refused("A membership status or paid-through date needs a plan code.")
        return None
    plan = _plan(code, plans)
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


def _plan(code: str, plans: dict[str, MembershipPlan | None]) -> MembershipPlan:
    """The plan with this code (else this name); `plans` keeps the answers of one import."""
    key = code.strip().lower()
    if key not in plans:
        plans[key] = (
            MembershipPlan.objects.filter(code__iexact=key).first()
            or MembershipPlan.objects.filter(name__iexact=key).first()
        )
    plan = plans[key]
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
