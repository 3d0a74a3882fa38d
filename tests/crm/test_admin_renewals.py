"""The renewals page, the plan-change and reinstatement actions, and the organization's email
log, driven through the admin as membership staff."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.contrib.messages import get_messages

from billing.models import Invoice, InvoiceReminder
from core.mail import send_templated
from crm.models import Membership, MembershipPlanChange
from crm.services.renewals import renewals_run
from tests.factories import AffiliationFactory, MembershipFactory, OrganizationFactory, PlanFactory

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/crm/membership/"
RENEWALS = "/admin/crm/membership/renewals/"


@pytest.fixture(autouse=True)
def _december_2026():
    with time_machine.travel("2026-12-01 12:00:00-05:00", tick=False):
        yield


@pytest.fixture
def client(client, make_staff):
    client.force_login(make_staff("Membership"))
    return client


def _member(name: str, paid_through: date, status: str = "active", **plan) -> Membership:
    organization = OrganizationFactory(name=name)
    AffiliationFactory(organization=organization, contact__email=f"{name[:4].lower()}@x.example")
    membership = MembershipFactory(
        organization=organization,
        status=status,
        plan=PlanFactory(flat_amount="600.00", **plan),
    )
    Membership.objects.filter(pk=membership.pk).update(paid_through=paid_through)
    membership.refresh_from_db()
    return membership


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_it_shows_the_five_groups_of_renewals(client):
    _member("Due Soon Co", date(2027, 1, 15), renewal_lead_days=10)
    _member("Invoiced Co", date(2026, 12, 31))
    reminded = _member("Reminded Co", date(2026, 12, 31))
    renewals_run(today=date(2026, 12, 1))
    reminder_invoice = Invoice.objects.get(lines__membership=reminded)
    InvoiceReminder.objects.create(invoice=reminder_invoice, kind="due-14")
    _member("Grace Co", date(2026, 11, 20), status="grace")
    lapsed = _member("Lapsed Co", date(2026, 10, 1), status="lapsed")
    Membership.objects.filter(pk=lapsed.pk).update(status_changed_at="2026-12-01T10:00:00-05:00")
    _member("Far Off Co", date(2027, 6, 30))

    page = client.get(RENEWALS).content.decode()

    def group(key: str) -> str:
        start = page.index(f'id="group-{key}"')
        return page[start : page.index("</form>", start)]

    assert "Due Soon Co" in group("due") and "Invoiced Co" not in group("due")
    assert "Invoiced Co" in group("invoiced") and "Reminded Co" not in group("invoiced")
    assert "Reminded Co" in group("reminded")
    assert "Grace Co" in group("grace")
    assert "Lapsed Co" in group("lapsed")
    assert "Far Off Co" not in page


def test_it_sends_a_renewal_invoice_now_and_a_reminder_from_the_page(client):
    membership = _member("Due Soon Co", date(2027, 1, 15), renewal_lead_days=10)

    response = client.post(
        RENEWALS, {"action": "send_invoice", "membership": [membership.pk]}, follow=True
    )

    assert "1 sent a renewal invoice." in _messages(response)
    invoice = Invoice.objects.get(lines__membership=membership)
    assert (invoice.status, invoice.due_date) == ("open", date(2027, 1, 16))

    response = client.post(
        RENEWALS, {"action": "send_reminder", "membership": [membership.pk]}, follow=True
    )
    assert "1 reminded." in _messages(response)
    response = client.post(
        RENEWALS, {"action": "send_reminder", "membership": [membership.pk]}, follow=True
    )
    assert f"{membership}: A reminder of invoice {invoice.number} was already sent today." in (
        _messages(response)
    )
    assert invoice.reminders.count() == 1


def test_it_wants_a_reason_to_drop_from_the_page(client):
    membership = _member("Grace Co", date(2026, 11, 20), status="grace")

    response = client.post(RENEWALS, {"action": "drop", "membership": [membership.pk]}, follow=True)
    assert f"{membership}: Say why the membership is dropped." in _messages(response)

    client.post(RENEWALS, {"action": "drop", "membership": [membership.pk], "reason": "closed"})
    membership.refresh_from_db()
    assert membership.status == "cancelled"


def test_it_lets_read_only_staff_see_the_page_but_not_act(client_for):
    membership = _member("Grace Co", date(2026, 11, 20), status="grace")
    client = client_for("Read-only")

    assert client.get(RENEWALS).status_code == 200
    response = client.post(
        RENEWALS, {"action": "drop", "membership": [membership.pk], "reason": "x"}
    )
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.status == "grace"


def test_it_changes_plan_through_the_action_form(client):
    membership = _member("Upgrader Co", date(2026, 12, 31))
    gold = PlanFactory(name="Gold", flat_amount="1800.00")

    form = client.post(CHANGELIST, {"action": "change_plan", "_selected_action": [membership.pk]})
    assert "Change plan" in form.content.decode()

    response = client.post(
        CHANGELIST,
        {
            "action": "change_plan",
            "_selected_action": [membership.pk],
            "apply": "1",
            "plan": gold.pk,
        },
        follow=True,
    )

    assert "1 changed." in _messages(response)
    change = MembershipPlanChange.objects.get()
    # $1,200 more a year, for December alone.
    assert change.invoice.total == Decimal("100.00")


def test_it_reinstates_with_a_fee_through_the_action_form(client):
    membership = _member("Returning Co", date(2025, 12, 31), status="lapsed")

    response = client.post(
        CHANGELIST,
        {
            "action": "reinstate_with_fee",
            "_selected_action": [membership.pk],
            "apply": "1",
            "fee": "40.00",
            "reason": "came back",
        },
        follow=True,
    )

    assert "1 reinstated." in _messages(response)
    invoice = Invoice.objects.get()
    assert invoice.total == Decimal("640.00")


def test_it_shows_the_mail_sent_to_an_organization(client):
    organization = OrganizationFactory(name="Mailed Co")
    send_templated(
        to=["a@mailed.example"],
        template="membership_lapsed",
        subject="Your membership has lapsed",
        context={"organization": organization, "membership": None},
        reason="membership lapsed",
        organization=organization,
    )

    page = client.get(f"/admin/crm/organization/{organization.pk}/change/").content.decode()

    assert "Your membership has lapsed" in page
    assert "a@mailed.example" in page
    assert "membership lapsed" in page
