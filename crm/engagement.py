"""The engagement score of an organization, from facts the system already has, as a pure
function: each factor says what it measured (its value), how much it can weigh and the points it
gave, and the score is the sum of those points (0 to 100). Nothing is hidden: the admin, the API
and the weekly mail show the same factors.

Factors, with their weights (the most points each can give):

- events attended (20): 5 points for each event its people checked in to in the last 12
  months, up to 4 events;
- on-time payment (25): the share of its invoices of the last 3 years paid by their due date,
  times 25 (rounded down); with no such invoice yet, half (12), neither good nor bad;
- years of membership (15): 3 points per full year since it became a member, up to 5 years;
- open balance (20): 20 when nothing is owed, 10 when something is owed but not yet due, 0 when
  something is overdue;
- benefits used (10): the share of the counted benefits its plan and investor levels grant
  this term that it used, times 10 (rounded down); with none granted, half (5);
- portal sign-ins (10): 2 points for each sign-in of its people to the member portal in the
  last 12 months, up to 5.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

EVENTS_WEIGHT = 20
POINTS_PER_EVENT = 5
ON_TIME_WEIGHT = 25
YEARS_WEIGHT = 15
POINTS_PER_YEAR = 3
BALANCE_WEIGHT = 20
BENEFITS_WEIGHT = 10
SIGN_INS_WEIGHT = 10
POINTS_PER_SIGN_IN = 2
MAXIMUM = (
    EVENTS_WEIGHT
    + ON_TIME_WEIGHT
    + YEARS_WEIGHT
    + BALANCE_WEIGHT
    + BENEFITS_WEIGHT
    + SIGN_INS_WEIGHT
)  # 100
EVENTS_MONTHS = 12
PAYMENT_YEARS = 3
SIGN_IN_MONTHS = 12


@dataclass(frozen=True)
class EngagementFacts:
    events_attended: int = 0  # distinct events its people checked in to, last 12 months
    invoices_paid: int = 0  # invoices of the last 3 years paid, that had a due date
    invoices_paid_on_time: int = 0  # of those, paid by the due date
    member_since: date | None = None
    open_balance: Decimal = Decimal("0")  # owed on open invoices
    overdue_balance: Decimal = Decimal("0")  # of which past its due date
    benefits_granted: int = 0  # counted benefits its plan and levels grant this term
    benefits_used: int = 0  # of those, used this term
    portal_sign_ins: int = 0  # sign-ins of its people to the portal, last 12 months


@dataclass(frozen=True)
class Factor:
    key: str
    label: str
    weight: int  # the most points this factor can give
    value: str  # what was measured, in words
    points: int
    explanation: str  # how the value became the points


@dataclass(frozen=True)
class EngagementScore:
    factors: tuple[Factor, ...]

    @property
    def score(self) -> int:
        return sum(factor.points for factor in self.factors)

    @property
    def maximum(self) -> int:
        return sum(factor.weight for factor in self.factors)

    def explain(self) -> str:
        """One line: each factor's points out of its weight, and the sum."""
        parts = ", ".join(f"{f.label} {f.points}/{f.weight}" for f in self.factors)
        return f"{self.score}/{self.maximum}: {parts}"


def _full_years(since: date, today: date) -> int:
    years = today.year - since.year - ((today.month, today.day) < (since.month, since.day))
    return max(years, 0)


