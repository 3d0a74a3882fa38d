"""What the chamber sells: its membership plans (with their dues rules) and investor levels."""

from dataclasses import dataclass

from demo.data import load


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
    # The size of business the plan is meant for (employees; None: no bound).
    min_employees: int | None = None
    max_employees: int | None = None


SMALL_BUSINESS = "small-business"
BUSINESS = "business"
CORPORATE = "corporate"
NONPROFIT = "nonprofit"
INDIVIDUAL = "individual"
PARTNER = "community-partner"

PLANS: tuple[PlanSpec, ...] = load("plans", "plans", PlanSpec)
PLAN_BY_CODE = {plan.code: plan for plan in PLANS}


@dataclass(frozen=True)
class LevelSpec:
    code: str
    name: str
    minimum: str
    amounts: tuple[str, ...]  # what investors at this level commit, most often the minimum
    benefits: tuple[str, ...]


LEVELS: tuple[LevelSpec, ...] = load("plans", "levels", LevelSpec)
