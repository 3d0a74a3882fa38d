"""The chamber itself: membership plans, investor levels, about three hundred businesses of the
region with their people, their memberships in every state and some investment pledges, and
staff notes.

Everything random is decided first, as plain data, from one seeded generator and the day the
demo treats as today; only then is it written, through the services, skipping any organization
(by name), plan or level (by code) that is already there.
"""

import random
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from core.services import validated_save
from crm import pricing, services
from crm.models import (
    Affiliation,
    Contact,
    InvestorLevel,
    Membership,
    MembershipPlan,
    Organization,
    PlanBracket,
)
from crm.normalize import normalize_org_name
from crm.services import memberships, pledges  # the bare transitions
from demo import DemoContext, data

ORGANIZATION_COUNT = 300

# --- Plans and levels --------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanSpec:
    code: str
    name: str
    description: str
    pricing_kind: str
    billing_cycle: str
    proration: str
    gl_revenue_account: str
    flat_amount: str = "0.00"
    brackets: tuple[tuple[int, str], ...] = ()
    per_employee_above: str = "0.00"
    cap: str | None = None
    grace_days: int = 30
    offered_publicly: bool = True
    requires_review: bool = True


SMALL_BUSINESS = "small-business"
BUSINESS = "business"
CORPORATE = "corporate"
NONPROFIT = "nonprofit"
INDIVIDUAL = "individual"
PARTNER = "community-partner"

PLANS: tuple[PlanSpec, ...] = (
    PlanSpec(
        code=SMALL_BUSINESS,
        name="Small Business",
        description="For businesses of up to 50 people: every member benefit, with dues that "
        "grow with the business. Billed on the anniversary of joining.",
        pricing_kind=pricing.BRACKETS,
        brackets=((5, "395.00"), (15, "545.00"), (30, "745.00"), (50, "995.00")),
        per_employee_above="12.00",
        cap="1500.00",
        billing_cycle=pricing.ANNIVERSARY,
        proration=pricing.PRORATE_NONE,
        gl_revenue_account="4010",
    ),
    PlanSpec(
        code=BUSINESS,
        name="Business",
        description="For employers of 51 to 250 people, with a seat on an industry council and "
        "member pricing for the whole staff. Billed on the anniversary of joining.",
        pricing_kind=pricing.BRACKETS,
        brackets=((100, "1450.00"), (175, "2100.00"), (250, "2750.00")),
        per_employee_above="9.00",
        cap="4500.00",
        billing_cycle=pricing.ANNIVERSARY,
        proration=pricing.PRORATE_NONE,
        gl_revenue_account="4020",
    ),
    PlanSpec(
        code=CORPORATE,
        name="Corporate",
        description="For the region's large employers: dues by headcount, capped, on the "
        "calendar year (prorated by month in the year you join).",
        pricing_kind=pricing.BRACKETS,
        brackets=((500, "4500.00"), (1000, "7500.00"), (2500, "12500.00")),
        per_employee_above="4.00",
        cap="25000.00",
        billing_cycle=pricing.CALENDAR,
        proration=pricing.PRORATE_MONTHLY,
        gl_revenue_account="4030",
        grace_days=45,
    ),
    PlanSpec(
        code=NONPROFIT,
        name="Nonprofit",
        description="Flat dues for 501(c)(3) organizations of any size, on the calendar year "
        "(prorated by month in the year you join).",
        pricing_kind=pricing.FLAT,
        flat_amount="395.00",
        billing_cycle=pricing.CALENDAR,
        proration=pricing.PRORATE_MONTHLY,
        gl_revenue_account="4040",
    ),
    PlanSpec(
        code=INDIVIDUAL,
        name="Individual / Associate",
        description="For sole proprietors, retirees and individuals who want to stay connected. "
        "Billed on the anniversary of joining; no review needed.",
        pricing_kind=pricing.FLAT,
        flat_amount="275.00",
        billing_cycle=pricing.ANNIVERSARY,
        proration=pricing.PRORATE_NONE,
        gl_revenue_account="4050",
        requires_review=False,
    ),
    PlanSpec(
        code=PARTNER,
        name="Municipal & Education Partner",
        description="Towns, school districts and libraries, by invitation of the Alliance.",
        pricing_kind=pricing.FLAT,
        flat_amount="1000.00",
        billing_cycle=pricing.CALENDAR,
        proration=pricing.PRORATE_NONE,
        gl_revenue_account="4060",
        grace_days=60,
        offered_publicly=False,
    ),
)
PLAN_BY_CODE = {plan.code: plan for plan in PLANS}


