"""A pledge's renewal proposal accepted in the portal by the primary representative, through
the service staff use: the explained amount is shown, the next pledge is made once."""

import pytest

from crm.models import Pledge, PledgeRenewalProposal
from crm.services.renewals import pledge_renewal_propose
from portal.models import PortalAccount
from tests.portal.conftest import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal(portal_world) -> PledgeRenewalProposal:  # type: ignore[no-untyped-def]
    pledge = Pledge.objects.get(organization=portal_world.organization)
    return pledge_renewal_propose(pledge=pledge)


def _accept(portal_world, proposal) -> str:  # type: ignore[no-untyped-def]
    return f"/members/{portal_world.organization.pk}/pledge-renewals/{proposal.pk}/accept/"


def test_the_primary_representative_sees_the_explained_amount_and_accepts(portal_world, proposal):
    client = signed_in(portal_world.primary.contact)
    page = client.get(f"/members/{portal_world.organization.pk}/").content.decode()
    assert "Renew your investment" in page
    assert proposal.explanation in page
    assert "Accept the renewal" in page

    response = client.post(_accept(portal_world, proposal), follow=True)

    proposal.refresh_from_db()
    assert proposal.status == "accepted"
    pledge = proposal.next_pledge
    assert (pledge.level, pledge.annual_amount, pledge.status) == (
        proposal.level,
        proposal.annual_amount,
        "confirmed",
    )
    assert "is confirmed" in response.content.decode()
    assert "Renew your investment" not in response.content.decode()
    portal_user = PortalAccount.objects.get(contact=portal_world.primary.contact).user
    assert proposal.decided_by == portal_user
    assert proposal.history.latest().history_user == portal_user
    # Pressing again (a second tab) makes no second pledge.
    assert client.post(_accept(portal_world, proposal)).status_code == 404
    assert Pledge.objects.filter(organization=portal_world.organization).count() == 2


def test_others_neither_see_nor_accept_it(portal_world, proposal):
    billing = signed_in(portal_world.billing.contact)
    assert (
        "Accept the renewal"
        not in billing.get(f"/members/{portal_world.organization.pk}/").content.decode()
    )
    assert billing.post(_accept(portal_world, proposal)).status_code == 403
    other = signed_in(portal_world.other.contact)
    wrong_org = (
        f"/members/{portal_world.other_organization.pk}/pledge-renewals/{proposal.pk}/accept/"
    )
    assert other.post(wrong_org).status_code == 404
    proposal.refresh_from_db()
    assert proposal.status == "proposed"
