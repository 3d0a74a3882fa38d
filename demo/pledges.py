"""Investment pledges in the demo: which of the bigger members pledge, at what level and for how
long, and how far each pledge has got (submitted, confirmed, completed, declined, cancelled),
decided as plain data and written through the pledge services."""

import random
from datetime import date
from decimal import Decimal
from typing import Any

from core.services import validated_save
from crm import services
from crm.models import Contact, InvestorLevel, Membership, Organization
from crm.services import pledges  # the bare transitions
from demo import history
from demo.data.plans import LEVELS
from demo.stories import Business, PledgeStory


def pledge_stories(
    rng: random.Random, today: date, businesses: list[Business], statuses: list[str | None]
) -> None:
    """Some of the bigger businesses, members or prospects, pledge at a level that fits their
    size; a fixed number of pledges ends in each state."""
    counts = {"completed": 5, "confirmed": 15, "submitted": 6, "declined": 2, "cancelled": 2}
    candidates = [
        b
        for b, status in zip(businesses, statuses, strict=True)
        if status in (Membership.Status.ACTIVE, None)
        and not b.partner
        and (b.employees >= 40 or b.industry in ("Banking & finance", "Insurance"))
    ]
    chosen = rng.sample(candidates, min(len(candidates), sum(counts.values())))
    deck = [status for status, n in counts.items() for _ in range(n)]
    for business, status in zip(chosen, deck, strict=False):
        if business.employees > 1000:
            level = rng.choice(LEVELS[1:])
        elif business.employees > 250:
            level = rng.choice(LEVELS[:2])
        else:
            level = LEVELS[0]
        term = rng.choice((1, 2, 3, 3, 3))
        if status == "completed":
            start = date(today.year - term - rng.randint(0, 2), 1, 1)
        elif status in ("submitted", "declined"):
            start = date(today.year + 1, 1, 1)
        else:
            term = 3
            start = date(today.year - rng.randint(0, 2), rng.choice((1, 7)), 1)
        business.pledge = PledgeStory(
            level=level.code,
            annual_amount=Decimal(rng.choice(level.amounts)),
            start=start,
            term_years=term,
            installments_per_year=rng.choice((1, 1, 2, 4, 12)),
            status=status,
            reason={
                "confirmed": "pledge letter signed",
                "completed": "all installments paid",
                "declined": "The company withdrew after its budget review; revisit in spring.",
                "cancelled": "Acquired by an out-of-state company that ended local sponsorships.",
            }.get(status, ""),
            message="Submitted from the Investing in the MHA page."
            if status == "submitted"
            else "",
        )


def ensure_levels(by: Any) -> dict[str, InvestorLevel]:
    levels = {}
    for order, spec in enumerate(LEVELS, start=1):
        level = InvestorLevel.objects.filter(code=spec.code).first()
        if level is None:
            level = InvestorLevel(
                code=spec.code,
                name=spec.name,
                minimum_annual_amount=Decimal(spec.minimum),
                benefits="\n".join(spec.benefits),
                sort_order=order * 10,
            )
            validated_save(level, by=by)
        levels[spec.code] = level
    return levels


def write_pledge(
    *,
    organization: Organization,
    story: PledgeStory,
    contact: Contact,
    levels: dict[str, InvestorLevel],
    staff: dict[str, Any],
    today: date,
) -> None:
    """Write one pledge story through the services, from submission to the state it ends in.
    The pledges started before the demo's history years were entered back-dated: what fell due
    before them was paid outside this system; what fell due since was invoiced and paid on
    schedule (demo/history.py), so the daily run invoices only what comes due from now on."""
    membership_staff = staff["membership"]
    pledge = services.pledge_create(
        organization=organization,
        level=levels[story.level],
        annual_amount=story.annual_amount,
        start_date=story.start,
        term_years=story.term_years,
        installments_per_year=story.installments_per_year,
        contact=contact,
        message=story.message,
        # Paid outside this system before the years the demo invoices (demo/history.py).
        past_installments="settled",
        today=history.history_start(today),
        by=membership_staff,
    )
    if story.status == "declined":
        pledges._pledge_decline(pledge=pledge, by=membership_staff, reason=story.reason)
        return
    if story.status == "submitted":
        return
    pledges._pledge_confirm(pledge=pledge, by=membership_staff, reason="pledge letter signed")
    # Each installment since then invoiced a month ahead and paid about when due; some
    # investors are late with the latest one.
    history.pay_installments(
        pledge,
        today=today,
        leave_open=story.status == "confirmed" and random.Random(organization.name).random() < 0.35,
        by=staff["finance"],
    )
    if story.status == "completed":
        services.pledge_complete(pledge=pledge, by=staff["finance"], reason=story.reason)
    elif story.status == "cancelled":
        services.pledge_cancel(pledge=pledge, by=membership_staff, reason=story.reason)
