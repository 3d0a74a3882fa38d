"""The history pages: a past version can be seen by whoever may view the record, and reverted to
only by whoever may change it."""

from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import Payment
from crm.models import Membership, Organization
from crm.roles import FINANCE, MEMBERSHIP, READ_ONLY
from tests.api.staff.conftest import make_payment
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def version_url(record, admin_name: str) -> str:
    version = record.history.order_by("history_id").first()
    return reverse(f"admin:{admin_name}_simple_history", args=[record.pk, version.history_id])


@pytest.fixture
def renamed() -> Organization:
    organization = OrganizationFactory(name="Acme Widgets")
    organization.name = "Acme Widgets & Gears"
    organization.save()
    return organization


def test_it_shows_a_past_version_to_staff_who_may_view(client_for, renamed):
    response = client_for(READ_ONLY).get(version_url(renamed, "crm_organization"))

    assert response.status_code == 200
    assert "Acme Widgets" in response.content.decode()


def test_it_refuses_a_revert_to_staff_who_may_only_view(client_for, renamed):
    response = client_for(READ_ONLY).post(
        version_url(renamed, "crm_organization"), {"name": "Acme Widgets"}
    )

    assert response.status_code == 403
    renamed.refresh_from_db()
    assert renamed.name == "Acme Widgets & Gears"


def test_it_lets_membership_staff_revert(client_for, renamed):
    response = client_for(MEMBERSHIP).post(
        version_url(renamed, "crm_organization"), {"name": "Acme Widgets", "state": "CT"}
    )

    assert response.status_code == 302
    renamed.refresh_from_db()
    assert renamed.name == "Acme Widgets"


def test_it_lets_no_one_edit_a_payment_through_its_history(client_for):
    payment = make_payment(amount="100.00")
    form = {
        "invoice": payment.invoice_id,
        "method": "check",
        "status": "succeeded",
        "amount": "1.00",
        "fee": "0.00",
        "currency": "usd",
        "received_on": "2026-11-01",
        "check_number": "1",
    }

    response = client_for(FINANCE).post(version_url(payment, "billing_payment"), form)

    assert response.status_code == 403
    assert Payment.objects.get(pk=payment.pk).amount == Decimal("100.00")


def test_it_sends_the_queue_history_to_the_memberships(client_for):
    application = MembershipFactory(status=Membership.Status.APPLIED)
    version = application.history.first()
    client = client_for(READ_ONLY)

    listing = client.get(reverse("admin:crm_application_history", args=[application.pk]))
    past = client.get(f"/admin/crm/application/{application.pk}/history/{version.history_id}/")
    revert = client.post(f"/admin/crm/application/{application.pk}/history/{version.history_id}/")

    assert listing["Location"] == reverse("admin:crm_membership_history", args=[application.pk])
    assert past["Location"] == version_url(application, "crm_membership")
    assert revert.status_code == 403
