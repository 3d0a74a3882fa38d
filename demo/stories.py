"""The demo chamber as plain data, decided before anything is written: each business with its
people, how its memberships came to be where they are, its pledge and its notes."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass
class Person:
    first_name: str
    last_name: str
    email: str
    phone: str
    title: str


@dataclass
class Role:
    person: Person
    title: str
    is_primary: bool = False
    is_billing: bool = False
    is_event_contact: bool = False


@dataclass
class Payment:
    period_end: date
    reason: str


@dataclass
class MembershipStory:
    """How one membership came to be where it is: the services to call, in order."""

    plan: str
    start: date
    source: str
    status: str  # where it ends
    message: str = ""
    auto_renew: bool = False
    payments: list[Payment] = field(default_factory=list)
    lapsed_before: bool = False  # went into grace and lapsed, then was reinstated
    close_reason: str = ""  # for a rejected or cancelled membership
    close_after_payment: bool = False  # cancelled as a paying member (not a withdrawn application)


@dataclass
class PledgeStory:
    level: str
    annual_amount: Decimal
    start: date
    term_years: int
    installments_per_year: int
    status: str
    reason: str = ""
    message: str = ""


@dataclass
class NoteSpec:
    body: str
    author: str  # a demo staff user name
    about_primary: bool = False


@dataclass
class Business:
    name: str
    industry: str
    employees: int
    website: str
    phone: str
    address_line1: str
    address_line2: str
    city: str
    postal_code: str
    county: str
    nonprofit: bool = False
    partner: bool = False
    directory_listed: bool = False
    directory_text: str = ""
    roles: list[Role] = field(default_factory=list)
    memberships: list[MembershipStory] = field(default_factory=list)
    pledge: PledgeStory | None = None
    notes: list[NoteSpec] = field(default_factory=list)

    @property
    def domain(self) -> str:
        return self.website.removeprefix("https://www.")

    @property
    def primary(self) -> Person:
        return next(role.person for role in self.roles if role.is_primary)
