from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.models import Pledge
from tests.api.staff.conftest import make_pledge
from tests.factories import ContactFactory, InvestorLevelFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/pledges/"


def test_it_creates_a_pledge_with_its_schedule(membership_api):
    level = InvestorLevelFactory(code="gold", minimum_annual_amount=Decimal("5000"))
    response = membership_api.post(
        URL,
        {
            "organization": OrganizationFactory().pk,
            "level": level.pk,
            "annual_amount": "10000.00",
            "start_date": "2027-01-01",
            "term_years": 3,
            "installments_per_year": 2,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["level_code"], body["total_commitment"]) == (
        "submitted",
        "gold",
        "30000.00",
    )
    assert len(body["installments"]) == 6
    assert sum(Decimal(i["amount"]) for i in body["installments"]) == Decimal("30000.00")
    assert body["installments"][1] == {
        "number": 2,
        "due_date": "2027-07-01",
        "amount": "5000.00",
        "settled_outside": False,
    }


def test_it_refuses_an_amount_below_the_level(membership_api):
    level = InvestorLevelFactory(minimum_annual_amount=Decimal("5000"))
    response = membership_api.post(
        URL,
        {
            "organization": OrganizationFactory().pk,
            "level": level.pk,
            "annual_amount": "100.00",
            "start_date": "2027-01-01",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "starts at $5,000.00" in response.json()["errors"]["annual_amount"][0]
    assert not Pledge.objects.exists()


def test_it_refuses_an_unknown_installment_rhythm(membership_api):
    response = membership_api.post(
        URL,
        {
            "organization": OrganizationFactory().pk,
            "level": InvestorLevelFactory().pk,
            "annual_amount": "6000.00",
            "start_date": "2027-01-01",
            "installments_per_year": 3,
        },
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["installments_per_year"]


def test_it_edits_the_message_but_not_the_schedule_or_status(membership_api):
    pledge = make_pledge()
    response = membership_api.patch(
        f"{URL}{pledge.pk}/", {"message": "Called back", "contact": ContactFactory().pk}
    )
    assert response.status_code == 200
    assert response.json()["message"] == "Called back"
    response = membership_api.patch(
        f"{URL}{pledge.pk}/", {"annual_amount": "99999.00", "status": "confirmed"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"annual_amount", "status"}
    pledge.refresh_from_db()
    assert (pledge.annual_amount, pledge.status) == (Decimal("6000.00"), "submitted")


def test_it_confirms_a_pledge(membership_api):
    pledge = make_pledge()
    response = membership_api.post(f"{URL}{pledge.pk}/confirm/")
    assert response.status_code == 200
    assert response.json()["status"] == "confirmed"
    pledge.refresh_from_db()
    assert pledge.confirmed_by.username == "staff-membership"


def test_it_refuses_to_confirm_a_declined_pledge(membership_api):
    pledge = make_pledge()
    response = membership_api.post(f"{URL}{pledge.pk}/decline/", {"reason": "Duplicate"})
    assert (response.status_code, response.json()["status"]) == (200, "declined")
    response = membership_api.post(f"{URL}{pledge.pk}/confirm/")
    assert response.status_code == 409
    assert response.json() == {
        "errors": {"detail": ["A pledge that is declined cannot be confirmed."]}
    }


def test_it_cancels_a_pledge_only_with_a_reason(membership_api):
    pledge = make_pledge()
    response = membership_api.post(f"{URL}{pledge.pk}/cancel/", {"reason": ""}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["reason"]
    response = membership_api.post(
        f"{URL}{pledge.pk}/cancel/", {"reason": "Business closed"}, format="json"
    )
    assert (response.status_code, response.json()["status"]) == (200, "cancelled")
    response = membership_api.post(f"{URL}{pledge.pk}/decline/", {"reason": "x"}, format="json")
    assert response.status_code == 409


def test_it_filters_pledges(membership_api):
    gold, silver = InvestorLevelFactory(code="gold"), InvestorLevelFactory(code="silver")
    acme = OrganizationFactory(name="Acme")
    contact = ContactFactory()
    first = make_pledge(organization=acme, level=gold, contact=contact)
    second = make_pledge(level=silver, installments_per_year=4)
    third = make_pledge(level=silver, start_date=timezone.localdate().replace(year=2030))
    Pledge.objects.filter(pk=second.pk).update(status="confirmed")
    past = timezone.now() - timedelta(days=3)
    Pledge.objects.filter(pk=third.pk).update(created=past, modified=past)
    since = (timezone.now() - timedelta(days=1)).isoformat()

    def ids(**query) -> list[int]:
        response = membership_api.get(URL, query)
        assert response.status_code == 200, response.json()
        return sorted(row["id"] for row in response.json()["results"])

    assert ids(status="confirmed") == [second.pk]
    assert ids(level="silver") == [second.pk, third.pk]
    assert ids(organization=acme.pk) == [first.pk]
    assert ids(contact=contact.pk) == [first.pk]
    assert ids(installments_per_year=4) == [second.pk]
    assert ids(start_after="2029-01-01") == [third.pk]
    assert ids(start_before="2029-01-01") == [first.pk, second.pk]
    assert ids(search="acme") == [first.pk]
    assert ids(modified_since=since) == [first.pk, second.pk]
    assert ids(created_after=since) == [first.pk, second.pk]
    assert ids(created_before=since) == [third.pk]