def _events(facts: EngagementFacts) -> Factor:
    counted = min(max(facts.events_attended, 0), EVENTS_WEIGHT // POINTS_PER_EVENT)
    n = facts.events_attended
    return Factor(
        key="events_attended",
        label="Events attended",
        weight=EVENTS_WEIGHT,
        value=f"{n} event{'s' if n != 1 else ''} in the last {EVENTS_MONTHS} months",
        points=counted * POINTS_PER_EVENT,
        explanation=f"{POINTS_PER_EVENT} points per event, up to "
        f"{EVENTS_WEIGHT // POINTS_PER_EVENT} events",
    )


def _on_time(facts: EngagementFacts) -> Factor:
    paid, on_time = facts.invoices_paid, min(facts.invoices_paid_on_time, facts.invoices_paid)
    if paid <= 0:
        return Factor(
            key="on_time_payment",
            label="On-time payment",
            weight=ON_TIME_WEIGHT,
            value=f"no invoice paid in the last {PAYMENT_YEARS} years",
            points=ON_TIME_WEIGHT // 2,
            explanation="half the weight when there is nothing to judge by",
        )
    return Factor(
        key="on_time_payment",
        label="On-time payment",
        weight=ON_TIME_WEIGHT,
        value=f"{on_time} of {paid} invoice{'s' if paid != 1 else ''} paid by the due date",
        points=ON_TIME_WEIGHT * on_time // paid,
        explanation=f"{ON_TIME_WEIGHT} × the share paid on time, rounded down",
    )


def _years(facts: EngagementFacts, today: date) -> Factor:
    years = _full_years(facts.member_since, today) if facts.member_since else 0
    cap = YEARS_WEIGHT // POINTS_PER_YEAR
    value = (
        f"{years} full year{'s' if years != 1 else ''} (member since {facts.member_since:%B %Y})"
        if facts.member_since
        else "not a member yet"
    )
    return Factor(
        key="years_of_membership",
        label="Years of membership",
        weight=YEARS_WEIGHT,
        value=value,
        points=min(years, cap) * POINTS_PER_YEAR,
        explanation=f"{POINTS_PER_YEAR} points per full year, up to {cap} years",
    )


def _balance(facts: EngagementFacts) -> Factor:
    if facts.overdue_balance > 0:
        value, points = f"${facts.overdue_balance:,.2f} overdue", 0
    elif facts.open_balance > 0:
        value, points = f"${facts.open_balance:,.2f} owed, not yet due", BALANCE_WEIGHT // 2
    else:
        value, points = "nothing owed", BALANCE_WEIGHT
    return Factor(
        key="open_balance",
        label="Open balance",
        weight=BALANCE_WEIGHT,
        value=value,
        points=points,
        explanation=f"{BALANCE_WEIGHT} when nothing is owed, {BALANCE_WEIGHT // 2} when owed "
        "but not due, 0 when overdue",
    )


def _benefits(facts: EngagementFacts) -> Factor:
    granted, used = facts.benefits_granted, min(facts.benefits_used, facts.benefits_granted)
    if granted <= 0:
        value, points = "no counted benefit granted this term", BENEFITS_WEIGHT // 2
        how = "half the weight when there is nothing to judge by"
    else:
        value = f"{used} of {granted} used this term"
        points = BENEFITS_WEIGHT * used // granted
        how = f"{BENEFITS_WEIGHT} × the share used, rounded down"
    return Factor(
        key="benefits_used",
        label="Benefits used",
        weight=BENEFITS_WEIGHT,
        value=value,
        points=points,
        explanation=how,
    )


def _sign_ins(facts: EngagementFacts) -> Factor:
    n, cap = max(facts.portal_sign_ins, 0), SIGN_INS_WEIGHT // POINTS_PER_SIGN_IN
    return Factor(
        key="portal_sign_ins",
        label="Portal sign-ins",
        weight=SIGN_INS_WEIGHT,
        value=f"{n} sign-in{'s' if n != 1 else ''} in the last {SIGN_IN_MONTHS} months",
        points=min(n, cap) * POINTS_PER_SIGN_IN,
        explanation=f"{POINTS_PER_SIGN_IN} points per sign-in, up to {cap} sign-ins",
    )


def engagement_score(facts: EngagementFacts, *, today: date) -> EngagementScore:
    """The score and its factors; the score is the sum of the factors' points."""
    return EngagementScore(
        factors=(
            _events(facts),
            _on_time(facts),
            _years(facts, today),
            _balance(facts),
            _benefits(facts),
            _sign_ins(facts),
        )
    )
