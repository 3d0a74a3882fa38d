"""Each endpoint against each role: the staff API follows the roles' Django permissions."""

from datetime import date

import pytest

from crm.models import Membership
from tests.api.staff.conftest import make_invoice, make_note, make_payment, make_pledge, make_refund
from tests.factories import (
    AffiliationFactory,
    ContactFactory,
    InvestorLevelFactory,
    MembershipFactory,
    OrganizationFactory,
    PlanFactory,
)

pytestmark = pytest.mark.django_db

ROLES = ["Membership", "Finance", "Events", "Read-only"]
EVERYONE = set(ROLES)

# endpoint -> roles allowed to list and read it
READERS = {
    "organizations": EVERYONE,
    "contacts": EVERYONE,
    "affiliations": EVERYONE,
    "notes": EVERYONE,
    "membership-plans": EVERYONE,
    "memberships": EVERYONE,
    "investor-levels": {"Membership", "Finance", "Read-only"},
    "pledges": {"Membership", "Finance", "Read-only"},
    "invoices": EVERYONE,
    "payments": EVERYONE,
    "refunds": EVERYONE,
}

# endpoint -> roles allowed to create, and a valid body (built once the database is ready)
CREATORS = {
    "organizations": {"Membership", "Events"},
    "contacts": {"Membership", "Events"},
    "affiliations": {"Membership", "Events"},
    "notes": {"Membership", "Finance", "Events"},
    "membership-plans": {"Membership"},
    "investor-levels": {"Membership"},
    "memberships": {"Membership"},
    "pledges": {"Membership"},
}


def _body(endpoint: str) -> dict:
    if endpoint == "organizations":
        return {"name": "Acme Widgets"}
    if endpoint == "contacts":
        return {"first_name": "Ana", "last_name": "Diaz", "email": "ana@acme.example.com"}
    if endpoint == "affiliations":
        return {"contact": ContactFactory().pk, "organization": OrganizationFactory().pk}
    if endpoint == "notes":
        return {"organization": OrganizationFactory().pk, "body": "Asked about sponsorship."}
    if endpoint == "membership-plans":
        return {"code": "nonprofit", "name": "Nonprofit", "flat_amount": "350.00"}
    if endpoint == "investor-levels":
        return {"code": "gold", "name": "Gold", "minimum_annual_amount": "10000.00"}
    if endpoint == "memberships":
        return {
            "organization": OrganizationFactory().pk,
            "plan": PlanFactory().pk,
            "start_date": "2026-07-01",
        }
    if endpoint == "pledges":
        return {
            "organization": OrganizationFactory().pk,
            "level": InvestorLevelFactory().pk,
            "annual_amount": "5000.00",
            "start_date": "2027-01-01",
        }
    raise AssertionError(endpoint)


def _record(endpoint: str):
    return {
        "organizations": OrganizationFactory,
        "contacts": ContactFactory,
        "affiliations": AffiliationFactory,
        "notes": make_note,
        "membership-plans": PlanFactory,
        "investor-levels": InvestorLevelFactory,
        "memberships": MembershipFactory,
        "pledges": make_pledge,
        "invoices": make_invoice,
        "payments": make_payment,
        "refunds": make_refund,
    }[endpoint]()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(READERS))
def test_it_lets_a_role_read_what_it_may_view(api_for, endpoint, role):
    record = _record(endpoint)
    client = api_for(role)
    listing = client.get(f"/api/v1/{endpoint}/")
    detail = client.get(f"/api/v1/{endpoint}/{record.pk}/")
    expected = 200 if role in READERS[endpoint] else 403
    assert (listing.status_code, detail.status_code) == (expected, expected)
    if expected == 403:
        assert listing.json()["errors"]["detail"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ["investor-levels", "pledges", "organizations"])
def test_it_describes_a_resource_only_to_those_who_may_view_it(api_for, endpoint, role):
    response = api_for(role).options(f"/api/v1/{endpoint}/")
    assert response.status_code == (200 if role in READERS[endpoint] else 403)


def test_it_describes_no_resource_to_staff_without_a_role(make_staff):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    user = make_staff("Read-only", username="no-role")
    user.groups.clear()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    assert client.options("/api/v1/organizations/").status_code == 403


