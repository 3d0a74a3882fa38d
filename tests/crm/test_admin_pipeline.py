"""The admin's account work: My accounts, the at-risk list on the front page, the engagement
table on an organization's page, prospects moved from their page and account owners set from
the list."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from crm.models import Membership, Organization, Prospect
from crm.services.pipeline import organization_set_account_owner, prospect_move_stage, task_create
from tests.api.staff.conftest import make_invoice
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def _at_risk_member(owner=None) -> Organization:
    organization = make_invoice().organization  # owes $600, not yet due: 0 + 15 + 0 + 10 = 25
    organization.name = "Drifting Widgets"
    organization.save()
    Membership.objects.filter(organization=organization).update(
        status=Membership.Status.ACTIVE, paid_through=timezone.localdate() + timedelta(days=20)
    )
    if owner is not None:
        organization_set_account_owner(organization=organization, owner=owner)
    return organization


def test_it_shows_my_accounts(client_for):
    client = client_for("Membership")
    me = get_user_model().objects.get(username="staff-membership")
    _at_risk_member(owner=me)
    courted = OrganizationFactory(name="Nutmeg Robotics")
    organization_set_account_owner(organization=courted, owner=me)
    prospect_move_stage(organization=courted, stage="proposal", amount_proposed=Decimal(9000))
    task_create(
        title="Send the proposal",
        assignee=me,
        due_date=timezone.localdate() - timedelta(days=2),
        organization=courted,
    )

    page = client.get("/admin/crm/task/my-accounts/").content.decode()

    assert "Send the proposal" in page and "overdue" in page
    assert "Nutmeg Robotics</a> ($9,000.00)" in page
    assert "Drifting Widgets" in page
    assert "<strong>27</strong> / 100" in page


def test_it_lists_members_at_risk_on_the_front_page_with_their_reasons(client_for):
    _at_risk_member()

    page = client_for("Read-only").get("/admin/").content.decode()

    assert 'id="at-risk-dashboard"' in page
    assert "Drifting Widgets" in page
    assert "Open balance: $600.00 owed, not yet due (10/20)" in page


def test_it_shows_the_engagement_factors_on_the_organization_page(client_for):
    organization = _at_risk_member()

    page = client_for("Membership").get(f"/admin/crm/organization/{organization.pk}/change/")

    text = page.content.decode()
    assert "On-time payment" in text and "12 / 25" in text
    assert "Benefits used" in text and "Portal sign-ins" in text
    assert "<th>27 / 100</th>" in text


def test_it_moves_a_prospect_from_its_page_and_refuses_a_skipped_stage(client_for):
    client = client_for("Membership")
    prospect = prospect_move_stage(organization=OrganizationFactory(), stage="lead")
    url = f"/admin/crm/prospect/{prospect.pk}/change/"

    moved = client.post(url, {"stage": "contacted", "stage_note": "Called"})
    back = client.post(url, {"stage": "lead", "amount_proposed": "", "stage_note": ""})
    skipped = client.post(url, {"stage": "won"}, follow=True)

    assert moved.status_code == 302 and back.status_code == 302
    prospect.refresh_from_db()
    assert prospect.stage == "lead"  # contacted, then back to lead (allowed)
    assert "cannot move to" in skipped.content.decode()
    assert Prospect.objects.get().stage == "lead"


def test_it_sets_the_account_owner_from_the_list(client_for):
    client = client_for("Membership")
    organization = OrganizationFactory()
    owner = get_user_model().objects.get(username="staff-membership")

    client.post(
        "/admin/crm/organization/",
        {
            "action": "set_account_owner",
            "_selected_action": [organization.pk],
            "apply": "yes",
            "owner": owner.pk,
        },
    )

    organization.refresh_from_db()
    assert organization.account_owner == owner
