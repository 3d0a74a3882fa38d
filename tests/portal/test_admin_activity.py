"""Staff's side: the organization's admin page shows its people's portal activity (sign-ins
and changes made in the portal, most recent first) and its pending affiliations, which staff
who may change affiliations confirm or decline there."""

import pytest

from crm.models import Affiliation
from crm.roles import EVENTS, FINANCE, MEMBERSHIP, READ_ONLY
from portal import links
from portal.services import portal_account, portal_contact_update, portal_sign_in
from tests.portal.conftest import signed_in

pytestmark = pytest.mark.django_db


def _activity(page: str) -> str:
    return page.split('id="portal-activity"', 1)[1].split("</table>", 1)[0]


@pytest.mark.parametrize("role", [MEMBERSHIP, FINANCE, EVENTS, READ_ONLY])
def test_each_role_sees_the_portal_activity_most_recent_first(portal_world, client_for, role):
    dana = portal_world.primary.contact
    link = links.sign_in_url(portal_account(dana))
    portal_sign_in(token=link.rstrip("/").rsplit("/", 1)[-1])
    portal_contact_update(
        contact=dana, first_name="Dana", last_name="Rivera", phone="860-555-0199", title="Owner"
    )
    signed_in(dana).post(
        f"/members/{portal_world.organization.pk}/colleagues/{portal_world.pending.pk}/confirm/"
    )
    page = client_for(role).get(f"/admin/crm/organization/{portal_world.organization.pk}/change/")
    assert page.status_code == 200
    rows = _activity(page.content.decode())
    confirmed = rows.index("Colleague: Member portal, Dana Rivera")
    details = rows.index("Own details: Member portal, Dana Rivera: Changed their own details")
    signed = rows.index("Signed in")
    assert confirmed < details < signed  # most recent first
    assert "Olga" not in rows  # another organization's people are not listed


def test_a_page_without_portal_use_says_so(portal_world, client_for):
    page = client_for(READ_ONLY).get(
        f"/admin/crm/organization/{portal_world.other_organization.pk}/change/"
    )
    assert "Nobody from this organization has used the member portal yet." in page.content.decode()


@pytest.mark.parametrize("role", [MEMBERSHIP, EVENTS])
def test_staff_who_change_affiliations_confirm_a_pending_one_there(portal_world, client_for, role):
    client = client_for(role)
    org = portal_world.organization.pk
    page = client.get(f"/admin/crm/organization/{org}/change/").content.decode()
    confirm = f"/admin/crm/organization/{org}/pending-affiliations/?affiliation="
    assert f"{confirm}{portal_world.pending.pk}&amp;decide=confirm" in page
    asks = client.get(
        f"/admin/crm/organization/{org}/pending-affiliations/",
        {"affiliation": portal_world.pending.pk, "decide": "confirm"},
    )
    assert "Confirm the affiliation" in asks.content.decode()
    response = client.post(
        f"/admin/crm/organization/{org}/pending-affiliations/",
        {"affiliation": portal_world.pending.pk, "decide": "confirm"},
    )
    assert response.status_code == 302
    link = Affiliation.objects.get(pk=portal_world.pending.pk)
    assert link.status == "confirmed"
    assert link.history.latest().history_change_reason == "Affiliation confirmed by staff."


def test_membership_staff_decline_a_pending_one_with_a_reason(portal_world, client_for):
    client = client_for(MEMBERSHIP)
    org = portal_world.organization.pk
    client.post(
        f"/admin/crm/organization/{org}/pending-affiliations/",
        {"affiliation": portal_world.pending.pk, "decide": "decline", "reason": "unknown here"},
    )
    assert not Affiliation.objects.filter(pk=portal_world.pending.pk).exists()
    gone = Affiliation.history.filter(id=portal_world.pending.pk, history_type="-").get()
    assert gone.history_change_reason == "Affiliation rejected by staff: unknown here"


@pytest.mark.parametrize("role", [FINANCE, READ_ONLY])
def test_staff_who_may_not_change_affiliations_are_refused(portal_world, client_for, role):
    org = portal_world.organization.pk
    response = client_for(role).post(
        f"/admin/crm/organization/{org}/pending-affiliations/",
        {"affiliation": portal_world.pending.pk, "decide": "confirm"},
    )
    assert response.status_code == 403
    assert Affiliation.objects.get(pk=portal_world.pending.pk).status == "pending"


def test_another_organizations_pending_link_is_not_found_there(portal_world, client_for):
    response = client_for(MEMBERSHIP).post(
        f"/admin/crm/organization/{portal_world.other_organization.pk}/pending-affiliations/",
        {"affiliation": portal_world.pending.pk, "decide": "confirm"},
    )
    assert response.status_code == 404
    assert Affiliation.objects.get(pk=portal_world.pending.pk).status == "pending"
