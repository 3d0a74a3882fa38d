"""The chamber itself (the step named "core"): membership plans, investor levels, about three
hundred businesses of the region with their people, their memberships in every state and some
investment pledges, and staff notes.

Everything random is decided first, as plain data, from one seeded generator and the day the
demo treats as today; only then is it written, through the services, skipping any organization
(by name), plan or level (by code) that is already there. The deciding and the writing live by
subject: organizations.py (and their people), memberships.py, pledges.py.
"""

import random
from datetime import date

from crm.models import Contact, Organization
from demo.context import DemoContext
from demo.data.plans import LEVELS, PLANS
from demo.memberships import MembershipGenerator
from demo.organizations import OrganizationGenerator, Writer
from demo.pledges import pledge_stories
from demo.stories import Business

ORGANIZATION_COUNT = 300


def generate(rng: random.Random, today: date, count: int = ORGANIZATION_COUNT) -> list[Business]:
    """The demo chamber as plain data: the same for the same generator state and day."""
    organizations = OrganizationGenerator(rng)
    memberships = MembershipGenerator(rng, today)
    businesses = organizations.businesses(count)
    organizations.share_contacts(businesses)
    statuses = memberships.statuses(businesses)
    for business, status in zip(businesses, statuses, strict=True):
        memberships.membership_stories(business, status)
        organizations.directory(business, status)
    pledge_stories(rng, today, businesses, statuses)
    organizations.notes(businesses)
    return businesses


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