@dataclass(frozen=True)
class LevelSpec:
    code: str
    name: str
    minimum: str
    amounts: tuple[str, ...]  # what investors at this level commit, most often the minimum
    benefits: tuple[str, ...]


LEVELS: tuple[LevelSpec, ...] = (
    LevelSpec(
        "investor",
        "Investor",
        "5000.00",
        ("5000.00", "5000.00", "7500.00", "10000.00"),
        (
            "Recognition in the annual report and on the investor page of the website",
            "Two seats at the Annual Meeting",
            "Quarterly economic briefings with Alliance staff",
            "Invitations to investor-only receptions",
        ),
    ),
    LevelSpec(
        "leadership",
        "Leadership",
        "15000.00",
        ("15000.00", "15000.00", "20000.00", "25000.00"),
        (
            "Everything at the Investor level",
            "A table of ten at the Annual Meeting",
            "Invitations to the CEO roundtable series",
            "First choice of sponsorships at signature events",
            "Your logo on the investor page of the website",
        ),
    ),
    LevelSpec(
        "chairmans-circle",
        "Chairman's Circle",
        "35000.00",
        ("35000.00", "35000.00", "50000.00", "75000.00"),
        (
            "Everything at the Leadership level",
            "A seat on the Chairman's Circle advisory council",
            "Private briefings with state and municipal leaders",
            "Premier recognition at every signature event",
            "An annual strategy meeting with the Alliance's President & CEO",
        ),
    ),
)

# --- What the generator decides ----------------------------------------------------------------


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


# How many businesses end in each state. The rest have no membership (prospects).
STATUS_SHARES = (
    (Membership.Status.ACTIVE, 186),
    (Membership.Status.GRACE, 16),
    (Membership.Status.LAPSED, 22),
    (Membership.Status.CANCELLED, 20),
    (Membership.Status.REJECTED, 8),
    (Membership.Status.APPLIED, 14),
    (Membership.Status.APPROVED, 12),
)


# --- Dates ------------------------------------------------------------------------------------


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _rule(plan: str) -> pricing.PricingRule:
    spec = PLAN_BY_CODE[plan]
    return pricing.PricingRule(billing_cycle=spec.billing_cycle, proration=spec.proration)


def period_ends(plan: str, start: date, through: date) -> list[date]:
    """The ends of the dues periods of a membership that started on `start`, up to the one
    that covers `through`."""
    rule = _rule(plan)
    ends = [pricing.membership_period(rule, start)[1]]
    while ends[-1] < through:
        ends.append(pricing.next_period(rule, ends[-1])[1])
    return ends


def first_of_next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


# --- The generator ----------------------------------------------------------------------------


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "", ascii_text.replace("&", "and"))


def _phone(rng: random.Random) -> str:
    return f"(860) 555-{rng.randint(100, 9999):04d}"


