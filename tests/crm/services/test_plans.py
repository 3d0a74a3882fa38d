from decimal import Decimal

import pytest

from core.exceptions import InvalidData
from crm import services
from crm.models import InvestorLevel, MembershipPlan
from tests.factories import BracketPlanFactory, UserFactory

pytestmark = pytest.mark.django_db


def _plan(**fields) -> MembershipPlan:
    return MembershipPlan(code="business", name="Business", pricing_kind="brackets", **fields)


def test_it_saves_a_plan_with_its_brackets_in_order():
    plan = services.membership_plan_save(
        plan=_plan(), brackets=[(50, Decimal("895.00")), (10, Decimal("495.00"))]
    )
    assert [(b.max_employees, b.amount) for b in plan.brackets.all()] == [
        (10, Decimal("495.00")),
        (50, Decimal("895.00")),
    ]


@pytest.mark.parametrize(
    ("brackets", "message"),
    [
        ([], "needs at least one bracket"),
        ([(10, Decimal("900")), (50, Decimal("500"))], "must not go down"),
        ([(10, Decimal("500")), (10, Decimal("600"))], "same upper employee count"),
    ],
)
def test_it_refuses_brackets_that_could_misprice_and_saves_nothing(brackets, message):
    with pytest.raises(InvalidData, match=message) as refused:
        services.membership_plan_save(plan=_plan(), brackets=brackets)
    assert refused.value.field == "brackets"
    assert not MembershipPlan.objects.exists()


def test_it_keeps_the_brackets_when_none_are_given():
    plan = BracketPlanFactory()
    plan.grace_days = 60
    services.membership_plan_save(plan=plan, brackets=None)
    plan.refresh_from_db()
    assert (plan.grace_days, plan.brackets.count()) == (60, 4)


def test_it_checks_the_kept_brackets_against_a_new_rule():
    plan = BracketPlanFactory()
    plan.cap = Decimal("-1")
    with pytest.raises(InvalidData, match="cap cannot be negative"):
        services.membership_plan_save(plan=plan)


def test_it_records_who_changed_the_plan():
    user = UserFactory(username="editor")
    plan = services.membership_plan_save(plan=_plan(), brackets=[(10, Decimal("1"))], by=user)
    assert plan.history.get().history_user == user
    assert plan.brackets.get().history.get().history_user == user


def test_it_saves_an_investor_level_after_validating_it():
    level = services.investor_level_save(
        level=InvestorLevel(code="gold", name="Gold", minimum_annual_amount=Decimal("10000"))
    )
    assert level.pk
    level.minimum_annual_amount = Decimal("-1")
    with pytest.raises(InvalidData) as refused:
        services.investor_level_save(level=level)
    assert refused.value.field == "minimum_annual_amount"
