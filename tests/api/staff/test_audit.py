"""The audit trail of the staff API: what a token's user changes is recorded as theirs, with the
reason they sent, and staff see it on the record's History page in the admin."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.html import escape
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from api.views import crm as crm_views
from billing.models import Invoice, Payment, Refund
from crm import services
from crm.models import Membership, Organization, Pledge
from tests.api.staff.conftest import make_invoice, make_payment
from tests.factories import MembershipFactory, OrganizationFactory, PledgeFactory

pytestmark = pytest.mark.django_db
Status = Membership.Status


@pytest.fixture
def token_user(make_staff) -> Callable[[str], tuple[Any, APIClient]]:
    def make(role: str) -> tuple[Any, APIClient]:
        user = make_staff(role)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
        return user, client

    return make


def history_page(user: Any, record: Any) -> str:
    """The record's History page in the admin, as the same staff member sees it."""
    client = Client()
    client.force_login(user)
    opts = record._meta
    response = client.get(f"/admin/{opts.app_label}/{opts.model_name}/{record.pk}/history/")
    assert response.status_code == 200
    return response.content.decode()


def paid_invoice() -> Invoice:
    invoice = make_invoice()
    make_payment(invoice, amount=str(invoice.total))
    invoice.refresh_from_db()
    return invoice


@dataclass
class Step:
    role: str
    make: Callable[[], Any]
    path: str
    body: Callable[[Any], dict[str, Any]]
    reason: str
    # The record whose history shows the step (the one posted to, unless told).
    shows_on: Callable[[Any], Any] = lambda record: record


STEPS = {
    "membership approve": Step(
        "Membership", MembershipFactory, "memberships/{}/approve/", lambda m: {}, "approved"
    ),
    "membership approve with a reason": Step(
        "Membership",
        MembershipFactory,
        "memberships/{}/approve/",
        lambda record: {"reason": "Board vote of 3 December"},
        "Board vote of 3 December",
    ),
    "membership reject": Step(
        "Membership",
        MembershipFactory,
        "memberships/{}/reject/",
        lambda record: {"reason": "Not in our counties"},
        "Not in our counties",
    ),
    "membership drop": Step(
        "Membership",
        lambda: MembershipFactory(status=Status.ACTIVE),
        "memberships/{}/drop/",
        lambda record: {"reason": "Stopped paying"},
        "Stopped paying",
    ),
    "membership reinstate": Step(
        "Membership",
        lambda: MembershipFactory(status=Status.LAPSED, paid_through=date(2030, 12, 31)),
        "memberships/{}/reinstate/",
        lambda record: {"reason": "Paid at the gala"},
        "Paid at the gala",
    ),
    "pledge confirm": Step(
        "Membership", PledgeFactory, "pledges/{}/confirm/", lambda p: {}, "confirmed"
    ),
    "pledge decline": Step(
        "Membership",
        PledgeFactory,
        "pledges/{}/decline/",
        lambda record: {"reason": "Budget cut"},
        "Budget cut",
    ),
    "pledge cancel": Step(
        "Membership",
        lambda: PledgeFactory(status=Pledge.Status.CONFIRMED),
        "pledges/{}/cancel/",
        lambda record: {"reason": "Merged with another firm"},
        "Merged with another firm",
    ),
    "invoice issue": Step(
        "Finance", lambda: make_invoice(issue=False), "invoices/{}/issue/", lambda i: {}, "issued"
    ),
    "invoice void": Step(
        "Finance",
        make_invoice,
        "invoices/{}/void/",
        lambda i: {"reason": "Wrong plan"},
        "Wrong plan",
    ),
    "invoice write off": Step(
        "Finance",
        make_invoice,
        "invoices/{}/write-off/",
        lambda record: {"reason": "Went out of business"},
        "Went out of business",
    ),
    "invoice record payment": Step(
        "Finance",
        make_invoice,
        "invoices/{}/record-payment/",
        lambda invoice: {
            "method": "check",
            "amount": str(invoice.total),
            "check_number": "7781",
            "received_on": timezone.localdate().isoformat(),
        },
        "Check recorded (number 7781)",
        shows_on=lambda invoice: Payment.objects.get(invoice=invoice),
    ),
    "invoice refund": Step(
        "Finance",
        paid_invoice,
        "invoices/{}/refund/",
        lambda invoice: {"payment": invoice.payments.get().pk, "reason": "Paid by mistake"},
        "Paid by mistake",
        shows_on=lambda invoice: Refund.objects.get(payment__invoice=invoice),
    ),
}


@pytest.mark.parametrize("name", list(STEPS))
def test_it_records_the_token_user_and_reason_of_each_step(token_user, name):
    step = STEPS[name]
    user, api = token_user(step.role)
    record = step.make()
    before = timezone.now()

    response = api.post(f"/api/v1/{step.path.format(record.pk)}", step.body(record), format="json")

    assert response.status_code in (200, 201), response.content
    latest = step.shows_on(record).history.first()
    assert latest.history_user == user
    assert step.reason.lower() in latest.history_change_reason.lower()
    assert latest.history_date >= before
    page = history_page(user, step.shows_on(record))
    assert user.username in page
    assert escape(latest.history_change_reason) in page


def test_it_records_who_edited_a_field_through_the_api(token_user):
    user, api = token_user("Membership")
    organization = OrganizationFactory(name="Capitol Insurance")

    response = api.patch(
        f"/api/v1/organizations/{organization.pk}/", {"employees": 240}, format="json"
    )

    assert response.status_code == 200
    latest = organization.history.first()
    assert (latest.history_user, latest.history_change_reason) == (user, "Through the staff API")
    assert [c.field for c in latest.diff_against(latest.prev_record).changes] == ["employees"]
    page = history_page(user, organization)
    assert user.username in page
    assert "Through the staff API" in page


def test_it_records_the_token_user_where_a_service_is_not_told_who(token_user, monkeypatch):
    """The token is checked inside the view, after simple-history's middleware took the
    request: the user must still reach the history of a write that names no one."""
    saved: list[Organization] = []
    organization_save = services.organization_save

    def save_anonymously(*, organization: Organization, by: Any = None) -> Organization:
        saved.append(organization)
        return organization_save(organization=organization)

    monkeypatch.setattr(crm_views.services, "organization_save", save_anonymously)
    user, api = token_user("Membership")
    organization = OrganizationFactory()

    response = api.patch(
        f"/api/v1/organizations/{organization.pk}/", {"city": "New Britain"}, format="json"
    )

    assert response.status_code == 200
    assert saved
    assert organization.history.first().history_user == user