class Generator:
    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.today = today
        self.names: set[str] = set()
        self.emails: set[str] = set()

    # People and businesses.

    def person(self, domain: str, title: str) -> Person:
        rng = self.rng
        while True:
            first, last = rng.choice(data.FIRST_NAMES), rng.choice(data.LAST_NAMES)
            email = f"{_slug(first)}.{_slug(last)}@{domain}"
            if email not in self.emails:
                self.emails.add(email)
                return Person(first, last, email, _phone(rng), title)

    def business_name(self, industry: data.Industry, town: data.Town, employees: int) -> str:
        rng = self.rng
        patterns = (
            industry.large if employees > data.LARGE and industry.large else industry.patterns
        )
        for _ in range(30):
            name = rng.choice(patterns).format(
                First=rng.choice(data.FIRST_NAMES),
                Last=rng.choice(data.LAST_NAMES),
                Last2=rng.choice(data.LAST_NAMES),
                Town=town.name,
                Region=rng.choice(data.REGIONS),
                Noun=rng.choice(data.NOUNS),
                Noun2=rng.choice(data.NOUNS),
            )
            words = name.split()
            key = normalize_org_name(name)
            if len(set(words)) == len(words) and key not in self.names:
                self.names.add(key)
                return name
        raise RuntimeError(f"ran out of names for {industry.name} in {town.name}")

    def address(self, town: data.Town) -> tuple[str, str, str]:
        rng = self.rng
        line1 = f"{rng.randint(*data.STREET_NUMBERS)} {rng.choice(town.streets)}"
        line2 = rng.choice(data.SUITES) if rng.random() < 0.3 else ""
        return line1, line2, rng.choice(town.postal_codes)

    def business(self, industry: data.Industry, town: data.Town) -> Business:
        rng = self.rng
        low, high = industry.employees
        # Most businesses are small: employee counts lean to the low end of a log scale.
        employees = max(1, round(low * (high / low) ** (rng.random() ** 1.6)))
        name = self.business_name(industry, town, employees)
        line1, line2, postal_code = self.address(town)
        return Business(
            name=name,
            industry=industry.name,
            employees=employees,
            website=f"https://www.{_slug(name)}.example",
            phone=_phone(rng),
            address_line1=line1,
            address_line2=line2,
            city=town.name,
            postal_code=postal_code,
            county=town.county,
            nonprofit=industry.nonprofit,
        )

    def partner(
        self, pattern: str, industry: str, employees: tuple[int, int], town: data.Town
    ) -> Business:
        rng = self.rng
        municipality = "City" if town.name in data.CITIES else "Town"
        name = pattern.format(Town=town.name, Municipality=municipality)
        self.names.add(normalize_org_name(name))
        line1, line2, postal_code = self.address(town)
        return Business(
            name=name,
            industry=industry,
            employees=rng.randint(*employees),
            website=f"https://www.{_slug(name)}.example",
            phone=_phone(rng),
            address_line1=line1,
            address_line2=line2,
            city=town.name,
            postal_code=postal_code,
            county=town.county,
            partner=True,
        )

    def staff_people(self, business: Business) -> None:
        """A primary representative always; a billing and an event contact of their own in
        bigger places, the owner wearing every hat in small ones."""
        rng = self.rng
        titles = data.NONPROFIT_PRIMARY_TITLES if business.nonprofit else data.PRIMARY_TITLES
        if business.partner:
            titles = ("Economic Development Director", "Superintendent", "Director")
        primary = self.person(business.domain, rng.choice(titles))
        role = Role(primary, primary.title, is_primary=True)
        business.roles.append(role)
        if business.employees > 8 and rng.random() < 0.8:
            billing = self.person(business.domain, rng.choice(data.BILLING_TITLES))
            business.roles.append(Role(billing, billing.title, is_billing=True))
        else:
            role.is_billing = True
        if business.employees > 20 and rng.random() < 0.6:
            events = self.person(business.domain, rng.choice(data.EVENT_TITLES))
            business.roles.append(Role(events, events.title, is_event_contact=True))
        else:
            role.is_event_contact = True

    def businesses(self, count: int) -> list[Business]:
        rng = self.rng
        town_weights = [town.weight for town in data.TOWNS]
        partners = [
            self.partner(pattern, industry, employees, town)
            for (pattern, industry, employees), town in zip(
                data.PUBLIC_PARTNERS * 2,
                rng.sample([t for t in data.TOWNS if t.weight >= 4], 6),
                strict=True,
            )
        ]
        industry_weights = [industry.weight for industry in data.INDUSTRIES]
        result = list(partners)
        while len(result) < count:
            industry = rng.choices(data.INDUSTRIES, industry_weights)[0]
            town = rng.choices(data.TOWNS, town_weights)[0]
            result.append(self.business(industry, town))
        rng.shuffle(result)
        for business in result:
            self.staff_people(business)
        return result

    def share_contacts(self, businesses: list[Business]) -> None:
        """Some people work for two organizations: the bookkeeper who is the billing contact of
        several small clients, and business owners who sit on a nonprofit's board."""
        rng = self.rng
        accountants = [b for b in businesses if b.industry == "Accounting"][:4]
        small = [
            b
            for b in businesses
            if b.employees <= 10
            and not b.nonprofit
            and not b.partner
            and b.industry not in ("Accounting", "Banking & finance")
        ]
        rng.shuffle(small)
        for accountant in accountants:
            bookkeeper = next(role.person for role in accountant.roles if role.is_billing)
            for client in [small.pop() for _ in range(rng.randint(2, 3)) if small]:
                for role in client.roles:
                    role.is_billing = False
                client.roles.append(
                    Role(
                        bookkeeper, "Outside bookkeeper (" + accountant.name + ")", is_billing=True
                    )
                )
        nonprofits = [b for b in businesses if b.nonprofit][:8]
        owners = [b for b in businesses if not b.nonprofit and not b.partner and b.employees > 15]
        for nonprofit, owner in zip(nonprofits, rng.sample(owners, len(nonprofits)), strict=True):
            for role in nonprofit.roles:
                role.is_event_contact = False
            nonprofit.roles.append(
                Role(owner.primary, "Board member", is_event_contact=True),
            )

    # Memberships.

    def plan_for(self, business: Business) -> str:
        if business.partner:
            return PARTNER
        if business.nonprofit:
            return NONPROFIT
        if business.employees <= 2 and business.industry in (
            "Consulting",
            "Marketing & media",
            "Legal services",
        ):
            return INDIVIDUAL
        if business.employees <= 50:
            return SMALL_BUSINESS
        if business.employees <= 250:
            return BUSINESS
        return CORPORATE

    def statuses(self, businesses: list[Business]) -> list[str | None]:
        """Each business's final membership state. Grace needs a plan billed on the join
        anniversary (a calendar-year plan's grace is over by February); partners stay members."""
        rng = self.rng
        plans = [self.plan_for(b) for b in businesses]
        result: list[str | None] = [None] * len(businesses)
        quotas = dict(STATUS_SHARES)
        anniversary = [
            i
            for i, plan in enumerate(plans)
            if PLAN_BY_CODE[plan].billing_cycle == pricing.ANNIVERSARY
        ]
        for i in rng.sample(anniversary, quotas.pop(Membership.Status.GRACE)):
            result[i] = Membership.Status.GRACE
        for i, business in enumerate(businesses):
            if business.partner:
                result[i] = Membership.Status.ACTIVE
                quotas[Membership.Status.ACTIVE] -= 1
        deck = [status for status, n in quotas.items() for _ in range(n)]
        rng.shuffle(deck)
        for i in range(len(result)):
            if result[i] is None and deck:
                result[i] = deck.pop()
        return result

    def paid_story(self, plan: str, start: date, paid_through: date, source: str) -> list[Payment]:
        ends = period_ends(plan, start, paid_through)
        payment_kinds = ("by check", "by card", "by ACH transfer")
        if len(ends) == 1:
            return [Payment(ends[0], f"first dues paid {self.rng.choice(payment_kinds)}")]
        earlier = (
            "dues history imported from the previous system"
            if source == Membership.Source.IMPORT
            else "dues paid"
        )
        return [
            Payment(ends[-2], earlier),
            Payment(ends[-1], f"renewal paid {self.rng.choice(payment_kinds)}"),
        ]

    def past_start(self, plan: str, paid_through: date, years: int) -> date:
        """A start date `years` periods before a period ending on `paid_through`."""
        if PLAN_BY_CODE[plan].billing_cycle == pricing.ANNIVERSARY:
            return add_years(paid_through + timedelta(days=1), -years)
        return date(paid_through.year - years + 1, self.rng.randint(1, 12), 1)

    def membership_years(self) -> int:
        return self.rng.choice((1, 1, 2, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 32))

    def source_for(self, start: date) -> str:
        if start < add_years(self.today, -3):
            return Membership.Source.IMPORT
        return self.rng.choice((Membership.Source.WEBSITE, Membership.Source.STAFF))

    def active_story(self, plan: str, variant: str) -> list[MembershipStory]:
        rng, today = self.rng, self.today
        Status = Membership.Status
        if variant == "new":
            start = today - timedelta(days=rng.randint(10, 330))
            start = start.replace(day=1) if rng.random() < 0.6 else start
        else:
            anniversary = today - timedelta(days=rng.randint(0, 364))
            start = add_years(anniversary, -self.membership_years())
        ends = period_ends(plan, start, today)
        paid_through = ends[-1]
        renewal_window = timedelta(days=45)
        if paid_through - today <= renewal_window and rng.random() < 0.4:
            paid_through = period_ends(plan, start, paid_through + timedelta(days=1))[-1]
        source = self.source_for(start)
        story = MembershipStory(
            plan=plan,
            start=start,
            source=source,
            status=Status.ACTIVE,
            auto_renew=rng.random() < 0.25,
            payments=self.paid_story(plan, start, paid_through, source),
        )
        stories = [story]
        if (
            variant == "reinstated"
            and len(story.payments) == 2
            and story.payments[0].period_end < today - timedelta(days=PLAN_BY_CODE[plan].grace_days)
        ):
            story.lapsed_before = True
            story.payments[-1].reason = "reinstated; back dues paid by check"
        if variant == "rejoined":
            old_end = add_years(start, -rng.randint(2, 6)) - timedelta(days=1)
            old_start = self.past_start(plan, old_end, rng.randint(1, 5))
            stories.insert(
                0,
                MembershipStory(
                    plan=plan,
                    start=old_start,
                    source=Membership.Source.IMPORT,
                    status=Status.CANCELLED,
                    payments=self.paid_story(plan, old_start, old_end, Membership.Source.IMPORT),
                    close_reason=rng.choice(
                        (
                            "dropped: budget cuts after losing a major contract",
                            "dropped: the owner retired and the new one did not renew",
                            "dropped: joined another chamber instead",
                        )
                    ),
                    close_after_payment=True,
                ),
            )
        return stories

    def closed_story(self, plan: str, status: str) -> MembershipStory:
        rng, today = self.rng, self.today
        Status = Membership.Status
        grace = timedelta(days=PLAN_BY_CODE[plan].grace_days)
        if status == Status.GRACE:
            paid_through = today - timedelta(days=rng.randint(1, grace.days - 1))
        elif PLAN_BY_CODE[plan].billing_cycle == pricing.ANNIVERSARY:
            paid_through = today - grace - timedelta(days=rng.randint(1, 540))
        else:
            year = (
                today.year - 1 if date(today.year - 1, 12, 31) + grace < today else today.year - 2
            )
            paid_through = date(year - rng.choice((0, 0, 1, 2)), 12, 31)
        if (paid_through + timedelta(days=1)).strftime("%m-%d") == "02-29":
            # No anniversary falls on 29 February year after year: end a day earlier.
            paid_through -= timedelta(days=1)
        start = self.past_start(plan, paid_through, self.membership_years())
        source = self.source_for(start)
        return MembershipStory(
            plan=plan,
            start=start,
            source=source,
            status=status,
            payments=self.paid_story(plan, start, paid_through, source),
        )

    def application_story(self, plan: str, status: str) -> MembershipStory:
        rng, today = self.rng, self.today
        Status = Membership.Status
        source = rng.choice((Membership.Source.WEBSITE,) * 3 + (Membership.Source.STAFF,))
        start = first_of_next_month(today) if rng.random() < 0.7 else today + timedelta(days=7)
        message = ""
        if source == Membership.Source.WEBSITE and rng.random() < 0.7:
            message = rng.choice(
                (
                    "We just opened our second location and want to meet other business owners.",
                    "Referred by a member at the Business After Hours in Glastonbury.",
                    "Interested in the Young Professionals program for our staff.",
                    "Looking for help with workforce recruiting and the ribbon cutting.",
                    "We moved our office into the region this year.",
                )
            )
        if status == Status.APPLIED and not PLAN_BY_CODE[plan].requires_review:
            status = Status.APPROVED  # the plan needs no review: approved as it is applied for
        story = MembershipStory(plan, start, source, status, message=message)
        if status == Status.REJECTED:
            story.start = today - timedelta(days=rng.randint(20, 200))
            story.close_reason = rng.choice(
                (
                    "The business is outside the Alliance's three counties.",
                    "Duplicate of an application already approved for the same business.",
                    "Could not verify the business; the applicant did not answer two calls.",
                )
            )
        elif status == Status.CANCELLED:
            if rng.random() < 0.4:
                story.start = today - timedelta(days=rng.randint(15, 120))
                story.close_reason = "Withdrew the application: decided to wait until next year."
            else:
                closed = self.closed_story(plan, Status.LAPSED)
                closed.status = Status.CANCELLED
                closed.close_after_payment = True
                closed.close_reason = rng.choice(
                    (
                        "Business closed.",
                        "Moved out of the region.",
                        "Merged with another member; dues continue under the parent company.",
                        "Asked to be dropped: budget cuts.",
                    )
                )
                return closed
        return story

    def membership_stories(self, business: Business, status: str | None) -> None:
        if status is None:
            return
        rng = self.rng
        Status = Membership.Status
        plan = self.plan_for(business)
        if status == Status.ACTIVE:
            variant = rng.choices(("new", "long", "reinstated", "rejoined"), (20, 72, 5, 3))[0]
            business.memberships.extend(self.active_story(plan, variant))
        elif status in (Status.GRACE, Status.LAPSED):
            business.memberships.append(self.closed_story(plan, status))
        else:
            business.memberships.append(self.application_story(plan, status))

    # Directory, pledges and notes.

    def directory(self, business: Business, status: str | None) -> None:
        rng = self.rng
        current = status in (Membership.Status.ACTIVE, Membership.Status.GRACE)
        if rng.random() < (0.6 if current else 0.15):
            blurb = rng.choice(
                next(i for i in data.INDUSTRIES if i.name == business.industry).blurb
                if not business.partner
                else ("works with the Alliance to bring jobs and investment to town",)
            )
            county = data.County(business.county).label
            business.directory_listed = True
            business.directory_text = (
                f"{business.name} {blurb}. Based in {business.city}, serving {county} "
                f"and beyond. Call {business.phone} or visit {business.website}."
            )

    def pledges(self, businesses: list[Business], statuses: list[str | None]) -> None:
        rng, today = self.rng, self.today
        counts = {"completed": 5, "confirmed": 15, "submitted": 6, "declined": 2, "cancelled": 2}
        candidates = [
            b
            for b, status in zip(businesses, statuses, strict=True)
            if status in (Membership.Status.ACTIVE, None)
            and not b.partner
            and (b.employees >= 40 or b.industry in ("Banking & finance", "Insurance"))
        ]
        chosen = rng.sample(candidates, min(len(candidates), sum(counts.values())))
        deck = [status for status, n in counts.items() for _ in range(n)]
        for business, status in zip(chosen, deck, strict=False):
            if business.employees > 1000:
                level = rng.choice(LEVELS[1:])
            elif business.employees > 250:
                level = rng.choice(LEVELS[:2])
            else:
                level = LEVELS[0]
            term = rng.choice((1, 2, 3, 3, 3))
            if status == "completed":
                start = date(today.year - term - rng.randint(0, 2), 1, 1)
            elif status in ("submitted", "declined"):
                start = date(today.year + 1, 1, 1)
            else:
                term = 3
                start = date(today.year - rng.randint(0, 2), rng.choice((1, 7)), 1)
            business.pledge = PledgeStory(
                level=level.code,
                annual_amount=Decimal(rng.choice(level.amounts)),
                start=start,
                term_years=term,
                installments_per_year=rng.choice((1, 1, 2, 4, 12)),
                status=status,
                reason={
                    "confirmed": "pledge letter signed",
                    "completed": "all installments paid",
                    "declined": "The company withdrew after its budget review; revisit in spring.",
                    "cancelled": "Acquired by an out-of-state company that ended local "
                    "sponsorships.",
                }.get(status, ""),
                message="Submitted from the Investing in the MHA page."
                if status == "submitted"
                else "",
            )

    NOTES = (
        ("membership", "Met {first} at Business After Hours; interested in the manufacturing "
         "council.", True),
        ("membership", "{first} asked us to update the directory listing with the new "
         "{city} address.", True),
        ("finance", "Dues paid by check #{check}; deposited with the week's checks.", False),
        ("finance", "{first} asked for a W-9 and a copy of the invoice for accounts payable.",
         True),
        ("membership", "Renewal call: {first} says next year's budget is set in January; "
         "follow up then.", True),
        ("events", "{first} would like to sponsor a table at the Annual Meeting.", True),
        ("membership", "Ribbon cutting for the new {city} location: send the photographer and "
         "invite the mayor's office.", False),
        ("membership", "Prefers email to phone calls. Best reached mornings.", True),
        ("finance", "Asked to split dues into two payments this year; approved by the VP of "
         "membership.", False),
        ("membership", "Nominated for the Small Business of the Year award.", False),
        ("events", "Hosted the Young Professionals mixer; great space for 80 people.", False),
        ("membership", "Introduced {first} to the workforce team about the apprenticeship "
         "grant.", True),
    )  # fmt: skip

    def notes(self, businesses: list[Business]) -> None:
        rng = self.rng
        for business in rng.sample(businesses, 45):
            author, template, about_primary = rng.choice(self.NOTES)
            business.notes.append(
                NoteSpec(
                    body=template.format(
                        first=business.primary.first_name,
                        city=business.city,
                        check=rng.randint(1001, 9999),
                    ),
                    author=author,
                    about_primary=about_primary,
                )
            )

    def generate(self, count: int) -> list[Business]:
        businesses = self.businesses(count)
        self.share_contacts(businesses)
        statuses = self.statuses(businesses)
        for business, status in zip(businesses, statuses, strict=True):
            self.membership_stories(business, status)
            self.directory(business, status)
        self.pledges(businesses, statuses)
        self.notes(businesses)
        return businesses