@pytest.mark.parametrize("endpoint", sorted(READERS))
def test_it_asks_anonymous_callers_for_credentials(endpoint):
    from rest_framework.test import APIClient

    record = _record(endpoint)
    client = APIClient()
    for response in (
        client.get(f"/api/v1/{endpoint}/"),
        client.get(f"/api/v1/{endpoint}/{record.pk}/"),
        client.post(f"/api/v1/{endpoint}/", {}, format="json"),
    ):
        assert response.status_code == 401
        assert response.json() == {
            "errors": {"detail": ["Authentication credentials were not provided."]}
        }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(CREATORS))
def test_it_lets_a_role_create_what_it_may_add(api_for, endpoint, role):
    client = api_for(role)
    response = client.post(f"/api/v1/{endpoint}/", _body(endpoint), format="json")
    if role in CREATORS[endpoint]:
        assert response.status_code == 201, response.json()
    else:
        assert response.status_code == 403
        assert response.json() == {
            "errors": {"detail": ["You do not have permission to perform this action."]}
        }


# endpoint -> roles allowed to change, and an edit
EDITORS = {
    "organizations": ({"Membership"}, {"industry": "Insurance"}),
    "contacts": ({"Membership", "Events"}, {"title": "CFO"}),
    "affiliations": ({"Membership", "Events"}, {"is_billing": True}),
    "notes": ({"Membership", "Finance", "Events"}, {"body": "Renewal in March."}),
    "membership-plans": ({"Membership"}, {"grace_days": 45}),
    "investor-levels": ({"Membership"}, {"benefits": "Board dinner"}),
    "memberships": ({"Membership"}, {"application_message": "Renewed by phone."}),
    "pledges": ({"Membership"}, {"message": "Renewed by phone."}),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(EDITORS))
def test_it_lets_a_role_edit_what_it_may_change(api_for, endpoint, role):
    allowed, edit = EDITORS[endpoint]
    record = _record(endpoint)
    response = api_for(role).patch(f"/api/v1/{endpoint}/{record.pk}/", edit, format="json")
    if role in allowed:
        assert response.status_code == 200, response.json()
        field, value = next(iter(edit.items()))
        assert response.json()[field] == value
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ["affiliations", "notes"])
def test_it_lets_only_membership_staff_delete(api_for, endpoint, role):
    record = _record(endpoint)
    response = api_for(role).delete(f"/api/v1/{endpoint}/{record.pk}/")
    assert response.status_code == (204 if role == "Membership" else 403)


@pytest.mark.parametrize(
    "endpoint", ["organizations", "contacts", "membership-plans", "memberships", "pledges"]
)
def test_it_deletes_no_record_with_a_history_of_its_own(superuser, endpoint):
    from rest_framework.test import APIClient

    record = _record(endpoint)
    client = APIClient()
    client.force_authenticate(superuser)
    response = client.delete(f"/api/v1/{endpoint}/{record.pk}/")
    assert response.status_code == 405
    assert type(record).objects.filter(pk=record.pk).exists()


@pytest.mark.parametrize("role", ROLES)
def test_it_lets_only_membership_staff_approve(api_for, role):
    membership = MembershipFactory()
    response = api_for(role).post(f"/api/v1/memberships/{membership.pk}/approve/")
    membership.refresh_from_db()
    if role == "Membership":
        assert response.status_code == 200
        assert membership.status == Membership.Status.APPROVED
    else:
        assert response.status_code == 403
        assert membership.status == Membership.Status.APPLIED


@pytest.mark.parametrize("role", ROLES)
def test_it_lets_only_membership_staff_confirm_a_pledge(api_for, role):
    pledge = make_pledge()
    response = api_for(role).post(f"/api/v1/pledges/{pledge.pk}/confirm/")
    pledge.refresh_from_db()
    if role == "Membership":
        assert response.status_code == 200
        assert pledge.status == "confirmed"
    else:
        assert response.status_code == 403
        assert pledge.status == "submitted"


def test_it_checks_the_actions_permission_not_the_add_permission(make_staff, api_for):
    """A POST action needs change_membership: holding add_membership alone is not enough."""
    from django.contrib.auth.models import Permission
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    user = make_staff("Read-only", username="adder")
    user.user_permissions.add(Permission.objects.get(codename="add_membership"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    membership = MembershipFactory(start_date=date(2026, 1, 1))
    assert client.post(f"/api/v1/memberships/{membership.pk}/approve/").status_code == 403
