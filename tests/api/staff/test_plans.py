"""Membership plans with their dues brackets, and investor levels."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.models import InvestorLevel, MembershipPlan
from tests.factories import BracketPlanFactory, InvestorLevelFactory, PlanFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/membership-plans/"
BRACKETS = [
    {"max_employees": 10, "amount": "495.00"},
    {"max_employees": 50, "amount": "895.00"},
]


def test_it_creates_a_plan_with_its_brackets(membership_api):
    response = membership_api.post(
        URL,
        {
            "code": "business",
            "name": "Business",
            "pricing_kind": "brackets",
            "brackets": list(reversed(BRACKETS)),
            "per_employee_above": "4.00",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["brackets"] == BRACKETS
    plan = MembershipPlan.objects.get(code="business")
    assert [(b.max_employees, b.amount) for b in plan.brackets.all()] == [
        (10, Decimal("495.00")),
        (50, Decimal("895.00")),
    ]


def test_it_refuses_brackets_whose_dues_go_down(membership_api):
    response = membership_api.post(
        URL,
        {
            "code": "odd",
            "name": "Odd",
            "pricing_kind": "brackets",
            "brackets": [
                {"max_employees": 10, "amount": "900.00"},
                {"max_employees": 50, "amount": "500.00"},
            ],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "must not go down" in response.json()["errors"]["brackets"][0]
    assert not MembershipPlan.objects.exists()


def test_it_refuses_a_bracket_plan_without_brackets(membership_api):
    response = membership_api.post(
        URL, {"code": "b", "name": "B", "pricing_kind": "brackets"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["brackets"]


def test_it_replaces_the_brackets_only_when_given(membership_api):
    plan = BracketPlanFactory()
    response = membership_api.patch(f"{URL}{plan.pk}/", {"grace_days": 60}, format="json")
    assert response.status_code == 200
    assert len(response.json()["brackets"]) == 4
    response = membership_api.patch(f"{URL}{plan.pk}/", {"brackets": BRACKETS}, format="json")
    assert response.status_code == 200
    assert response.json()["brackets"] == BRACKETS
    assert plan.brackets.count() == 2


def test_it_keeps_the_old_brackets_when_new_ones_are_refused(membership_api):
    plan = BracketPlanFactory()
    response = membership_api.patch(
        f"{URL}{plan.pk}/",
        {"grace_days": 60, "brackets": [{"max_employees": 10, "amount": "-1.00"}]},
        format="json",
    )
    assert response.status_code == 400
    plan.refresh_from_db()
    assert (plan.brackets.count(), plan.grace_days) == (4, 30)


def test_it_refuses_a_duplicate_code(membership_api):
    PlanFactory(code="basic")
    response = membership_api.post(URL, {"code": "basic", "name": "Basic"}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["code"]


def test_it_filters_plans(membership_api):
    PlanFactory(code="basic", name="Basic")
    PlanFactory(code="old", name="Old", is_active=False, offered_publicly=False)
    BracketPlanFactory(code="corporate", name="Corporate", billing_cycle="anniversary")
    MembershipPlan.objects.filter(code="old").update(
        created=timezone.now() - timedelta(days=5), modified=timezone.now() - timedelta(days=5)
    )
    since = (timezone.now() - timedelta(days=1)).isoformat()

    def codes(**query) -> list[str]:
        response = membership_api.get(URL, query)
        assert response.status_code == 200
        return sorted(row["code"] for row in response.json()["results"])

    assert codes(is_active="false") == ["old"]
    assert codes(offered_publicly="true") == ["basic", "corporate"]
    assert codes(pricing_kind="brackets") == ["corporate"]
    assert codes(billing_cycle="anniversary") == ["corporate"]
    assert codes(search="corp") == ["corporate"]
    assert codes(modified_since=since) == ["basic", "corporate"]
    assert codes(created_after=since) == ["basic", "corporate"]
    assert codes(created_before=since) == ["old"]


def test_it_creates_and_edits_an_investor_level(membership_api):
    response = membership_api.post(
        "/api/v1/investor-levels/",
        {"code": "gold", "name": "Gold", "minimum_annual_amount": "10000.00"},
        format="json",
    )
    assert response.status_code == 201
    level_id = response.json()["id"]
    response = membership_api.patch(
        f"/api/v1/investor-levels/{level_id}/", {"minimum_annual_amount": "-5"}, format="json"
    )
    assert response.status_code == 400
    assert InvestorLevel.objects.get().minimum_annual_amount == Decimal("10000.00")


def test_it_filters_investor_levels(membership_api):
    InvestorLevelFactory(code="gold", minimum_annual_amount=Decimal("10000"))
    InvestorLevelFactory(code="founders", offered_publicly=False)
    InvestorLevel.objects.filter(code="founders").update(
        created=timezone.now() - timedelta(days=5), modified=timezone.now() - timedelta(days=5)
    )
    since = (timezone.now() - timedelta(days=1)).isoformat()

    def codes(**query) -> list[str]:
        response = membership_api.get("/api/v1/investor-levels/", query)
        assert response.status_code == 200
        return [row["code"] for row in response.json()["results"]]

    assert codes(offered_publicly="false") == ["founders"]
    assert codes(search="gol") == ["gold"]
    assert codes(modified_since=since) == ["gold"]
    assert codes(created_after=since) == ["gold"]
    assert codes(created_before=since) == ["founders"]
    assert codes(ordering="-minimum_annual_amount") == ["gold", "founders"]
