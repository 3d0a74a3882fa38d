from datetime import date
from decimal import Decimal

import pytest

from billing.models import Invoice
from crm.models import Pledge, PledgeRenewalProposal
from tests.api.staff.conftest import make_renewal_proposal
from tests.factories import InvestorLevelFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/pledge-renewals/"


def test_it_lists_the_proposals_with_their_explanation(membership_api):
    proposal = make_renewal_proposal(annual_amount=Decimal("6000.00"))
    make_renewal_proposal()
    PledgeRenewalProposal.objects.exclude(pk=proposal.pk).update(status="declined")

    body = membership_api.get(f"{URL}?status=proposed").json()

    [row] = body["results"]
    assert (row["id"], row["pledge"], row["status"], row["next_pledge"]) == (
        proposal.pk,
        proposal.pledge_id,
        "proposed",
        None,
    )
    assert (row["annual_amount"], row["start_date"]) == ("6000.00", "2029-01-01")
    assert row["explanation"] == proposal.explanation
    assert row["organization_name"] == proposal.pledge.organization.name


def test_it_accepts_a_proposal_once_into_the_next_confirmed_pledge(membership_api):
    proposal = make_renewal_proposal()

    first = membership_api.post(f"{URL}{proposal.pk}/accept/", {}, format="json")
    again = membership_api.post(f"{URL}{proposal.pk}/accept/", {}, format="json")

    assert first.status_code == again.status_code == 200, first.json()
    assert first.json()["status"] == "accepted"
    assert first.json()["next_pledge"] == again.json()["next_pledge"]
    renewed = Pledge.objects.get(pk=first.json()["next_pledge"])
    assert (renewed.status, renewed.start_date) == (Pledge.Status.CONFIRMED, date(2029, 1, 1))
    assert Pledge.objects.count() == 2


def test_it_declines_with_a_reason_and_refuses_to_accept_after(membership_api):
    proposal = make_renewal_proposal()

    missing = membership_api.post(f"{URL}{proposal.pk}/decline/", {}, format="json")
    declined = membership_api.post(
        f"{URL}{proposal.pk}/decline/", {"reason": "Budget review."}, format="json"
    )
    refused = membership_api.post(f"{URL}{proposal.pk}/accept/", {}, format="json")

    assert missing.status_code == 400
    assert declined.status_code == 200
    assert (declined.json()["status"], declined.json()["status_reason"]) == (
        "declined",
        "Budget review.",
    )
    assert refused.status_code == 409
    assert "was declined" in str(refused.json())
    assert Pledge.objects.count() == 1


def test_it_creates_a_back_dated_pledge_with_its_past_installments_settled(membership_api):
    level = InvestorLevelFactory(minimum_annual_amount=Decimal("5000"))

    response = membership_api.post(
        "/api/v1/pledges/",
        {
            "organization": OrganizationFactory().pk,
            "level": level.pk,
            "annual_amount": "5000.00",
            "start_date": "2020-01-01",
            "term_years": 2,
            "installments_per_year": 1,
            "past_installments": "settled",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert [i["settled_outside"] for i in response.json()["installments"]] == [True, True]
    assert "past_installments" not in response.json()
    pledge = Pledge.objects.get()
    confirmed = membership_api.post(f"/api/v1/pledges/{pledge.pk}/confirm/", {}, format="json")
    assert confirmed.status_code == 200
    assert not Invoice.objects.exists()
