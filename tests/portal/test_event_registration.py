"""Registering oneself and colleagues for events from the portal: the member price and
members-only tickets because the contact is signed in at a member organization, a paid seat
invoiced to the organization, refusals that change nothing, and cancelling a colleague's seat."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.test import TestCase
from django.utils import timezone

from billing.gateways import FakeGateway, use_gateway
from billing.models import Invoice
from crm.models import Affiliation, Membership
from events.models import Registration
from portal.models import PortalAccount
from tests.factories import AffiliationFactory, TicketTypeFactory
from tests.permission_world import changed_tables, database_state
from tests.portal.conftest import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def gala(portal_world):
    """A paid dinner: $95 for members, $140 for others, ten seats, no waitlist."""
    return TicketTypeFactory(
        event__title="Annual Gala",
        event__waitlist_enabled=False,
        name="Dinner",
        member_price=Decimal("95.00"),
        non_member_price=Decimal("140.00"),
        capacity=10,
    )


def _register(client, world, ticket, *contacts):  # type: ignore[no-untyped-def]
    org = world.organization.pk
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            f"/members/{org}/events/{ticket.event_id}/register/",
            {"ticket_type": ticket.pk, "contacts": [c.pk for c in contacts]},
        )


def test_the_event_contact_registers_colleagues_at_member_price_invoiced_to_the_organization(
    portal_world, gala
):
    eli, pat, bea = portal_world.event.contact, portal_world.plain.contact, portal_world.billing
    client = signed_in(eli)
    org = portal_world.organization.pk
    page = client.get(f"/members/{org}/events/").content.decode()
    assert "Annual Gala" in page and "$95.00" in page
    form = client.get(f"/members/{org}/events/{gala.event_id}/register/").content.decode()
    assert "Pat " in form and "Dana " in form and "(you)" in form

    with use_gateway(FakeGateway()):
        response = _register(client, portal_world, gala, eli, pat)
    assert response.status_code == 302
    made = Registration.objects.filter(event=gala.event).order_by("contact__first_name")
    assert [r.contact for r in made] == [eli, pat]
    for registration in made:
        assert registration.member_pricing and registration.total == Decimal("95.00")
        assert registration.payment == "invoice" and registration.status == "pending_payment"
        assert registration.organization == portal_world.organization
        assert (
            registration.history.latest().history_user
            == PortalAccount.objects.get(contact=eli).user
        )
    invoices = Invoice.objects.filter(lines__registration__in=made)
    assert {i.organization for i in invoices} == {portal_world.organization}
    assert all(i.stripe_hosted_url and i.status == "open" for i in invoices)
    # The invoices go to the billing contact; each person registered gets the registration mail.
    assert {tuple(m.to) for m in mail.outbox} >= {(bea.contact.email,), (pat.email,)}

    listing = client.get(f"/members/{org}/events/").content.decode()
    assert f"Cancel the registration of {pat.full_name}" in listing
    billing_page = signed_in(bea.contact).get(f"/members/{org}/invoices/").content.decode()
    for invoice in invoices:
        assert invoice.number in billing_page
        assert invoice.stripe_hosted_url in billing_page


def test_anyone_at_the_organization_registers_themselves_but_not_a_colleague(portal_world, gala):
    pat, eli = portal_world.plain.contact, portal_world.event.contact
    client = signed_in(pat)
    form = client.get(
        f"/members/{portal_world.organization.pk}/events/{gala.event_id}/register/"
    ).content.decode()
    assert "Eli " not in form
    before = database_state()
    response = _register(client, portal_world, gala, pat, eli)
    assert response.status_code == 403
    assert "Only the event contact or the primary representative" in response.content.decode()
    assert not changed_tables(before, database_state())

    assert _register(client, portal_world, gala, pat).status_code == 302
    (registration,) = Registration.objects.filter(event=gala.event)
    assert registration.contact == pat and registration.price_each == Decimal("95.00")


def test_a_members_only_ticket_is_open_to_the_organizations_people(portal_world):
    ticket = TicketTypeFactory(name="Members' table", members_only=True)
    client = signed_in(portal_world.plain.contact)
    assert _register(client, portal_world, ticket, portal_world.plain.contact).status_code == 302
    assert Registration.objects.get(ticket_type=ticket).member_pricing


@pytest.mark.parametrize("problem", ["already registered", "sold out", "closed", "pending"])
def test_it_shows_why_it_refuses_and_changes_nothing(portal_world, gala, problem):
    dana, pat = portal_world.primary.contact, portal_world.plain.contact
    people = [dana, pat]
    expected = {
        "already registered": "Pat Smith is already registered for Annual Gala.",
        "sold out": "Dinner tickets are sold out (only 1 left) and this event keeps no waitlist.",
        "closed": "Registration for Annual Gala is closed.",
        "pending": "Choose among the people listed: those confirmed at the organization.",
    }[problem]
    pat.last_name = "Smith"
    pat.save()
    if problem == "already registered":
        _register(signed_in(pat), portal_world, gala, pat)
    elif problem == "sold out":
        gala.capacity = 1
        gala.save()
    elif problem == "closed":
        gala.event.registration_closes_at = timezone.now() - timedelta(minutes=1)
        gala.event.save()
    else:
        newcomer = AffiliationFactory(
            organization=portal_world.organization,
            status=Affiliation.Status.PENDING,
            is_primary=False,
        ).contact
        people = [newcomer]
    client = signed_in(dana)
    before = database_state()
    response = _register(client, portal_world, gala, *people)
    assert response.status_code == 400
    assert expected in response.content.decode().replace("&#x27;", "'")
    assert not changed_tables(before, database_state())


def test_an_organization_that_is_not_a_member_gets_no_member_price(portal_world, gala):
    Membership.objects.filter(pk=portal_world.membership.pk).update(status=Membership.Status.LAPSED)
    client = signed_in(portal_world.primary.contact)
    page = client.get(f"/members/{portal_world.organization.pk}/events/").content.decode()
    assert "membership is not current" in page
    before = database_state()
    response = _register(client, portal_world, gala, portal_world.primary.contact)
    assert response.status_code == 400
    assert "Member prices are for member organizations" in response.content.decode()
    assert not changed_tables(before, database_state())


def test_the_event_contact_cancels_a_colleagues_registration_and_its_invoice_is_voided(
    portal_world, gala
):
    eli, pat = portal_world.event.contact, portal_world.plain.contact
    _register(signed_in(eli), portal_world, gala, pat)
    registration = Registration.objects.get(event=gala.event, contact=pat)
    org = portal_world.organization.pk
    path = f"/members/{org}/registrations/{registration.pk}/cancel/"

    refused = signed_in(portal_world.billing.contact).post(path)
    assert refused.status_code == 403
    registration.refresh_from_db()
    assert registration.status == "pending_payment"

    response = signed_in(eli).post(path, follow=True)
    assert f"The registration of {pat.full_name} for Annual Gala is cancelled." in (
        response.content.decode()
    )
    registration.refresh_from_db()
    assert registration.status == "cancelled"
    assert "by Eli" in registration.status_reason
    assert Invoice.objects.get(lines__registration=registration).status == "void"


def test_another_organizations_registration_is_the_same_404_as_a_missing_one(portal_world, gala):
    olga = portal_world.other.contact
    _register(signed_in(olga), portal_world, gala, olga)  # refused: not at Front Street
    assert not Registration.objects.filter(contact=olga).exists()
    other_org = portal_world.other_organization
    client = signed_in(olga)
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(
            f"/members/{other_org.pk}/events/{gala.event_id}/register/",
            {"ticket_type": gala.pk, "contacts": [olga.pk]},
        )
    theirs = Registration.objects.get(contact=olga)
    dana = signed_in(portal_world.primary.contact)
    org = portal_world.organization.pk
    first = dana.post(f"/members/{org}/registrations/{theirs.pk}/cancel/")
    second = dana.post(f"/members/{org}/registrations/999999/cancel/")
    assert first.status_code == second.status_code == 404
    assert first.content == second.content
    theirs.refresh_from_db()
    assert theirs.status == "pending_payment"
    unpublished = TicketTypeFactory(event__status="draft")
    for event_id in (unpublished.event_id, 999999):
        assert dana.get(f"/members/{org}/events/{event_id}/register/").status_code == 404


def test_the_service_refuses_someone_not_confirmed_at_the_organization(portal_world, gala):
    from core.exceptions import InvalidData
    from portal.event_services import portal_event_register

    with pytest.raises(InvalidData) as refused:
        portal_event_register(
            organization=portal_world.organization,
            event=gala.event,
            ticket_type=gala,
            contacts=[portal_world.other.contact],
            by_contact=portal_world.primary.contact,
        )
    assert refused.value.field == "contacts"
    assert "Olga" in refused.value.message and "not confirmed at Front Street" in (
        refused.value.message
    )
    assert not Registration.objects.filter(event=gala.event).exists()
