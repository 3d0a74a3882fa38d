"""A plan change as staff make it: the preview of what it charges (line by line, or nothing until
the renewal) with a warning when the business is not the size the plan is meant for, and an
upgrade billed the difference for the rest of the term, prorated whatever the plan's rule for
joining (issue 18: a 3-person firm moved on Dec 5 was billed the whole $1,055 difference for a
term ending Feb 7)."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from billing.models import Invoice
from crm import pricing
from crm.models import Membership, MembershipPlanChange
from crm.services.renewals import membership_change_plan, plan_change_preview, upgrade_quote
from tests.factories import (
    AffiliationFactory,
    BracketPlanFactory,
    MembershipFactory,
    OrganizationFactory,
)

CHANGELIST = "/admin/crm/membership/"


def _anniversary_plan(name: str, brackets: list[tuple[int, str]], **size):
    return BracketPlanFactory(
        name=name,
        billing_cycle="anniversary",
        proration="none",
        cap=None,
        brackets=brackets,
        **size,
    )


@pytest.fixture(autouse=True)
def _december_5_2026():
    with time_machine.travel("2026-12-05 12:00:00-05:00", tick=False):
        yield


@pytest.fixture
def plans(db):
    small = _anniversary_plan("Small Business", [(5, "395.00"), (50, "995.00")], max_employees=50)
    business = _anniversary_plan(
        "Business", [(100, "1450.00"), (250, "2750.00")], min_employees=51, max_employees=250
    )
    return small, business


@pytest.fixture
def firm(plans):
    """A 3-person firm on Small Business, its year paid through Feb 7."""
    organization = OrganizationFactory(name="Three Person Firm", employees=3)
    AffiliationFactory(organization=organization, contact__email="owner@threeperson.example")
    membership = MembershipFactory(
        organization=organization, plan=plans[0], status=Membership.Status.ACTIVE
    )
    Membership.objects.filter(pk=membership.pk).update(
        start_date=date(2026, 2, 8), paid_through=date(2027, 2, 7)
    )
    membership.refresh_from_db()
    return membership


def test_an_upgrade_to_a_plan_that_does_not_prorate_joins_is_prorated_by_day():
    small = pricing.PricingRule(flat_amount=Decimal("395.00"), plan_name="Small Business")
    business = pricing.PricingRule(
        flat_amount=Decimal("1450.00"), plan_name="Business", proration=pricing.PRORATE_NONE
    )

    quote = upgrade_quote(
        old_rule=small,
        new_rule=business,
        employees=3,
        effective=date(2026, 12, 5),
        paid_through=date(2027, 2, 7),
    )

    # Dec 5 to Feb 7: 65 of the 365 days of the year from 2026-02-08.
    assert quote.amount == Decimal("187.88")  # 1,055.00 times 65/365, not 1,055.00
    assert [line.amount for line in quote.lines] == [Decimal("1055.00"), Decimal("-867.12")]
    assert "300 of 365 days" in quote.lines[1].description
    assert "$1,055.00 × 65/365 = $187.88" in quote.explanation


def test_an_upgrade_on_the_first_day_of_the_year_bills_the_whole_difference():
    small = pricing.PricingRule(flat_amount=Decimal("395.00"), plan_name="Small Business")
    business = pricing.PricingRule(flat_amount=Decimal("1450.00"), plan_name="Business")

    quote = upgrade_quote(
        old_rule=small,
        new_rule=business,
        employees=3,
        effective=date(2026, 2, 8),
        paid_through=date(2027, 2, 7),
    )

    assert quote.amount == Decimal("1055.00")
    assert len(quote.lines) == 1
    assert "365 of 365 days" in quote.explanation


@pytest.mark.django_db
def test_the_upgrade_invoice_bills_the_rest_of_the_term_prorated(firm, plans):
    change = membership_change_plan(membership=firm, plan=plans[1])

    assert change.kind == MembershipPlanChange.Kind.UPGRADE
    assert change.invoice.total == Decimal("187.88")
    assert "× 65/365" in change.invoice.explanation


@pytest.mark.django_db
def test_the_preview_says_what_the_change_charges_and_warns_about_the_size(firm, plans):
    upgrade = plan_change_preview(membership=firm, plan=plans[1])

    assert (upgrade.is_upgrade, upgrade.amount_now) == (True, Decimal("187.88"))
    assert upgrade.size_warning == (
        "The Business plan is meant for 51 to 250 employees; this organization has 3 employees."
    )
    assert not MembershipPlanChange.objects.exists() and not Invoice.objects.exists()


@pytest.mark.django_db
def test_the_preview_refuses_as_the_change_would(firm, plans):
    with pytest.raises(Exception, match="already on the Small Business plan"):
        plan_change_preview(membership=firm, plan=plans[0])
    with pytest.raises(Exception, match="between today and the end of the paid year"):
        plan_change_preview(membership=firm, plan=plans[1], effective=date(2027, 3, 1))


@pytest.mark.django_db
def test_a_plan_says_which_sizes_it_is_meant_for(plans):
    small, business = plans

    assert business.intended_size == "51 to 250 employees"
    assert small.intended_size == "up to 50 employees"
    assert small.size_warning(50) == "" and business.size_warning(51) == ""
    assert "this organization has 51 employees" in small.size_warning(51)
    assert "not on record" in business.size_warning(None)
    business.min_employees, business.max_employees = 300, 250
    with pytest.raises(ValidationError, match="below the lower one"):
        business.full_clean()


@pytest.mark.django_db
def test_staff_see_the_preview_before_confirming_and_only_confirming_changes(
    client, make_staff, firm, plans
):
    client.force_login(make_staff("Membership"))
    chosen = {"action": "change_plan", "_selected_action": [firm.pk], "plan": plans[1].pk}

    asked = client.post(CHANGELIST, {"action": "change_plan", "_selected_action": [firm.pk]})
    previewed = client.post(CHANGELIST, {**chosen, "preview": "1"})

    assert 'name="preview"' in asked.content.decode()
    page = previewed.content.decode()
    assert "Charged now: $187.88" in page
    assert "Upgrade from Small Business to Business" in page and "-$867.12" in page
    assert "$1,055.00 × 65/365 = $187.88" in page
    assert "meant for 51 to 250 employees; this organization has 3 employees" in page
    assert 'name="apply"' in page
    assert not MembershipPlanChange.objects.exists() and not Invoice.objects.exists()

    confirmed = client.post(CHANGELIST, {**chosen, "effective": "", "apply": "1"}, follow=True)

    assert "1 changed." in confirmed.content.decode()
    firm.refresh_from_db()
    assert firm.plan == plans[1]
    assert MembershipPlanChange.objects.get().invoice.total == Decimal("187.88")


@pytest.mark.django_db
def test_the_preview_of_a_cheaper_plan_charges_nothing_until_the_renewal(
    client, make_staff, firm, plans
):
    client.force_login(make_staff("Membership"))
    Membership.objects.filter(pk=firm.pk).update(plan=plans[1])

    page = client.post(
        CHANGELIST,
        {
            "action": "change_plan",
            "_selected_action": [firm.pk],
            "plan": plans[0].pk,
            "preview": "1",
        },
    ).content.decode()

    assert "Nothing charged now:" in page and "renewal on 2027-02-08" in page
    assert "Check the plan:" not in page  # 3 employees fit Small Business
