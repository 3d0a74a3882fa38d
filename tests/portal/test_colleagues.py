"""Confirming people who attached themselves: the primary representative sees the links that
public forms proposed and confirms or declines them, with crm's services staff use."""

import pytest

from crm.models import Affiliation
from portal.models import PortalAccount
from tests.portal.conftest import signed_in

pytestmark = pytest.mark.django_db


def test_a_pending_link_grants_no_access_until_the_representative_confirms_it(portal_world):
    org = portal_world.organization.pk
    quinn = signed_in(portal_world.pending.contact)
    assert quinn.get(f"/members/{org}/").status_code == 404
    home = quinn.get("/members/")
    assert home.status_code == 200
    assert "Front Street Bakery" not in home.content.decode()

    dana = signed_in(portal_world.primary.contact)
    page = dana.get(f"/members/{org}/colleagues/").content.decode()
    pending_part = page.split('id="pending"', 1)[1]
    assert "Quinn" in pending_part and "quinn@elsewhere.example.com" in pending_part
    assert "Make Quinn" not in page  # not offered a role before being confirmed

    response = dana.post(
        f"/members/{org}/colleagues/{portal_world.pending.pk}/confirm/", follow=True
    )
    assert "is confirmed" in response.content.decode()
    link = Affiliation.objects.get(pk=portal_world.pending.pk)
    assert link.status == "confirmed"
    latest = link.history.latest()
    assert (
        latest.history_user == PortalAccount.objects.get(contact=portal_world.primary.contact).user
    )
    assert "by the primary representative" in latest.history_change_reason
    assert latest.history_change_reason.startswith("Member portal, Dana Rivera")
    assert quinn.get(f"/members/{org}/").status_code == 200


def test_the_representative_declines_a_link_and_the_contact_stays(portal_world):
    org = portal_world.organization.pk
    dana = signed_in(portal_world.primary.contact)
    response = dana.post(f"/members/{org}/colleagues/{portal_world.pending.pk}/decline/")
    assert response.status_code == 302
    assert not Affiliation.objects.filter(pk=portal_world.pending.pk).exists()
    portal_world.pending.contact.refresh_from_db()  # still on file
    deleted = Affiliation.history.filter(id=portal_world.pending.pk, history_type="-").get()
    assert "rejected by the primary representative" in deleted.history_change_reason


def test_only_the_primary_representative_confirms(portal_world):
    org = portal_world.organization.pk
    for who in (portal_world.billing, portal_world.event, portal_world.plain):
        response = signed_in(who.contact).post(
            f"/members/{org}/colleagues/{portal_world.pending.pk}/confirm/"
        )
        assert response.status_code == 403
    assert Affiliation.objects.get(pk=portal_world.pending.pk).status == "pending"


def test_inviting_someone_waiting_for_confirmation_points_to_the_confirmation(portal_world):
    org = portal_world.organization.pk
    response = signed_in(portal_world.primary.contact).post(
        f"/members/{org}/colleagues/",
        {"first_name": "Quinn", "last_name": "X", "email": "quinn@elsewhere.example.com"},
    )
    assert response.status_code == 400
    assert "confirm them under Waiting for your confirmation" in response.content.decode()
