"""Benefits as entitlements: what a plan and a level grant this term, what is used and left,
staff recording a use, and a use given back."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from core.exceptions import ServiceError
from crm.models import Benefit, BenefitUsage, Membership, Pledge
from crm.selectors.benefits import organization_benefits_of, term_containing
from crm.services.benefits import benefit_draw_comp_seats, benefit_usage_return, benefit_use
from tests.factories import (
    BenefitFactory,
    BenefitGrantFactory,
    MembershipFactory,
    OrganizationFactory,
    PledgeFactory,
)

pytestmark = pytest.mark.django_db
TODAY = date(2027, 3, 15)


def investor(level, *, start=date(2027, 1, 1), term_years=2):
    return PledgeFactory(
        level=level, status=Pledge.Status.CONFIRMED, start_date=start, term_years=term_years
    ).organization


def test_it_counts_a_year_from_the_anchor_that_contains_today():
    assert term_containing(date(2020, 7, 1), TODAY) == (date(2026, 7, 1), date(2027, 6, 30))
    assert term_containing(date(2020, 3, 15), TODAY) == (date(2027, 3, 15), date(2028, 3, 14))
    assert term_containing(date(2024, 2, 29), TODAY) == (date(2027, 2, 28), date(2028, 2, 27))


def test_it_adds_what_the_plan_and_the_level_grant_and_subtracts_what_was_used():
    seats = BenefitFactory(name="Luncheon seats")
    grant = BenefitGrantFactory(benefit=seats, quantity=4)
    organization = investor(grant.level)
    membership = MembershipFactory(
        organization=organization, status=Membership.Status.ACTIVE, start_date=date(2025, 7, 1)
    )
    Membership.objects.filter(pk=membership.pk).update(paid_through=date(2027, 6, 30))
    BenefitGrantFactory(benefit=seats, level=None, plan=membership.plan, quantity=1)
    benefit_use(organization=organization, benefit=seats, quantity=2, today=TODAY)

    current = organization_benefits_of(organization, today=TODAY)

    # The membership year (to the paid-through date) is the term.
    assert (current.term_start, current.term_end) == (date(2026, 7, 1), date(2027, 6, 30))
    [entitlement] = current.entitlements
    assert (entitlement.granted, entitlement.used, entitlement.left) == (5, 2, 3)
    assert sorted(entitlement.sources) == [f"{grant.level} level", f"{membership.plan} plan"]


def test_it_refuses_more_than_is_left_and_changes_nothing():
    grant = BenefitGrantFactory(quantity=2)
    organization = investor(grant.level)
    benefit_use(organization=organization, benefit=grant.benefit, today=TODAY)

    with pytest.raises(ServiceError, match=r"has 2 of .* this term .* 1 used: 1 left") as refused:
        benefit_use(organization=organization, benefit=grant.benefit, quantity=2, today=TODAY)

    assert refused.value.field == "quantity"
    assert BenefitUsage.objects.count() == 1


def test_it_refuses_a_benefit_the_organization_is_not_granted():
    with pytest.raises(ServiceError, match=r"not among .* benefits this term") as refused:
        benefit_use(organization=OrganizationFactory(), benefit=BenefitFactory(), today=TODAY)

    assert refused.value.field == "benefit"
    assert not BenefitUsage.objects.exists()


def test_it_records_a_yes_no_benefit_once():
    listing = BenefitFactory(
        kind=Benefit.Kind.DIRECTORY, counted=False, event_tag="", name="Featured listing"
    )
    grant = BenefitGrantFactory(benefit=listing, quantity=1)
    organization = investor(grant.level)
    benefit_use(organization=organization, benefit=listing, note="Spring issue", today=TODAY)

    with pytest.raises(ServiceError, match="already recorded"):
        benefit_use(organization=organization, benefit=listing, today=TODAY)


def test_it_counts_uses_in_their_own_term_only():
    grant = BenefitGrantFactory(quantity=1)
    organization = investor(grant.level, start=date(2026, 1, 1), term_years=3)
    benefit_use(organization=organization, benefit=grant.benefit, today=date(2026, 5, 1))

    [entitlement] = organization_benefits_of(organization, today=TODAY).entitlements

    assert (entitlement.granted, entitlement.used, entitlement.left) == (1, 0, 1)


def test_it_grants_nothing_from_a_pledge_not_in_force():
    grant = BenefitGrantFactory(quantity=3)
    organization = investor(grant.level, start=date(2024, 1, 1), term_years=1)

    assert organization_benefits_of(organization, today=TODAY).entitlements == []


def test_it_draws_seats_up_to_what_is_left_and_gives_them_back():
    grant = BenefitGrantFactory(quantity=3)
    organization = investor(grant.level)
    today = TODAY

    first = benefit_draw_comp_seats(
        organization=organization, tags={"luncheon"}, quantity=2, note="x", today=today
    )
    second = benefit_draw_comp_seats(
        organization=organization, tags={"gala", "luncheon"}, quantity=2, note="y", today=today
    )
    third = benefit_draw_comp_seats(
        organization=organization, tags={"luncheon"}, quantity=1, note="z", today=today
    )
    assert (first.quantity, second.quantity, third) == (2, 1, None)
    assert (
        benefit_draw_comp_seats(
            organization=organization, tags={"gala"}, quantity=1, note="", today=today
        )
        is None
    )

    benefit_usage_return(usage=first, reason="cancelled")
    benefit_usage_return(usage=first, reason="cancelled again")  # a retry changes nothing

    [entitlement] = organization_benefits_of(organization, today=today).entitlements
    assert (entitlement.used, entitlement.left) == (1, 2)
    assert first.history.count() == 2


def test_it_uses_today_in_the_chamber_by_default():
    grant = BenefitGrantFactory(quantity=1)
    organization = investor(grant.level, start=timezone.localdate() - timedelta(days=10))

    usage = benefit_use(organization=organization, benefit=grant.benefit)

    assert usage.used_on == timezone.localdate()
    assert usage.source == BenefitUsage.Source.STAFF
