"""The admin's side of pledges that renew: a back-dated pledge entered with its past settled,
and the renewal proposals accepted or declined from their list."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import Invoice
from crm.models import Pledge, PledgeRenewalProposal
from tests.api.staff.conftest import make_renewal_proposal
from tests.factories import InvestorLevelFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def test_it_adds_a_back_dated_pledge_with_the_past_paid_outside(client_for):
    client = client_for("Membership")
    start = timezone.localdate().replace(day=1) - timedelta(days=800)
    form = {
        "organization": OrganizationFactory().pk,
        "level": InvestorLevelFactory(minimum_annual_amount=Decimal("5000")).pk,
        "annual_amount": "6000.00",
        "start_date": start.isoformat(),
        "term_years": 3,
        "installments_per_year": 4,
        "message": "",
        "match_note": "",
        "past_installments": "settled",
    }

    assert "Paid outside this system" in client.get("/admin/crm/pledge/add/").content.decode()
    response = client.post("/admin/crm/pledge/add/", form)

    assert response.status_code == 302, response.context["adminform"].form.errors
    pledge = Pledge.objects.get()
    past = pledge.installments.filter(due_date__lt=timezone.localdate())
    assert past.count() >= 8
    assert not past.filter(settled_outside=False).exists()
    assert not pledge.installments.filter(
        due_date__gte=timezone.localdate(), settled_outside=True
    ).exists()


def test_it_accepts_and_declines_renewals_from_the_list(client_for):
    client = client_for("Membership")
    accepted, declined = make_renewal_proposal(), make_renewal_proposal()
    url = "/admin/crm/pledgerenewalproposal/"

    assert client.get(url).status_code == 200
    client.post(url, {"action": "accept", "_selected_action": [accepted.pk]})
    client.post(url, {"action": "accept", "_selected_action": [accepted.pk]})
    client.post(
        url,
        {
            "action": "decline",
            "_selected_action": [declined.pk],
            "apply": "yes",
            "reason": "Moving the budget to events.",
        },
    )

    accepted.refresh_from_db()
    declined.refresh_from_db()
    assert accepted.status == PledgeRenewalProposal.Status.ACCEPTED
    assert accepted.next_pledge.status == Pledge.Status.CONFIRMED
    assert (declined.status, declined.status_reason) == ("declined", "Moving the budget to events.")
    assert Pledge.objects.count() == 3
    assert not Invoice.objects.filter(lines__pledge_installment__pledge=declined.pledge).exists()