def generate(rng: random.Random, today: date, count: int = ORGANIZATION_COUNT) -> list[Business]:
    """The demo chamber as plain data: the same for the same generator state and day."""
    return Generator(rng, today).generate(count)


# --- Writing it -------------------------------------------------------------------------------


def ensure_plans(by: Any) -> dict[str, MembershipPlan]:
    plans = {}
    for order, spec in enumerate(PLANS, start=1):
        plan = MembershipPlan.objects.filter(code=spec.code).first()
        if plan is None:
            plan = MembershipPlan(
                code=spec.code,
                name=spec.name,
                description=spec.description,
                pricing_kind=spec.pricing_kind,
                flat_amount=Decimal(spec.flat_amount),
                per_employee_above=Decimal(spec.per_employee_above),
                cap=None if spec.cap is None else Decimal(spec.cap),
                billing_cycle=spec.billing_cycle,
                proration=spec.proration,
                grace_days=spec.grace_days,
                offered_publicly=spec.offered_publicly,
                requires_review=spec.requires_review,
                gl_revenue_account=spec.gl_revenue_account,
                sort_order=order * 10,
            )
            validated_save(plan, by=by)
            for max_employees, amount in spec.brackets:
                validated_save(
                    PlanBracket(plan=plan, max_employees=max_employees, amount=Decimal(amount)),
                    by=by,
                )
            pricing.validate_rule(plan.pricing_rule())
        plans[spec.code] = plan
    return plans


