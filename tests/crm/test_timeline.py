"""The organization's timeline (every app's entries, newest first) and its history page saying
what changed when only its people did."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing import services as billing
from crm.models import Affiliation, Interaction, Membership
from crm.roles import MEMBERSHIP
from crm.selectors.timeline import organization_timeline
from crm.services import note_create
from crm.services.memberships import _membership_approve
from crm.services.pipeline import interaction_record
from events.services import AttendeeDetails, registration_check_in, registration_create
from tests.api.staff.conftest import make_payment, make_refund
from tests.factories import (
    AffiliationFactory,
    MembershipFactory,
    OrganizationFactory,
    TicketTypeFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy():
    """An organization with a little of everything: a membership approved, an invoice paid in
    part and refunded in part, a note, a call, and a person registered and checked in."""
    organization = OrganizationFactory(name="Riverfront Bakery")
    AffiliationFactory(organization=organization, is_billing=True)
    membership = MembershipFactory(organization=organization, status=Membership.Status.APPLIED)
    _membership_approve(membership=membership)
    invoice = billing.invoice_issue(
        invoice=billing.invoice_create_for_membership(membership=membership)
    )
    make_refund(make_payment(invoice, amount="100.00"), amount="40.00")
    person = organization.affiliations.get().contact
    note_create(body="Wants a table at the gala.", organization=organization)
    interaction_record(
        organization=organization,
        kind=Interaction.Kind.CALL,
        occurred_on=timezone.localdate() - timedelta(days=3),
        summary="Asked about sponsorship.",
        contact=person,
    )
    ticket = TicketTypeFactory(
        event__title="Coffee Connections", member_price=Decimal(0), non_member_price=Decimal(0)
    )
    registration = registration_create(
        event=ticket.event,
        ticket_type=ticket,
        contact=person,
        organization_name=organization.name,
        attendees=[AttendeeDetails(first_name=person.first_name, last_name=person.last_name)],
    )
    registration_check_in(registration=registration)
    return organization


def test_it_puts_every_app_on_one_timeline_newest_first(busy):
    entries = organization_timeline(organization_id=busy.pk)
    kinds = {e.kind for e in entries}
    text = "\n".join(e.summary for e in entries)

    assert {"invoice", "payment", "refund", "note", "interaction", "event", "mail"} <= kinds
    assert "Approved" in text and "issued for $600.00" in text
    assert "Refund of $40.00" in text
    assert "checked in at Coffee Connections" in text
    assert "Call with" in text and "Wants a table at the gala." in text
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)


def test_it_shows_the_timeline_on_the_organization_page(client_for, busy):
    page = client_for(MEMBERSHIP).get(f"/admin/crm/organization/{busy.pk}/change/")

    html = page.content.decode()
    assert page.status_code == 200
    assert 'class="org-timeline"' in html
    assert "registered for Coffee Connections" in html
    assert "$600.00" in html


def test_its_history_says_who_became_the_primary_representative(client_for):
    first = AffiliationFactory(
        is_primary=True, contact__first_name="Ana", contact__last_name="Diaz"
    )
    organization = first.organization
    second = AffiliationFactory(
        organization=organization,
        is_primary=False,
        contact__first_name="Ben",
        contact__last_name="Okafor",
    )
    client = client_for(MEMBERSHIP)
    url = f"/admin/crm/organization/{organization.pk}/change/"
    fields = ["name", "website", "email_domain", "phone", "industry", "employees", "city"]
    fields += ["address_line1", "address_line2", "state", "postal_code", "county"]
    form = {
        **{name: getattr(organization, name) or "" for name in fields},
        "affiliations-TOTAL_FORMS": "2",
        "affiliations-INITIAL_FORMS": "2",
        "affiliations-0-id": first.pk,
        "affiliations-0-contact": first.contact_id,
        "affiliations-0-organization": organization.pk,
        "affiliations-1-id": second.pk,
        "affiliations-1-contact": second.contact_id,
        "affiliations-1-organization": organization.pk,
        "affiliations-1-is_primary": "on",
    }
    for prefix in (
        "affiliations-2",
        "memberships",
        "credit_entries",
        "notes",
        "emails",
        "interactions",
    ):
        form |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    saved = client.post(url, form)
    assert saved.status_code == 302
    assert Affiliation.objects.get(pk=second.pk).is_primary

    history = client.get(f"/admin/crm/organization/{organization.pk}/history/").content.decode()

    assert "Ben Okafor: primary representative" in history
    assert "Ana Diaz: primary representative" in history
