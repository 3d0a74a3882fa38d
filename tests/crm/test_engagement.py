"""The engagement score is the sum of its factors' points, each factor showing its weight, the
value it measured and how that became points: checked on organizations built by hand."""

from datetime import date
from decimal import Decimal

import pytest

from crm.engagement import MAXIMUM, EngagementFacts, engagement_score

TODAY = date(2027, 3, 15)

# (facts, points per factor in order: events, on-time, years, balance)
CASES = [
    # A new business: nothing yet. On-time is neutral (half), nothing owed.
    (EngagementFacts(), (0, 15, 0, 20)),
    # A faithful member: 5 events (capped at 3), every invoice on time, 7 years (capped at 5).
    (
        EngagementFacts(
            events_attended=5,
            invoices_paid=4,
            invoices_paid_on_time=4,
            member_since=date(2020, 1, 1),
        ),
        (30, 30, 20, 20),
    ),
    # Drifting: one event, one of three invoices on time, 2 full years, something overdue.
    (
        EngagementFacts(
            events_attended=1,
            invoices_paid=3,
            invoices_paid_on_time=1,
            member_since=date(2025, 3, 15),
            open_balance=Decimal("600.00"),
            overdue_balance=Decimal("600.00"),
        ),
        (10, 10, 8, 0),
    ),
    # Owed but not due yet; a day short of a third year counts two.
    (
        EngagementFacts(
            events_attended=2,
            invoices_paid=2,
            invoices_paid_on_time=1,
            member_since=date(2024, 3, 16),
            open_balance=Decimal("250.00"),
        ),
        (20, 15, 8, 10),
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
    )

    result = engagement_score(facts, today=TODAY)

    assert [(f.key, f.weight, f.value) for f in result.factors] == [
        ("events_attended", 30, "1 event in the last 12 months"),
        ("on_time_payment", 30, "1 of 3 invoices paid by the due date"),
        ("years_of_membership", 20, "2 full years (member since March 2025)"),
        ("open_balance", 20, "$600.00 overdue"),
    ]
    assert result.explain() == (
        "28/100: Events attended 10/30, On-time payment 10/30, Years of membership 8/20, "
        "Open balance 0/20"
    )


def test_it_leaves_out_what_the_system_does_not_know_yet():
    keys = {f.key for f in engagement_score(EngagementFacts(), today=TODAY).factors}

    assert keys == {"events_attended", "on_time_payment", "years_of_membership", "open_balance"}