def ensure_levels(by: Any) -> dict[str, InvestorLevel]:
    levels = {}
    for order, spec in enumerate(LEVELS, start=1):
        level = InvestorLevel.objects.filter(code=spec.code).first()
        if level is None:
            level = InvestorLevel(
                code=spec.code,
                name=spec.name,
                minimum_annual_amount=Decimal(spec.minimum),
                benefits="\n".join(spec.benefits),
                sort_order=order * 10,
            )
            validated_save(level, by=by)
        levels[spec.code] = level
    return levels


class Writer:
    def __init__(self, ctx: DemoContext) -> None:
        self.ctx = ctx
        self.staff = ctx.staff
        self.plans = ensure_plans(by=ctx.staff["membership"])
        self.levels = ensure_levels(by=ctx.staff["membership"])
        self.contacts: dict[str, Contact] = {}

    def contact(self, person: Person) -> Contact:
        if person.email not in self.contacts:
            self.contacts[person.email] = services.contact_save(
                contact=Contact(
                    first_name=person.first_name,
                    last_name=person.last_name,
                    email=person.email,
                    phone=person.phone,
                    title=person.title,
                ),
                by=self.staff["membership"],
            )
        return self.contacts[person.email]

    def business(self, business: Business) -> None:
        membership_staff = self.staff["membership"]
        organization = services.organization_save(
            organization=Organization(
                name=business.name,
                website=business.website,
                phone=business.phone,
                address_line1=business.address_line1,
                address_line2=business.address_line2,
                city=business.city,
                state="CT",
                postal_code=business.postal_code,
                county=business.county,
                industry=business.industry,
                employees=business.employees,
                directory_listed=business.directory_listed,
                directory_text=business.directory_text,
            ),
            by=membership_staff,
        )
        for role in business.roles:
            services.affiliation_save(
                affiliation=Affiliation(
                    contact=self.contact(role.person),
                    organization=organization,
                    title=role.title,
                    is_primary=role.is_primary,
                    is_billing=role.is_billing,
                    is_event_contact=role.is_event_contact,
                ),
                by=membership_staff,
            )
        for story in business.memberships:
            self.membership(organization, story)
        if business.pledge is not None:
            self.pledge(organization, business.pledge, self.contact(business.primary))
        for note in business.notes:
            services.note_create(
                body=note.body,
                author=self.staff[note.author],
                organization=organization,
                contact=self.contact(business.primary) if note.about_primary else None,
            )

    def membership(self, organization: Organization, story: MembershipStory) -> None:
        Status = Membership.Status
        membership_staff, finance = self.staff["membership"], self.staff["finance"]
        membership = services.membership_create(
            organization=organization,
            plan=self.plans[story.plan],
            start_date=story.start,
            source=story.source,
            message=story.message,
            auto_renew=story.auto_renew,
            by=membership_staff,
        )
        if story.status == Status.APPLIED:
            return
        if story.status == Status.REJECTED:
            memberships._membership_reject(
                membership=membership, by=membership_staff, reason=story.close_reason
            )
            return
        if story.status == Status.CANCELLED and not story.close_after_payment:
            services.membership_cancel(
                membership=membership, by=membership_staff, reason=story.close_reason
            )
            return
        memberships._membership_approve(
            membership=membership,
            by=membership_staff,
            reason="imported member"
            if story.source == Membership.Source.IMPORT
            else "application reviewed"
            if PLAN_BY_CODE[story.plan].requires_review
            else "approved on application: the plan needs no review",
        )
        if story.status == Status.APPROVED:
            return
        payments = list(story.payments)
        reinstatement = payments.pop() if story.lapsed_before else None
        for payment in payments:
            services.membership_record_payment(
                membership=membership,
                period_end=payment.period_end,
                by=finance,
                reason=payment.reason,
            )
        overdue = story.payments[-1].period_end < self.ctx.today
        if reinstatement is not None:
            # Grace and lapse are the daily job's doing: no staff member moved them.
            services.membership_enter_grace(membership=membership)
            services.membership_lapse(membership=membership)
            services.membership_reinstate(
                membership=membership,
                by=membership_staff,
                reason="asked to come back; reinstatement invoice sent",
                today=self.ctx.today,
            )
            services.membership_record_payment(
                membership=membership,
                period_end=reinstatement.period_end,
                by=finance,
                reason=reinstatement.reason,
            )
        if story.status in (Status.GRACE, Status.LAPSED) or (
            story.status == Status.CANCELLED and overdue
        ):
            services.membership_enter_grace(membership=membership)
        if story.status == Status.LAPSED:
            services.membership_lapse(membership=membership)
        if story.status == Status.CANCELLED:
            services.membership_cancel(
                membership=membership, by=membership_staff, reason=story.close_reason
            )

    def pledge(self, organization: Organization, story: PledgeStory, contact: Contact) -> None:
        membership_staff = self.staff["membership"]
        pledge = services.pledge_create(
            organization=organization,
            level=self.levels[story.level],
            annual_amount=story.annual_amount,
            start_date=story.start,
            term_years=story.term_years,
            installments_per_year=story.installments_per_year,
            contact=contact,
            message=story.message,
            by=membership_staff,
        )
        if story.status == "declined":
            pledges._pledge_decline(pledge=pledge, by=membership_staff, reason=story.reason)
            return
        if story.status == "submitted":
            return
        pledges._pledge_confirm(pledge=pledge, by=membership_staff, reason="pledge letter signed")
        if story.status == "completed":
            services.pledge_complete(pledge=pledge, by=self.staff["finance"], reason=story.reason)
        elif story.status == "cancelled":
            services.pledge_cancel(pledge=pledge, by=membership_staff, reason=story.reason)


def seed(ctx: DemoContext) -> str:
    businesses = generate(ctx.random("core"), ctx.today)
    writer = Writer(ctx)
    existing = set(
        Organization.objects.filter(name__in=[b.name for b in businesses]).values_list(
            "name", flat=True
        )
    )
    created = [b for b in businesses if b.name not in existing]
    writer.contacts = {
        contact.email: contact
        for contact in Contact.objects.filter(
            email__in=[role.person.email for b in created for role in b.roles]
        )
    }
    for business in created:
        writer.business(business)
    if not created:
        return f"core: all {len(businesses)} demo organizations already there; nothing added"
    memberships = sum(len(b.memberships) for b in created)
    pledges = sum(1 for b in created if b.pledge)
    return (
        f"core: {len(PLANS)} plans, {len(LEVELS)} investor levels, {len(created)} organizations "
        f"({len(businesses) - len(created)} already there), {len(writer.contacts)} contacts, "
        f"{memberships} memberships, {pledges} pledges"
    )
