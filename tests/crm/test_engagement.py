"""The engagement score is the sum of its factors' points, each factor showing its weight, the
value it measured and how that became points: checked on organizations built by hand."""

from datetime import date
from decimal import Decimal

import pytest

from crm.engagement import MAXIMUM, EngagementFacts, engagement_score

TODAY = date(2027, 3, 15)

# (facts, points per factor in order: events, on-time, years, balance, benefits, sign-ins)
CASES = [
    # A new business: nothing yet. On-time and benefits are neutral (half), nothing owed.
    (EngagementFacts(), (0, 12, 0, 20, 5, 0)),
    # A faithful member: 5 events (capped at 4), every invoice on time, 7 years (capped at 5),
    # every benefit used, 6 sign-ins (capped at 5).
    (
        EngagementFacts(
            events_attended=5,
            invoices_paid=4,
            invoices_paid_on_time=4,
            member_since=date(2020, 1, 1),
            benefits_granted=4,
            benefits_used=4,
            portal_sign_ins=6,
        ),
        (20, 25, 15, 20, 10, 10),
    ),
    # Drifting: one event, one of three invoices on time, 2 full years, something overdue,
    # one of six benefits used, one sign-in.
    (
        EngagementFacts(
            events_attended=1,
            invoices_paid=3,
            invoices_paid_on_time=1,
            member_since=date(2025, 3, 15),
            open_balance=Decimal("600.00"),
            overdue_balance=Decimal("600.00"),
            benefits_granted=6,
            benefits_used=1,
            portal_sign_ins=1,
        ),
        (5, 8, 6, 0, 1, 2),
    ),
    # Owed but not due yet; a day short of a third year counts two; more used than granted
    # counts as all of it.
    (
        EngagementFacts(
            events_attended=2,
            invoices_paid=2,
            invoices_paid_on_time=1,
            member_since=date(2024, 3, 16),
            open_balance=Decimal("250.00"),
            benefits_granted=3,
            benefits_used=5,
            portal_sign_ins=3,
        ),
        (10, 12, 6, 10, 10, 6),
    ),
]


@pytest.mark.parametrize(("facts", "points"), CASES)
def test_it_adds_the_factors_points_up_to_the_score(facts, points):
    result = engagement_score(facts, today=TODAY)

    assert tuple(f.points for f in result.factors) == points
    assert result.score == sum(points)
    assert result.maximum == MAXIMUM == 100
    for factor in result.factors:
        assert 0 <= factor.points <= factor.weight
        assert factor.value and factor.explanation


def test_it_names_each_factor_with_its_weight_and_value():
    facts = EngagementFacts(
        events_attended=1,
        invoices_paid=3,
        invoices_paid_on_time=1,
        member_since=date(2025, 3, 15),
        open_balance=Decimal("600.00"),
        overdue_balance=Decimal("600.00"),
        benefits_granted=6,
        benefits_used=1,
        portal_sign_ins=1,
    )

    result = engagement_score(facts, today=TODAY)

    assert [(f.key, f.weight, f.value) for f in result.factors] == [
        ("events_attended", 20, "1 event in the last 12 months"),
        ("on_time_payment", 25, "1 of 3 invoices paid by the due date"),
        ("years_of_membership", 15, "2 full years (member since March 2025)"),
        ("open_balance", 20, "$600.00 overdue"),
        ("benefits_used", 10, "1 of 6 used this term"),
        ("portal_sign_ins", 10, "1 sign-in in the last 12 months"),
    ]
    assert result.explain() == (
        "22/100: Events attended 5/20, On-time payment 8/25, Years of membership 6/15, "
        "Open balance 0/20, Benefits used 1/10, Portal sign-ins 2/10"
    )


def test_it_judges_no_benefit_granted_as_neither_good_nor_bad():
    [benefits] = [
        f
        for f in engagement_score(EngagementFacts(), today=TODAY).factors
        if f.key == "benefits_used"
    ]

    assert (benefits.value, benefits.points) == ("no counted benefit granted this term", 5)
