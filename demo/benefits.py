"""Benefits in the demo: the benefits its plans and investor levels grant, the events the
complimentary seats are for, and some used (seats drawn by registrations to the Economic
Outlook Breakfast, the rest recorded by the membership staff), while about a third of the
investors used nothing yet (the renewal risks of the benefits report). Written through the
services; run again, it adds only what is missing (an investor with a use recorded is left
alone)."""

from datetime import datetime, time

from django.utils import timezone

from core.exceptions import ServiceError
from crm.models import (
    Benefit,
    BenefitGrant,
    BenefitUsage,
    InvestorLevel,
    MembershipPlan,
    Organization,
    Pledge,
)
from crm.selectors.benefits import organization_benefits_of
from crm.services.benefits import benefit_grant_save, benefit_save, benefit_use
from demo.context import DemoContext
from demo.data.benefits import BENEFITS, EVENT_TAGS, LEVEL_GRANTS, PLAN_GRANTS, UNUSED_SHARE
from events.models import Event
from events.services import event_save, registration_create


def _benefits(by: object) -> dict[str, Benefit]:
    found = {}
    for order, (code, name, kind, counted, tag, description) in enumerate(BENEFITS):
        benefit = Benefit.objects.filter(code=code).first()
        if benefit is None:
            benefit = benefit_save(
                benefit=Benefit(
                    code=code,
                    name=name,
                    kind=kind,
                    counted=counted,
                    event_tag=tag,
                    description=description,
                    sort_order=order,
                ),
                by=by,
            )
        found[code] = benefit
    return found


def _grants(benefits: dict[str, Benefit], by: object) -> int:
    made = 0
    owners = [
        (InvestorLevel.objects.filter(code=code).first(), "level", grants)
        for code, grants in LEVEL_GRANTS.items()
    ] + [
        (MembershipPlan.objects.filter(code=code).first(), "plan", grants)
        for code, grants in PLAN_GRANTS.items()
    ]
    for owner, kind, grants in owners:
        if owner is None:
            continue
        for code, quantity in grants:
            if BenefitGrant.objects.filter(benefit=benefits[code], **{kind: owner}).exists():
                continue
            grant = BenefitGrant(benefit=benefits[code], quantity=quantity, **{kind: owner})
            benefit_grant_save(grant=grant, by=by)
            made += 1
    return made


def _tag_events(by: object) -> None:
    for slug, tags in EVENT_TAGS.items():
        event = Event.objects.filter(slug=slug).first()
        if event is not None and event.tags != tags:
            event.tags = tags
            event_save(event=event, by=by)


def _register_on_comp_seats(organization, ctx: DemoContext, by: object) -> int:  # type: ignore[no-untyped-def]
    """Its primary representative registers for the Economic Outlook Breakfast (the Annual
    Meeting is sold out): the seats are drawn from the organization's benefit by the
    registration itself."""
    event = Event.objects.filter(slug="economic-outlook-breakfast").first()
    person = organization.affiliations.filter(is_primary=True).select_related("contact").first()
    if event is None or person is None:
        return 0
    ticket = event.ticket_types.order_by("sort_order", "pk").first()
    now = timezone.make_aware(datetime.combine(ctx.today, time(10)))
    if ticket is None or not event.registration_open_at(now):
        return 0
    try:
        registration = registration_create(
            event=event,
            ticket_type=ticket,
            contact=person.contact,
            quantity=2,
            organization_name=organization.name,
            notify=False,
            by=by,
            now=now,
        )
    except ServiceError:  # members only (an investor that is not a member), or seats enough
        return 0
    return registration.comp_seats


def seed(ctx: DemoContext) -> str:
    rng = ctx.random("benefits")
    by = ctx.staff.get("membership") or ctx.staff.get("admin")
    benefits = _benefits(by)
    grants = _grants(benefits, by)
    _tag_events(ctx.staff.get("events") or by)
    investors = (
        Pledge.objects.filter(status=Pledge.Status.CONFIRMED, start_date__lte=ctx.today)
        .values_list("organization", flat=True)
        .order_by("organization")
        .distinct()
    )
    seats = recorded = idle = 0
    for organization_pk in investors:
        # Drawn for every investor, so the draws are the same each run.
        unused = rng.random() < UNUSED_SHARE
        to_the_breakfast = rng.random() < 0.5
        picks = [rng.random() for _ in BENEFITS]
        if BenefitUsage.objects.filter(organization_id=organization_pk).exists():
            continue
        if unused:
            idle += 1
            continue
        organization = Organization.objects.get(pk=organization_pk)
        if to_the_breakfast:
            seats += _register_on_comp_seats(organization, ctx, by)
        current = organization_benefits_of(organization, today=ctx.today)
        for entitlement, pick in zip(current.counted, picks, strict=False):
            if entitlement.left <= 0 or entitlement.benefit.kind == Benefit.Kind.EVENT_SEATS:
                continue
            quantity = max(1, int(pick * entitlement.left))
            benefit_use(
                organization=organization,
                benefit=entitlement.benefit,
                quantity=quantity,
                note="Recorded by the membership team",
                by=by,
                today=ctx.today,
            )
            recorded += quantity
    return (
        f"benefits: {len(benefits)} benefits, {grants} grants made; {seats} complimentary "
        f"seats drawn by registrations, {recorded} other uses recorded, {idle} investors "
        "used nothing yet"
    )
