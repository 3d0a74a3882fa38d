"""Reverting a record from its history page restores only what a person may edit in its change
form; status, the dates the steps set, money and counters stay as they are."""

from datetime import date

import pytest
from django.urls import reverse

from billing.models import Invoice
from crm.models import Membership, Pledge
from crm.roles import EVENTS, FINANCE, MEMBERSHIP, READ_ONLY
from crm.services import memberships as membership_services
from crm.services.pledges import _pledge_confirm as pledge_confirm
from crm.services.pledges import pledge_cancel
from events.models import Event, Registration
from events.selectors import registration_invoice
from events.services import event_cancel, registration_cancel
from events.services.common import seats_held
from tests.api.staff.events_data import make_registration
from tests.crm.admin_forms import form_data
from tests.factories import EventFactory, MembershipFactory, PledgeFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db


def oldest_version_url(record, admin_name: str) -> str:
    version = record.history.order_by("history_id").first()
    return reverse(f"admin:{admin_name}_simple_history", args=[record.pk, version.history_id])


def revert(client, record, admin_name: str):
    """Open the oldest version and submit its form unchanged, as the revert button does."""
    url = oldest_version_url(record, admin_name)
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(url, form_data(page))
    if response.status_code == 200:  # the form refused: say why
        print(response.context["adminform"].form.errors)
    return response


@pytest.fixture
def active_membership() -> Membership:
    membership = MembershipFactory(application_message="We make widgets.")
    membership.application_message = "We make widgets and gears."
    membership.save()
    membership_services._membership_approve(membership=membership)
    membership_services.membership_record_payment(
        membership=membership, period_end=date(2026, 12, 31)
    )
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ACTIVE
    return membership


def test_it_keeps_an_active_membership_active_when_reverted(client_for, active_membership):
    transitions = active_membership.transitions.count()

    response = revert(client_for(MEMBERSHIP), active_membership, "crm_membership")

    assert response.status_code == 302
    membership = Membership.objects.get(pk=active_membership.pk)
    assert membership.status == Membership.Status.ACTIVE
    assert membership.paid_through == date(2026, 12, 31)
    assert membership.member_since == active_membership.member_since
    assert membership.status_changed_at == active_membership.status_changed_at
    assert membership.transitions.count() == transitions
    # What the form edits does come back.
    assert membership.application_message == "We make widgets."


def test_it_shows_the_current_status_on_the_past_version(client_for, active_membership):
    page = client_for(MEMBERSHIP).get(oldest_version_url(active_membership, "crm_membership"))

    assert page.status_code == 200
    assert page.context["original"].status == Membership.Status.ACTIVE


def test_it_keeps_a_cancelled_pledge_cancelled_when_reverted(client_for):
    pledge = PledgeFactory(message="first words")
    pledge_confirm(pledge=pledge)
    pledge_cancel(pledge=pledge, reason="The company was sold.")

    response = revert(client_for(MEMBERSHIP), pledge, "crm_pledge")

    assert response.status_code == 302
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.CANCELLED
    assert pledge.confirmed_at is not None
    assert pledge.status_reason == "The company was sold."


def test_it_keeps_a_cancelled_registration_cancelled_when_reverted(client_for):
    ticket = TicketTypeFactory(capacity=3)
    registration = make_registration(ticket, quantity=2)
    invoice = registration_invoice(registration)
    registration_cancel(registration=registration, reason="Cannot come.", notify=False)
    assert seats_held(ticket.pk) == 0

    response = revert(client_for(EVENTS), registration, "events_registration")

    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED
    assert Invoice.objects.count() == 1
    assert registration.hold_expires_at is None
    assert seats_held(ticket.pk) == 0
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.VOID


def test_it_reverts_a_cancelled_event_without_reopening_it(client_for):
    event = EventFactory(title="Annual Dinner")
    event.title = "Annual Dinner 2026"
    event.save()
    event_cancel(event=event, reason="The venue flooded.")

    response = revert(client_for(EVENTS), event, "events_event")

    assert response.status_code == 302
    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED
    assert event.status_reason == "The venue flooded."
    assert event.title == "Annual Dinner"


def test_it_does_not_publish_a_draft_event_by_reverting_it(client_for):
    event = EventFactory(status=Event.Status.PUBLISHED, title="Breakfast")
    event.status = Event.Status.DRAFT
    event.title = "Breakfast (moved)"
    event.save()

    response = revert(client_for(EVENTS), event, "events_event")

    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.status, event.title) == (Event.Status.DRAFT, "Breakfast")


def test_it_ignores_a_status_posted_to_the_revert(client_for, active_membership):
    url = oldest_version_url(active_membership, "crm_membership")
    client = client_for(MEMBERSHIP)
    data = form_data(client.get(url))
    data.update(status="applied", paid_through="", member_since="")

    response = client.post(url, data)

    assert response.status_code == 302
    active_membership.refresh_from_db()
    assert active_membership.status == Membership.Status.ACTIVE


@pytest.mark.parametrize("role", [FINANCE, READ_ONLY])
def test_it_refuses_a_membership_revert_to_roles_that_may_not_change_it(
    client_for, active_membership, role
):
    url = oldest_version_url(active_membership, "crm_membership")

    response = client_for(role).post(url, {"start_date": "2026-01-01"})

    assert response.status_code == 403
    active_membership.refresh_from_db()
    assert active_membership.application_message == "We make widgets and gears."
