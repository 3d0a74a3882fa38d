"""A deterministic data set at a chosen scale, written with bulk_create in batches.

Scale 1.0 is a large chamber ten times over: 50,000 organizations, 100,000 contacts,
150,000 invoices, 200 events with 20,000 registrations. The same scale and seed always give the
same rows (timestamps aside), so two runs measure the same data.
"""

from __future__ import annotations

import base64
import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, models, transaction

from crm.models import (
    Affiliation,
    Contact,
    InvestorLevel,
    Membership,
    MembershipPlan,
    Organization,
    PlanBracket,
    Pledge,
)
from crm.normalize import domain_from_website, normalize_org_name
from crm.roles import ROLE_NAMES

BATCH = 2000
TODAY = date(2026, 6, 15)  # the data set's "today": renewals, grace and lapses fall around it
STAFF_USERNAME = "bench-staff"
STAFF_TOKEN = "b3nch" + "0" * 35  # 40 characters, as DRF's tokens are


def words(text: str) -> list[str]:
    return text.split()


PREFIXES = words(
    "Hartford Capitol Charter Oak Connecticut River Valley Farmington Glastonbury Middletown "
    "Tolland Riverfront Northeast Summit Granite Harbor Elm Maple Colt Constitution Nutmeg "
    "Pioneer Heritage Bluebird Liberty Keystone Meridian Cornerstone Beacon Frontier Union "
    "Founders Lakeside Parkside Hillside Greenway Bridgeport Windsor Wethersfield Bristol"
)
CORES = words(
    "Precision Insurance Dental Legal Accounting Consulting Logistics Machining Bakery "
    "Construction Design Analytics Health Realty Marketing Printing Software Engineering "
    "Plumbing Electric Landscaping Catering Financial Wealth Staffing Robotics Aerospace "
    "Biotech Media Learning Architecture Auto Brewing Coffee Fitness Pharmacy Security Solar "
    "Travel Veterinary"
)
KINDS = words(
    "LLC Inc. Group Partners Associates Co. Corporation Services Studio Works Collective "
    "Holdings Labs Company Center Network Solutions Ltd."
)
FIRST_NAMES = words(
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Carlos Karen Daniel Lisa Matthew Nancy Anthony "
    "Betty Mark Sandra Luis Ashley Steven Kimberly Paul Emily Andrew Donna Joshua Michelle "
    "Kenneth Carol Kevin Amanda Brian Melissa George Deborah Priya Stephanie Wei Rebecca Omar "
    "Laura Ahmed Sharon Kofi Cynthia Mateo Kathleen Yuki Amy"
)
LAST_NAMES = words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
    "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Patel Kim "
    "Okafor Cohen Murphy Sullivan Rossi Kowalski Chen Shah"
)
TOWNS = [
    ("Hartford", "hartford", "06103"),
    ("West Hartford", "hartford", "06107"),
    ("East Hartford", "hartford", "06108"),
    ("Glastonbury", "hartford", "06033"),
    ("Farmington", "hartford", "06032"),
    ("Wethersfield", "hartford", "06109"),
    ("Windsor", "hartford", "06095"),
    ("Bristol", "hartford", "06010"),
    ("Manchester", "hartford", "06040"),
    ("Simsbury", "hartford", "06070"),
    ("Middletown", "middlesex", "06457"),
    ("Cromwell", "middlesex", "06416"),
    ("Old Saybrook", "middlesex", "06475"),
    ("Essex", "middlesex", "06426"),
    ("Vernon", "tolland", "06066"),
    ("Tolland", "tolland", "06084"),
    ("Mansfield", "tolland", "06250"),
    ("Ellington", "tolland", "06029"),
    ("Springfield", "other", "01103"),
    ("New Haven", "other", "06510"),
]
INDUSTRIES = [
    "Professional services",
    "Manufacturing",
    "Insurance",
    "Financial services",
    "Health care",
    "Education",
    "Construction",
    "Hospitality",
    "Retail",
    "Technology",
    "Nonprofit",
    "Real estate",
    "Transportation",
    "Energy",
    "Government",
]
TITLES = ["Owner", "President", "CEO", "CFO", "Office Manager", "Director", "VP Marketing", ""]


