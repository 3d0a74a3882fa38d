from datetime import date, timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from billing.models import SavedPaymentMethod
from crm.models import Membership, MembershipTransition
from tests.factories import MembershipFactory, OrganizationFactory, PlanFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/memberships/"


def _status(membership: Membership) -> str:
    membership.refresh_from_db()
    return membership.status


def _save_card(organization) -> SavedPaymentMethod:
    return SavedPaymentMethod.objects.create(
        organization=organization, stripe_payment_method_id="pm_test", brand="visa", last4="4242"
    )


def test_it_creates_an_application_through_the_service(membership_api):
    organization, plan = OrganizationFactory(), PlanFactory(code="basic")
    _save_card(organization)
    response = membership_api.post(
        URL,
        {
            "organization": organization.pk,
            "plan": plan.pk,
            "start_date": "2026-07-01",
            "auto_renew": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["plan_code"], body["auto_renew"]) == ("applied", "basic", True)
    assert [t["to_status"] for t in body["transitions"]] == ["applied"]
    assert body["transitions"][0]["by"] == "staff-membership"


def test_it_refuses_a_second_open_membership(membership_api):
    existing = MembershipFactory(status="active")
    response = membership_api.post(
        URL,
        {
            "organization": existing.organization_id,
            "plan": PlanFactory().pk,
            "start_date": "2026-07-01",
        },
        format="json",
    )
    assert response.status_code == 409
    assert "already has a membership that is active" in response.json()["errors"]["detail"][0]
    assert Membership.objects.count() == 1


def test_it_refuses_to_set_a_status_at_creation(membership_api):
    response = membership_api.post(
        URL,
        {
            "organization": OrganizationFactory().pk,
            "plan": PlanFactory().pk,
            "start_date": "2026-07-01",
            "status": "active",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "approve, reject, drop and reinstate" in response.json()["errors"]["status"][0]
    assert not Membership.objects.exists()


def test_it_never_changes_the_status_by_a_plain_edit(membership_api):
    membership = MembershipFactory(status="applied")
    for method in (membership_api.patch, membership_api.put):
        response = method(
            f"{URL}{membership.pk}/",
            {
                "organization": membership.organization_id,
                "plan": membership.plan_id,
                "start_date": "2026-01-01",
                "status": "active",
            },
            format="json",
        )
        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["status"]
    assert _status(membership) == "applied"


def test_it_accepts_the_unchanged_status_in_a_full_update(membership_api):
    membership = MembershipFactory(status="applied")
    _save_card(membership.organization)
    row = membership_api.get(f"{URL}{membership.pk}/").json()
    row["auto_renew"] = True
    response = membership_api.put(f"{URL}{membership.pk}/", row, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["auto_renew"] is True


def test_it_switches_automatic_renewal_through_the_portals_service(membership_api):
    membership = MembershipFactory(status="active")
    _save_card(membership.organization)

    on = membership_api.patch(f"{URL}{membership.pk}/", {"auto_renew": True}, format="json")
    off = membership_api.patch(f"{URL}{membership.pk}/", {"auto_renew": False}, format="json")

    assert (on.status_code, on.json()["auto_renew"]) == (200, True)
    assert (off.status_code, off.json()["auto_renew"]) == (200, False)
    reasons = list(membership.history.values_list("history_change_reason", flat=True)[:2])
    assert reasons == [
        "automatic renewal turned off: by staff in the staff API",
        "automatic renewal turned on: by staff in the staff API",
    ]


@pytest.mark.parametrize("method", ["patch", "put"])
def test_it_refuses_automatic_renewal_without_a_saved_payment_method(membership_api, method):
    membership = MembershipFactory(status="active", application_message="Hello")
    rows_before = membership.history.count()
    body = membership_api.get(f"{URL}{membership.pk}/").json() if method == "put" else {}
    body.update(auto_renew=True, application_message="Changed")

    response = getattr(membership_api, method)(f"{URL}{membership.pk}/", body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "auto_renew": ["Automatic renewal needs a saved card or bank account: save one first."]
    }
    membership.refresh_from_db()
    assert (membership.auto_renew, membership.application_message) == (False, "Hello")
    assert membership.history.count() == rows_before


def test_it_refuses_a_new_membership_renewing_automatically_without_a_saved_payment_method(
    membership_api,
):
    response = membership_api.post(
        URL,
        {
            "organization": OrganizationFactory().pk,
            "plan": PlanFactory().pk,
            "start_date": "2026-07-01",
            "auto_renew": True,
        },
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["auto_renew"]
    assert not Membership.objects.exists()


def test_it_keeps_the_organization_and_plan_fixed(membership_api):
    membership = MembershipFactory()
    response = membership_api.patch(
        f"{URL}{membership.pk}/",
        {"plan": PlanFactory().pk, "start_date": "2027-01-01"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"plan", "start_date"}


def test_it_approves_an_application(membership_api):
    membership = MembershipFactory(status="applied")
    response = membership_api.post(
        f"{URL}{membership.pk}/approve/", {"reason": "Board vote"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    transition = MembershipTransition.objects.get(membership=membership)
    assert (transition.to_status, transition.reason, transition.by.username) == (
        "approved",
        "Board vote",
        "staff-membership",
    )


def test_it_refuses_an_illegal_transition_with_the_reason(membership_api):
    membership = MembershipFactory(status="active")
    response = membership_api.post(f"{URL}{membership.pk}/approve/")
    assert response.status_code == 409
    assert response.json() == {
        "errors": {"detail": ["A membership that is active cannot be approved."]}
    }
    assert _status(membership) == "active"


def test_it_rejects_an_application_with_a_reason(membership_api):
    membership = MembershipFactory(status="applied")
    response = membership_api.post(f"{URL}{membership.pk}/reject/", {}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["reason"]
    assert _status(membership) == "applied"
    response = membership_api.post(
        f"{URL}{membership.pk}/reject/", {"reason": "Outside the region"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status_reason"] == "Outside the region"
    assert _status(membership) == "rejected"


def test_it_drops_a_member_and_reinstates_them(membership_api):
    membership = MembershipFactory(status="active")
    Membership.objects.filter(pk=membership.pk).update(
        paid_through=timezone.localdate() + timedelta(days=90)
    )
    response = membership_api.post(
        f"{URL}{membership.pk}/drop/", {"reason": "Asked to leave"}, format="json"
    )
    assert (response.status_code, response.json()["status"]) == (200, "cancelled")
    response = membership_api.post(f"{URL}{membership.pk}/reinstate/")
    assert (response.status_code, response.json()["status"]) == (200, "active")
    assert [t["to_status"] for t in response.json()["transitions"]] == ["cancelled", "active"]


def test_it_refuses_to_drop_a_rejected_application(membership_api):
    membership = MembershipFactory(status="rejected")
    response = membership_api.post(
        f"{URL}{membership.pk}/drop/", {"reason": "tidy up"}, format="json"
    )
    assert response.status_code == 409
    assert "cannot be dropped" in response.json()["errors"]["detail"][0]


def test_it_refuses_to_reinstate_an_application(membership_api):
    membership = MembershipFactory(status="applied")
    response = membership_api.post(f"{URL}{membership.pk}/reinstate/")
    assert response.status_code == 409
    assert "cannot be reinstated" in response.json()["errors"]["detail"][0]


def test_it_answers_404_for_an_action_on_an_unknown_membership(membership_api):
    assert membership_api.post(f"{URL}999/approve/").status_code == 404


@pytest.fixture
def memberships():
    today = timezone.localdate()
    gold, basic = PlanFactory(code="gold"), PlanFactory(code="basic")

    def make(name, status, plan, paid_through=None, **org):
        membership = MembershipFactory(
            organization=OrganizationFactory(name=name, **org),
            plan=plan,
            status=status,
            start_date=date(2026, 1, 1),
        )
        # A reference of its own: a random one holds "gra" (the search below) now and then.
        Membership.objects.filter(pk=membership.pk).update(
            paid_through=paid_through, reference=f"membership-{name.lower()}"
        )
        return membership

    make("Acme", "active", gold, today + timedelta(days=100), county="hartford", industry="Law")
    make("Late", "active", basic, today - timedelta(days=2), county="tolland")
    make("Grace", "grace", basic, today - timedelta(days=20), county="middlesex")
    make("Unpaid", "active", basic, None, county="hartford")
    applied = make("Applied", "applied", gold, None, county="other", industry="law")
    Membership.objects.filter(pk=applied.pk).update(
        source="website", auto_renew=True, start_date=date(2026, 9, 1)
    )
    return {"today": today, "applied": applied}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=active", ["Acme", "Late", "Unpaid"]),
        ("status=grace&status=applied", ["Applied", "Grace"]),
        ("plan=gold", ["Acme", "Applied"]),
        ("county=hartford", ["Acme", "Unpaid"]),
        ("industry=LAW", ["Acme", "Applied"]),
        ("overdue=true", ["Grace", "Late"]),
        ("overdue=false", ["Acme", "Applied", "Unpaid"]),
        ("source=website", ["Applied"]),
        ("auto_renew=true", ["Applied"]),
        ("start_after=2026-06-01", ["Applied"]),
        ("start_before=2026-06-01", ["Acme", "Grace", "Late", "Unpaid"]),
        ("search=gra", ["Grace"]),
    ],
)
def test_it_filters_memberships(membership_api, memberships, query, expected):
    response = membership_api.get(f"{URL}?{query}")
    assert response.status_code == 200, response.json()
    assert sorted(row["organization_name"] for row in response.json()["results"]) == expected


def test_it_filters_memberships_by_organization_paid_through_and_time(membership_api, memberships):
    today, applied = memberships["today"], memberships["applied"]

    def names(**query) -> list[str]:
        response = membership_api.get(URL, query)
        assert response.status_code == 200, response.json()
        return sorted(row["organization_name"] for row in response.json()["results"])

    assert names(organization=applied.organization_id) == ["Applied"]
    assert names(paid_through_before=today.isoformat()) == ["Grace", "Late"]
    assert names(paid_through_after=today.isoformat()) == ["Acme"]
    past = timezone.now() - timedelta(days=3)
    Membership.objects.exclude(pk=applied.pk).update(created=past, modified=past)
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert names(modified_since=since) == ["Applied"]
    assert names(created_after=since) == ["Applied"]
    assert names(created_before=since) == ["Acme", "Grace", "Late", "Unpaid"]


def test_it_orders_memberships(membership_api, memberships):
    rows = membership_api.get(f"{URL}?ordering=-paid_through&status=active").json()["results"]
    assert [row["organization_name"] for row in rows if row["paid_through"]] == ["Acme", "Late"]


def test_it_creates_once_for_a_retried_request_with_an_idempotency_key(membership_api):
    body = {
        "organization": OrganizationFactory().pk,
        "plan": PlanFactory().pk,
        "start_date": "2026-07-01",
    }
    first = membership_api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = membership_api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Membership.objects.count() == 1
    other = membership_api.post(
        URL, {**body, "start_date": "2026-08-01"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert other.status_code == 409


def test_an_idempotency_key_is_the_callers_own(membership_api, make_staff):
    body = {
        "organization": OrganizationFactory().pk,
        "plan": PlanFactory().pk,
        "start_date": "2026-07-01",
    }
    assert (
        membership_api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1").status_code == 201
    )
    colleague = APIClient()
    token = Token.objects.create(user=make_staff("Membership", username="colleague"))
    colleague.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = colleague.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    # not the first caller's answer replayed: the request runs, and the open membership refuses it
    assert "Idempotent-Replayed" not in response
    assert response.status_code == 409
    assert Membership.objects.count() == 1
