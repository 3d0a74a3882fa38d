"""The staff API's account work: prospects and their stage moves, tasks, interactions, account
owners and engagement scores, each list in the same number of queries at 3 rows and at 30."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from crm.models import Membership, Prospect, Task
from crm.services.pipeline import interaction_record, prospect_move_stage, task_create
from tests.api.staff.conftest import make_invoice
from tests.factories import AffiliationFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_it_creates_and_moves_a_prospect(membership_api):
    organization = OrganizationFactory()

    created = membership_api.post(
        "/api/v1/prospects/", {"organization": organization.pk, "stage": "lead"}, format="json"
    )
    assert created.status_code == 201, created.content
    url = f"/api/v1/prospects/{created.json()['id']}/move/"

    moved = membership_api.post(
        url, {"stage": "proposal", "amount_proposed": "12500.00", "note": "Sent"}, format="json"
    )

    assert moved.status_code == 200, moved.content
    assert moved.json()["stage"] == "proposal"
    assert moved.json()["amount_proposed"] == "12500.00"
    assert moved.json()["stage_note"] == "Sent"


def test_it_refuses_a_move_the_stages_do_not_allow_with_a_409(membership_api):
    prospect = prospect_move_stage(organization=OrganizationFactory(), stage="lead")

    refused = membership_api.post(
        f"/api/v1/prospects/{prospect.pk}/move/", {"stage": "won"}, format="json"
    )
    no_amount = membership_api.post(
        f"/api/v1/prospects/{prospect.pk}/move/", {"stage": "proposal"}, format="json"
    )

    assert refused.status_code == 409
    assert "cannot move to" in refused.json()["errors"]["detail"][0]
    assert no_amount.status_code == 400
    assert "amount_proposed" in no_amount.json()["errors"]
    assert Prospect.objects.get().stage == "lead"


def test_it_refuses_a_second_prospect_for_one_organization_and_a_member(membership_api):
    organization = OrganizationFactory()
    prospect_move_stage(organization=organization, stage="contacted")
    member = make_invoice().organization
    Membership.objects.filter(organization=member).update(status=Membership.Status.ACTIVE)

    again = membership_api.post(
        "/api/v1/prospects/", {"organization": organization.pk, "stage": "lead"}, format="json"
    )
    customer = membership_api.post(
        "/api/v1/prospects/", {"organization": member.pk, "stage": "lead"}, format="json"
    )

    # Asking again for a prospect that exists moves it (here: contacted back to lead).
    assert again.status_code == 201 and again.json()["stage"] == "lead"
    assert customer.status_code == 409
    assert Prospect.objects.count() == 1


def test_it_creates_and_completes_a_task(membership_api, make_staff):
    assignee = make_staff("Membership", username="assignee")

    created = membership_api.post(
        "/api/v1/tasks/",
        {"title": "Renewal call", "assignee": assignee.pk, "due_date": "2027-01-04"},
        format="json",
    )
    assert created.status_code == 201, created.content
    done = membership_api.post(f"/api/v1/tasks/{created.json()['id']}/complete/", {})

    assert done.status_code == 200
    assert done.json()["done"] is True
    assert done.json()["done_by"] == "staff-membership"
    outsider = UserFactory(username="outsider", is_staff=False)
    refused = membership_api.post(
        "/api/v1/tasks/",
        {"title": "No", "assignee": outsider.pk, "due_date": "2027-01-04"},
        format="json",
    )
    assert refused.status_code == 400 and "assignee" in refused.json()["errors"]
    assert Task.objects.count() == 1


def test_it_records_an_interaction(membership_api):
    affiliation = AffiliationFactory()

    response = membership_api.post(
        "/api/v1/interactions/",
        {
            "organization": affiliation.organization_id,
            "contact": affiliation.contact_id,
            "kind": "meeting",
            "occurred_on": timezone.localdate().isoformat(),
            "summary": "Lunch.",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["recorded_by"] == "staff-membership"
    listed = membership_api.get(f"/api/v1/interactions/?organization={affiliation.organization_id}")
    assert [row["summary"] for row in listed.json()["results"]] == ["Lunch."]


def test_it_sets_the_account_owner(membership_api, make_staff):
    organization = OrganizationFactory()
    owner = make_staff("Membership", username="owner")

    response = membership_api.post(
        f"/api/v1/organizations/{organization.pk}/account-owner/",
        {"account_owner": owner.pk},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["account_owner"] == owner.pk
    cleared = membership_api.post(
        f"/api/v1/organizations/{organization.pk}/account-owner/",
        {"account_owner": None},
        format="json",
    )
    assert cleared.json()["account_owner"] is None


def test_it_shows_a_score_as_the_sum_of_its_factors(api_for):
    organization = make_invoice().organization

    body = api_for("Read-only").get(f"/api/v1/engagement-scores/{organization.pk}/").json()

    assert body["organization"] == organization.pk
    assert body["score"] == sum(f["points"] for f in body["factors"])
    assert body["maximum"] == sum(f["weight"] for f in body["factors"]) == 100
    assert {f["key"] for f in body["factors"]} == {
        "events_attended",
        "on_time_payment",
        "years_of_membership",
        "open_balance",
        "benefits_used",
        "portal_sign_ins",
    }


def test_it_lists_members_at_risk_with_their_reasons(api_for, settings):
    settings.ENGAGEMENT_RISK_THRESHOLD = 60
    today = timezone.localdate()
    organization = make_invoice().organization  # owes $600, not yet due
    Membership.objects.filter(organization=organization).update(
        status=Membership.Status.ACTIVE, paid_through=today + timedelta(days=10)
    )

    body = api_for("Events").get("/api/v1/engagement-scores/at-risk/").json()

    [row] = body["results"]
    assert row["organization"] == organization.pk
    assert row["renews_on"] == (today + timedelta(days=10)).isoformat()
    assert row["score"] == 0 + 12 + 0 + 10 + 5 + 0 == sum(f["points"] for f in row["factors"])


def _prospect():
    prospect_move_stage(organization=OrganizationFactory(), stage="lead")


def _task():
    task_create(
        title="Call",
        assignee=UserFactory(),
        due_date=timezone.localdate(),
        organization=OrganizationFactory(),
    )


def _interaction():
    affiliation = AffiliationFactory()
    interaction_record(
        organization=affiliation.organization,
        contact=affiliation.contact,
        kind="call",
        occurred_on=timezone.localdate(),
        summary="Called.",
    )


def _scored():
    organization = make_invoice().organization
    Membership.objects.filter(organization=organization).update(
        status=Membership.Status.ACTIVE,
        paid_through=timezone.localdate() + timedelta(days=5),
        member_since=timezone.localdate() - timedelta(days=800),
    )


BUILDERS = {
    "prospects": _prospect,
    "tasks": _task,
    "interactions": _interaction,
    "engagement-scores": _scored,
    "engagement-scores/at-risk": _scored,
}


def _count(client: APIClient, endpoint: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/v1/{endpoint}/?page_size=100")
    assert response.status_code == 200, response.content
    return len(queries), len(response.json()["results"])


@pytest.mark.parametrize("endpoint", sorted(BUILDERS))
def test_it_lists_in_the_same_number_of_queries_at_3_and_30_rows(api_for, endpoint, settings):
    settings.ENGAGEMENT_RISK_THRESHOLD = 100  # every member renewing soon is listed
    client = api_for("Read-only")
    for _ in range(3):
        BUILDERS[endpoint]()
    at_3, rows_3 = _count(client, endpoint)
    for _ in range(27):
        BUILDERS[endpoint]()
    at_30, rows_30 = _count(client, endpoint)

    assert (rows_3, rows_30) == (3, 30)
    # The token and the user's permissions, the count, the page, and for scores their facts
    # (with the benefits of the term and the portal sign-ins).
    assert at_3 == at_30 <= (13 if endpoint.startswith("engagement") else 8)
