"""Memberships in the demo: the plan each business is on, the state its membership ends in, and
how it got there (applied, approved, paid, in grace, lapsed, reinstated, cancelled), decided as
plain data and written through the membership services, as staff and the daily job would have."""

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from billing import services as billing
from billing.gateways import FakeGateway, use_gateway
from core.services import validated_save
from crm import pricing, services
from crm.models import Membership, MembershipPlan, Organization, PlanBracket
from crm.services import memberships  # the bare transitions
from demo import clock, history
from demo.data.plans import (
    BUSINESS,
    CORPORATE,
    INDIVIDUAL,
    NONPROFIT,
    PARTNER,
    PLAN_BY_CODE,
    PLANS,
    SMALL_BUSINESS,
)
from demo.stories import Business, MembershipStory, Payment

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


# --- The stories ------------------------------------------------------------------------------


class MembershipGenerator:
    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.today = today

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


# --- Writing them -----------------------------------------------------------------------------


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
                min_employees=spec.min_employees,
                max_employees=spec.max_employees,
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


# Stripe's part when a demo member saves a card for automatic renewal: a stand-in, as
# demo/billing.py has for paying by card (one for the run, so each customer has its own id).
STRIPE = FakeGateway()


def save_card(organization: Organization, *, by: Any) -> None:
    """The member saves a card for automatic renewal on Stripe's page, through billing's
    services as the portal does (docs/portal.md)."""
    back = "https://demo.example.com/members/"
    with use_gateway(STRIPE):
        session = billing.payment_method_setup_start(
            organization=organization,
            email=f"accounts@{organization.email_domain or 'example.com'}",
            success_url=back + "?session={CHECKOUT_SESSION_ID}",
            cancel_url=back,
            by=by,
        )
        STRIPE.complete_setup(session.id)
        billing.payment_method_save_from_checkout(
            session_id=session.id, organization=organization, by=by
        )


def write_membership(
    *,
    organization: Organization,
    story: MembershipStory,
    plans: dict[str, MembershipPlan],
    staff: dict[str, Any],
    today: date,
) -> None:
    """Write one membership story through the services, from application to the state it ends
    in."""
    Status = Membership.Status
    membership_staff, finance = staff["membership"], staff["finance"]
    # Applied for and approved when it started, so its steps are dated in the order they came
    # (its payments, grace and lapse follow on their own days: history.py).
    joined = min(story.start, today)
    with clock.on(joined):
        if story.auto_renew:  # it renews automatically only with a card saved first
            save_card(organization, by=membership_staff)
        membership = services.membership_create(
            organization=organization,
            plan=plans[story.plan],
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
    with clock.on(joined):
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
    ends = period_ends(story.plan, story.start, story.payments[-1].period_end)
    for payment in payments:
        history.pay_dues(
            membership,
            ends=[end for end in ends if end <= payment.period_end],
            start=story.start,
            reason=payment.reason,
            today=today,
            by=finance,
        )
    overdue = story.payments[-1].period_end < today
    if reinstatement is not None:
        # Grace and lapse are the daily job's doing: no staff member moved them.
        history.overdue(membership, lapse=True, renewal_invoice=False, today=today)
        memberships._membership_reinstate(
            membership=membership,
            by=membership_staff,
            reason="asked to come back; reinstatement invoice sent",
            today=today,
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
        history.overdue(
            membership,
            lapse=story.status == Status.LAPSED,
            # A member in grace has its renewal invoice in hand, unpaid.
            renewal_invoice=story.status == Status.GRACE,
            today=today,
        )
    if story.status == Status.CANCELLED:
        services.membership_cancel(
            membership=membership, by=membership_staff, reason=story.close_reason
        )
