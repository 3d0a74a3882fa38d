"""POST /api/v1/memberships/<id>/change-plan/ and reinstatement with a fee."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from billing.models import Invoice
from crm.models import Membership, MembershipPlanChange
from tests.factories import MembershipFactory, PlanFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/memberships/"


@pytest.fixture(autouse=True)
def _june_2026():
    with time_machine.travel("2026-06-10 12:00:00-04:00", tick=False):
        yield


def _member(status: str = Membership.Status.ACTIVE) -> Membership:
    membership = MembershipFactory(
        status=status,
        plan=PlanFactory(name="Silver", flat_amount="600.00"),
        organization__employees=12,
    )
    Membership.objects.filter(pk=membership.pk).update(paid_through=date(2026, 12, 31))
    return membership


def test_it_upgrades_now_and_answers_with_the_prorated_invoice(membership_api):
    membership = _member()
    gold = PlanFactory(name="Gold", code="gold", flat_amount="1200.00")

    response = membership_api.post(
        f"{URL}{membership.pk}/change-plan/", {"plan": gold.pk}, format="json"
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["kind"], body["status"], body["to_plan_code"]) == ("upgrade", "applied", "gold")
    assert body["invoice_total"] == "350.00"
    assert "× 7/12" in body["explanation"]
    invoice = Invoice.objects.get(pk=body["invoice"])
    assert invoice.status == "open" and invoice.number == body["invoice_number"]
    membership.refresh_from_db()
    assert membership.plan == gold


def test_it_records_a_downgrade_for_the_renewal(membership_api):
    membership = _member()
    basic = PlanFactory(name="Basic", flat_amount="300.00")

    response = membership_api.post(
        f"{URL}{membership.pk}/change-plan/", {"plan": basic.pk}, format="json"
    )

    body = response.json()
    assert (response.status_code, body["kind"], body["status"]) == (200, "downgrade", "pending")
    assert (body["effective_date"], body["invoice"]) == ("2027-01-01", None)
    assert Invoice.objects.count() == 0


def test_it_refuses_a_bad_plan_change_and_changes_nothing(membership_api):
    membership = _member()
    response = membership_api.post(
        f"{URL}{membership.pk}/change-plan/", {"plan": membership.plan_id}, format="json"
    )
    assert response.status_code == 400
    assert "already on the Silver plan" in response.json()["errors"]["plan"][0]

    response = membership_api.post(f"{URL}{membership.pk}/change-plan/", {}, format="json")
    assert response.status_code == 400
    assert "plan" in response.json()["errors"]

    applicant = MembershipFactory(status="applied")
    response = membership_api.post(
        f"{URL}{applicant.pk}/change-plan/", {"plan": membership.plan_id}, format="json"
    )
    assert response.status_code == 409
    assert MembershipPlanChange.objects.count() == 0


def test_it_lets_only_membership_staff_change_plans(api_for):
    membership = _member()
    for role in ("Finance", "Events", "Read-only"):
        response = api_for(role).post(
            f"{URL}{membership.pk}/change-plan/", {"plan": membership.plan_id}, format="json"
        )
        assert response.status_code in (403, 404), role
    assert MembershipPlanChange.objects.count() == 0


def test_it_reinstates_a_lapsed_member_with_a_fee_on_the_invoice(membership_api):
    membership = _member(status=Membership.Status.LAPSED)
    Membership.objects.filter(pk=membership.pk).update(paid_through=date(2025, 12, 31))

    response = membership_api.post(
        f"{URL}{membership.pk}/reinstate/", {"reason": "back", "fee": "75.00"}, format="json"
    )

    assert (response.status_code, response.json()["status"]) == (200, "approved")
    invoice = Invoice.objects.get()
    assert invoice.status == "open"
    assert [line.amount for line in invoice.lines.all()] == [
        Decimal("600.00"),
        Decimal("75.00"),
    ]
    assert invoice.lines.all()[0].period_start == date(2026, 1, 1)


def test_it_refuses_a_negative_reinstatement_fee(membership_api):
    membership = _member(status=Membership.Status.LAPSED)
    response = membership_api.post(f"{URL}{membership.pk}/reinstate/", {"fee": "-5"}, format="json")
    assert response.status_code == 400
    assert "fee" in response.json()["errors"]
    membership.refresh_from_db()
    assert membership.status == "lapsed"