@dataclass(frozen=True)
class Sizes:
    organizations: int
    contacts: int
    invoices: int
    events: int
    registrations: int

    @classmethod
    def at(cls, scale: float) -> Sizes:
        return cls(
            organizations=max(40, round(50_000 * scale)),
            contacts=max(80, round(100_000 * scale)),
            invoices=max(120, round(150_000 * scale)),
            events=max(4, round(200 * scale)),
            registrations=max(40, round(20_000 * scale)),
        )


def reference(rng: random.Random) -> str:
    """Like core.models.new_reference, but from the seeded generator."""
    return base64.urlsafe_b64encode(rng.getrandbits(120).to_bytes(15, "big")).decode()


def batched(rows: Iterable[Any], size: int = BATCH) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def bulk(model: type[models.Model], rows: Iterable[models.Model]) -> int:
    """Write the rows: through PostgreSQL's COPY when the database is PostgreSQL (scale 10,
    three million rows and more, seeds in minutes), else bulk_create in batches."""
    if connection.vendor == "postgresql":
        return copy_rows(model, rows)
    count = 0
    for chunk in batched(rows):
        model.objects.bulk_create(chunk, batch_size=BATCH)  # type: ignore[attr-defined]
        count += len(chunk)
    return count


def copy_rows(model: type[models.Model], rows: Iterable[models.Model]) -> int:
    """COPY the unsaved instances into the model's table, every concrete field but the
    auto-incremented key, each value prepared as bulk_create would (pre_save fills the
    auto_now fields, get_db_prep_save converts). The rows stream: constant memory."""
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not isinstance(f, models.AutoField)]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    statement = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no copy()
        with raw.copy(statement) as copy:
            for obj in rows:
                copy.write_row(
                    [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
                )
                count += 1
    return count


def has_model(label: str) -> bool:
    try:
        apps.get_model(label)
    except LookupError:
        return False
    return True


def settle(connection: Any) -> None:
    """Leave the data as a database in service has it (PostgreSQL): statistics gathered for every
    column and indexed expression, and the visibility map set, which autovacuum would have done
    by the time anyone searched (without it an index-only read visits every row's page)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")


class Seeder:
    def __init__(self, sizes: Sizes, seed: int) -> None:
        self.sizes = sizes
        self.rng = random.Random(seed)
        self.timings: dict[str, float] = {}
        self.counts: dict[str, int] = {}

    def _step(self, name: str, func: Callable[[], int]) -> None:
        started = time.perf_counter()
        with transaction.atomic():
            self.counts[name] = func()
        self.timings[name] = time.perf_counter() - started

    def run(self) -> dict[str, Any]:
        self._step("staff", self.staff)
        self._step("plans", self.plans)
        self._step("organizations", self.organizations)
        self._step("contacts", self.contacts)
        self._step("affiliations", self.affiliations)
        self._step("memberships", self.memberships)
        self._step("pledges", self.pledges)
        for name, func in extra_steps():
            self._step(name, lambda func=func: func(self))
        settle(connection)
        return {"counts": self.counts, "seconds": {k: round(v, 2) for k, v in self.timings.items()}}

    # --- people and businesses ------------------------------------------------------------

    def staff(self) -> int:
        from rest_framework.authtoken.models import Token

        user = get_user_model().objects.create_user(
            username=STAFF_USERNAME, email="bench@example.org", password="bench", is_staff=True
        )
        user.groups.set(Group.objects.filter(name__in=ROLE_NAMES))
        Token.objects.create(user=user, key=STAFF_TOKEN)
        return 1

    def plans(self) -> int:
        specs = [
            ("small-business", "Small Business", "brackets", None, True, False),
            ("corporate", "Corporate", "brackets", None, True, True),
            ("nonprofit", "Nonprofit", "flat", Decimal("450.00"), True, False),
            ("chairmans-circle", "Chairman's Circle", "flat", Decimal("15000.00"), False, True),
        ]
        for order, (code, name, kind, flat, public, review) in enumerate(specs):
            plan = MembershipPlan.objects.create(
                code=code,
                name=name,
                description=f"The {name} membership.",
                pricing_kind=kind,
                flat_amount=flat or Decimal("0.00"),
                per_employee_above=Decimal("4.00") if kind == "brackets" else Decimal("0.00"),
                cap=Decimal("30000.00") if kind == "brackets" else None,
                offered_publicly=public,
                requires_review=review,
                sort_order=order,
            )
            if kind == "brackets":
                base = 1 if code == "small-business" else 3
                PlanBracket.objects.bulk_create(
                    PlanBracket(plan=plan, max_employees=m, amount=Decimal(a * base))
                    for m, a in [(10, 495), (50, 895), (100, 1450), (250, 2600), (500, 4200)]
                )
        levels = [
            ("supporter", "Supporter", "2500.00"),
            ("investor", "Investor", "5000.00"),
            ("leadership", "Leadership Investor", "15000.00"),
            ("chairman", "Chairman's Council", "50000.00"),
        ]
        InvestorLevel.objects.bulk_create(
            InvestorLevel(
                code=code,
                name=name,
                minimum_annual_amount=Decimal(minimum),
                benefits="Recognition at the annual meeting\nQuarterly investor briefings",
                sort_order=order,
            )
            for order, (code, name, minimum) in enumerate(levels)
        )
        return len(specs) + len(levels)

    def organizations(self) -> int:
        rng = self.rng

        def rows() -> Iterator[Organization]:
            for i in range(self.sizes.organizations):
                name = f"{rng.choice(PREFIXES)} {rng.choice(CORES)} {rng.choice(KINDS)}"
                if i % 7 == 0:
                    name = f"{name} {i}"
                slug = "".join(ch for ch in name.lower() if ch.isalnum())[:40]
                website = f"https://{slug}{i}.example.com"
                town, county, postal = rng.choice(TOWNS)
                listed = rng.random() < 0.6
                yield Organization(
                    name=name,
                    normalized_name=normalize_org_name(name),
                    website=website,
                    email_domain=domain_from_website(website),
                    phone=f"860-{rng.randint(200, 999)}-{rng.randint(0, 9999):04d}",
                    address_line1=f"{rng.randint(1, 999)} {rng.choice(LAST_NAMES)} Street",
                    city=town,
                    state="CT" if county != "other" else "MA",
                    postal_code=postal,
                    county=county,
                    industry=rng.choice(INDUSTRIES),
                    employees=max(1, int(rng.lognormvariate(2.8, 1.3))),
                    directory_listed=listed,
                    directory_text=f"{name} serves the region from {town}." if listed else "",
                )

        return bulk(Organization, rows())

    def contacts(self) -> int:
        rng = self.rng
        domains = list(Organization.objects.order_by("pk").values_list("email_domain", flat=True))

        def rows() -> Iterator[Contact]:
            for i in range(self.sizes.contacts):
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                domain = domains[i % len(domains)]
                yield Contact(
                    first_name=first,
                    last_name=last,
                    email=f"{first}.{last}.{i}@{domain}".lower(),
                    phone=f"860-{rng.randint(200, 999)}-{rng.randint(0, 9999):04d}",
                    title=rng.choice(TITLES),
                )

        return bulk(Contact, rows())

    def affiliations(self) -> int:
        """Contact i works at organization i mod n (the first n are the primaries); one contact in
        ten also belongs to a second organization."""
        rng = self.rng
        orgs = list(Organization.objects.order_by("pk").values_list("pk", flat=True))
        contacts = list(Contact.objects.order_by("pk").values_list("pk", flat=True))

        def rows() -> Iterator[Affiliation]:
            for i, contact_id in enumerate(contacts):
                org_id = orgs[i % len(orgs)]
                primary = i < len(orgs)
                yield Affiliation(
                    contact_id=contact_id,
                    organization_id=org_id,
                    is_primary=primary,
                    is_billing=primary and rng.random() < 0.7,
                    is_event_contact=rng.random() < 0.2,
                )
                if i % 10 == 9:
                    other = orgs[(i * 7 + 3) % len(orgs)]
                    if other != org_id:
                        yield Affiliation(contact_id=contact_id, organization_id=other)

        return bulk(Affiliation, rows())

    def memberships(self) -> int:
        """Nine organizations in ten have a membership, mostly active, some due for renewal, in
        grace, lapsed, applied or cancelled, so the daily command finds work."""
        rng = self.rng
        plans = {p.code: p for p in MembershipPlan.objects.all()}
        orgs = list(Organization.objects.order_by("pk").values_list("pk", "employees"))
        statuses = [
            (Membership.Status.ACTIVE, 0.70),
            (Membership.Status.GRACE, 0.04),
            (Membership.Status.LAPSED, 0.08),
            (Membership.Status.APPLIED, 0.03),
            (Membership.Status.APPROVED, 0.02),
            (Membership.Status.CANCELLED, 0.03),
        ]
        names, weights = zip(*statuses, strict=True)

        def rows() -> Iterator[Membership]:
            for org_id, employees in orgs:
                if rng.random() >= 0.9:
                    continue
                status = rng.choices(names, weights)[0]
                plan = (
                    plans["nonprofit"]
                    if rng.random() < 0.1
                    else plans["corporate"]
                    if (employees or 0) > 100
                    else plans["small-business"]
                )
                since = TODAY - timedelta(days=rng.randint(30, 365 * 15))
                if status == Membership.Status.ACTIVE:
                    paid_through = TODAY + timedelta(days=rng.randint(1, 365))
                elif status == Membership.Status.GRACE:
                    paid_through = TODAY - timedelta(days=rng.randint(1, 29))
                elif status in (Membership.Status.LAPSED, Membership.Status.CANCELLED):
                    paid_through = TODAY - timedelta(days=rng.randint(31, 900))
                else:
                    paid_through = None
                    since = TODAY - timedelta(days=rng.randint(0, 20))
                yield Membership(
                    organization_id=org_id,
                    plan=plan,
                    status=status,
                    reference=reference(rng),
                    source=Membership.Source.IMPORT,
                    start_date=since,
                    member_since=since if paid_through else None,
                    paid_through=paid_through,
                    auto_renew=rng.random() < 0.2,
                )

        return bulk(Membership, rows())

    def pledges(self) -> int:
        rng = self.rng
        levels = list(InvestorLevel.objects.all())
        orgs = list(Organization.objects.order_by("pk").values_list("pk", flat=True))

        def rows() -> Iterator[Pledge]:
            for org_id in orgs[:: max(1, len(orgs) // max(1, len(orgs) // 50))]:
                level = rng.choice(levels)
                yield Pledge(
                    organization_id=org_id,
                    level=level,
                    reference=reference(rng),
                    annual_amount=level.minimum_annual_amount * rng.choice([1, 1, 2, 3]),
                    start_date=date(2026, 1, 1),
                    term_years=rng.choice([1, 3, 5]),
                    status=Pledge.Status.CONFIRMED,
                )

        return bulk(Pledge, rows())


def extra_steps() -> list[tuple[str, Callable[[Seeder], int]]]:
    """Steps for the capabilities this checkout has (billing, events)."""
    from bench import seed_billing, seed_events

    return seed_billing.steps() + seed_events.steps()
