import random
from collections import Counter
from datetime import date, timedelta

import pytest

from crm.models import Membership
from demo.chamber import generate
from demo.data.plans import PLAN_BY_CODE
from demo.stories import Business

Status = Membership.Status


def final_state(business: Business) -> tuple[str, date | None, int] | None:
    """The status the business's latest membership ends in, its paid-through date and its
    plan's grace days."""
    if not business.memberships:
        return None
    story = business.memberships[-1]
    paid_through = max((p.period_end for p in story.payments), default=None)
    return story.status, paid_through, PLAN_BY_CODE[story.plan].grace_days


def test_it_generates_the_same_chamber_from_the_same_seed_and_day():
    today = date(2026, 11, 29)

    first = generate(random.Random("1784:core"), today)
    again = generate(random.Random("1784:core"), today)
    other = generate(random.Random("1785:core"), today)

    assert first == again
    assert {b.name for b in first} != {b.name for b in other}


@pytest.mark.parametrize(
    "today",
    [date(2026, 1, 3), date(2026, 2, 10), date(2028, 3, 5), date(2027, 7, 1), date(2026, 12, 31)],
)
def test_it_plans_membership_states_that_make_sense_on_any_day(today):
    businesses = generate(random.Random("1784:core"), today)
    states = Counter()
    for business in businesses:
        state = final_state(business)
        if state is None:
            continue
        status, paid_through, grace_days = state
        states[status] += 1
        grace = timedelta(days=grace_days)
        if status == Status.ACTIVE:
            assert paid_through >= today, business
        elif status == Status.GRACE:
            assert today - grace <= paid_through < today, business
        elif status == Status.LAPSED:
            assert paid_through + grace < today, business
        elif status in (Status.APPLIED, Status.APPROVED, Status.REJECTED):
            assert paid_through is None, business

    assert set(states) == set(Status.values)


def test_it_gives_each_person_one_address_and_each_business_one_name():
    businesses = generate(random.Random("1784:core"), date(2026, 11, 29))
    people = {}
    for business in businesses:
        for role in business.roles:
            people.setdefault(role.person.email, role.person)
            assert people[role.person.email] is role.person
        assert sum(role.is_primary for role in business.roles) == 1
    assert len({b.name for b in businesses}) == len(businesses)
