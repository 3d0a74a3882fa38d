"""What the chamber sells: its membership plans (with their dues rules) and investor levels."""

from dataclasses import dataclass

from crm import pricing


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
