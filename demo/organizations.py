"""Organizations in the demo and their people: businesses of the region named after their trade
and town, a primary representative with billing and event contacts, people who work for two
organizations, directory listings and staff notes. Decided as plain data, then written through
the services (each organization with its memberships and pledge, see memberships.py and
pledges.py)."""

import random
import re
import unicodedata

from crm import services
from crm.models import Affiliation, Contact, County, Membership, Organization
from crm.normalize import normalize_org_name
from demo.context import DemoContext
from demo.data import industries, people, places
from demo.memberships import ensure_plans, write_membership
from demo.pledges import ensure_levels, write_pledge
from demo.stories import Business, NoteSpec, Person, Role


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "", ascii_text.replace("&", "and"))


def _phone(rng: random.Random) -> str:
    return f"(860) 555-{rng.randint(100, 9999):04d}"


class OrganizationGenerator:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.names: set[str] = set()
        self.emails: set[str] = set()

    def person(self, domain: str, title: str) -> Person:
        rng = self.rng
        while True:
            first, last = rng.choice(people.FIRST_NAMES), rng.choice(people.LAST_NAMES)
            email = f"{_slug(first)}.{_slug(last)}@{domain}"
            if email not in self.emails:
                self.emails.add(email)
                return Person(first, last, email, _phone(rng), title)

    def business_name(
        self, industry: industries.Industry, town: places.Town, employees: int
    ) -> str:
        rng = self.rng
        patterns = (
            industry.large if employees > industries.LARGE and industry.large else industry.patterns
        )
        for _ in range(30):
            name = rng.choice(patterns).format(
                First=rng.choice(people.FIRST_NAMES),
                Last=rng.choice(people.LAST_NAMES),
                Last2=rng.choice(people.LAST_NAMES),
                Town=town.name,
                Region=rng.choice(places.REGIONS),
                Noun=rng.choice(industries.NOUNS),
                Noun2=rng.choice(industries.NOUNS),
            )
            words = name.split()
            key = normalize_org_name(name)
            if len(set(words)) == len(words) and key not in self.names:
                self.names.add(key)
                return name
        raise RuntimeError(f"ran out of names for {industry.name} in {town.name}")

    def address(self, town: places.Town) -> tuple[str, str, str]:
        rng = self.rng
        line1 = f"{rng.randint(*places.STREET_NUMBERS)} {rng.choice(town.streets)}"
        line2 = rng.choice(places.SUITES) if rng.random() < 0.3 else ""
        return line1, line2, rng.choice(town.postal_codes)

    def business(self, industry: industries.Industry, town: places.Town) -> Business:
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
        self, pattern: str, industry: str, employees: tuple[int, int], town: places.Town
    ) -> Business:
        rng = self.rng
        municipality = "City" if town.name in places.CITIES else "Town"
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
        titles = people.NONPROFIT_PRIMARY_TITLES if business.nonprofit else people.PRIMARY_TITLES
        if business.partner:
            titles = ("Economic Development Director", "Superintendent", "Director")
        primary = self.person(business.domain, rng.choice(titles))
        role = Role(primary, primary.title, is_primary=True)
        business.roles.append(role)
        if business.employees > 8 and rng.random() < 0.8:
            billing = self.person(business.domain, rng.choice(people.BILLING_TITLES))
            business.roles.append(Role(billing, billing.title, is_billing=True))
        else:
            role.is_billing = True
        if business.employees > 20 and rng.random() < 0.6:
            events = self.person(business.domain, rng.choice(people.EVENT_TITLES))
            business.roles.append(Role(events, events.title, is_event_contact=True))
        else:
            role.is_event_contact = True

    def businesses(self, count: int) -> list[Business]:
        rng = self.rng
        town_weights = [town.weight for town in places.TOWNS]
        partners = [
            self.partner(pattern, industry, employees, town)
            for (pattern, industry, employees), town in zip(
                industries.PUBLIC_PARTNERS * 2,
                rng.sample([t for t in places.TOWNS if t.weight >= 4], 6),
                strict=True,
            )
        ]
        industry_weights = [industry.weight for industry in industries.INDUSTRIES]
        result = list(partners)
        while len(result) < count:
            industry = rng.choices(industries.INDUSTRIES, industry_weights)[0]
            town = rng.choices(places.TOWNS, town_weights)[0]
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

    # Directory and notes.

    def directory(self, business: Business, status: str | None) -> None:
        rng = self.rng
        current = status in (Membership.Status.ACTIVE, Membership.Status.GRACE)
        if rng.random() < (0.6 if current else 0.15):
            blurb = rng.choice(
                next(i for i in industries.INDUSTRIES if i.name == business.industry).blurb
                if not business.partner
                else ("works with the Alliance to bring jobs and investment to town",)
            )
            county = County(business.county).label
            business.directory_listed = True
            business.directory_text = (
                f"{business.name} {blurb}. Based in {business.city}, serving {county} "
                f"and beyond. Call {business.phone} or visit {business.website}."
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


# --- Writing it -------------------------------------------------------------------------------


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
            write_membership(
                organization=organization,
                story=story,
                plans=self.plans,
                staff=self.staff,
                today=self.ctx.today,
            )
        if business.pledge is not None:
            write_pledge(
                organization=organization,
                story=business.pledge,
                contact=self.contact(business.primary),
                levels=self.levels,
                staff=self.staff,
                today=self.ctx.today,
            )
        for note in business.notes:
            services.note_create(
                body=note.body,
                author=self.staff[note.author],
                organization=organization,
                contact=self.contact(business.primary) if note.about_primary else None,
            )
