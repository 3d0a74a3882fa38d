"""Automatic renewal in the portal: the billing contact saves a card on Stripe's setup page (the
fake gateway plays Stripe) and switches automatic renewal on; refusals change nothing."""

import re

import pytest

from billing.gateways import FakeGateway, use_gateway
from billing.models import SavedPaymentMethod
from crm.models import Membership
from portal.models import PortalAccount
from tests.portal.conftest import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake_stripe():
    with use_gateway(FakeGateway()) as gateway:
        yield gateway


def _page(world) -> str:  # type: ignore[no-untyped-def]
    return f"/members/{world.organization.pk}/payment-method/"


def _to_stripe(client, path: str) -> str:  # type: ignore[no-untyped-def]
    """Press the button; the id of the Checkout its page links to."""
    response = client.post(path)
    assert response.status_code == 200
    found = re.search(
        r'href="https://checkout.stripe.test/c/(\w+)" data-go-now', response.content.decode()
    )
    assert found, response.content.decode()
    return found.group(1)


def save_card(client, world, fake) -> str:  # type: ignore[no-untyped-def]
    """Press the button, play Stripe's page, come back; the page's HTML after it."""
    session_id = _to_stripe(client, f"{_page(world)}setup/")
    back = fake.complete_setup(session_id, brand="mastercard", last4="4444")
    assert back.startswith(f"http://testserver{_page(world)}saved/?session_id=")
    return client.get(back.removeprefix("http://testserver"), follow=True).content.decode()


def test_the_billing_contact_saves_a_card_and_switches_automatic_renewal_on(
    portal_world, fake_stripe
):
    client = signed_in(portal_world.billing.contact)
    page = client.get(_page(portal_world)).content.decode()
    assert "Save a card or bank account for automatic renewal" in page
    assert "Save a card or bank account above to renew automatically." in page

    page = save_card(client, portal_world, fake_stripe)

    assert "Mastercard ending in 4444, expires 12/2030 is saved for automatic renewal." in page
    saved = SavedPaymentMethod.objects.get(organization=portal_world.organization)
    customer = portal_world.organization.__class__.objects.get(
        pk=portal_world.organization.pk
    ).stripe_customer_id
    assert fake_stripe.payment_methods[customer] == saved.stripe_payment_method_id
    portal_user = PortalAccount.objects.get(contact=portal_world.billing.contact).user
    assert saved.history.latest().history_user == portal_user

    response = client.post(
        f"/members/{portal_world.organization.pk}/auto-renew/", {"auto_renew": "on"}, follow=True
    )
    assert "Automatic renewal is on" in response.content.decode()
    membership = Membership.objects.get(pk=portal_world.membership.pk)
    assert membership.auto_renew is True
    latest = membership.history.latest()
    assert latest.history_user == portal_user
    assert latest.history_change_reason.startswith("Member portal, Bea")

    client.post(f"/members/{portal_world.organization.pk}/auto-renew/", {})
    assert Membership.objects.get(pk=portal_world.membership.pk).auto_renew is False


def test_automatic_renewal_is_refused_without_a_saved_payment_method(portal_world, fake_stripe):
    client = signed_in(portal_world.primary.contact)
    response = client.post(
        f"/members/{portal_world.organization.pk}/auto-renew/", {"auto_renew": "on"}, follow=True
    )
    assert "needs a saved card or bank account" in response.content.decode()
    assert Membership.objects.get(pk=portal_world.membership.pk).auto_renew is False


def test_another_organizations_checkout_is_not_recorded_here(portal_world, fake_stripe):
    theirs = signed_in(portal_world.other.contact)
    session_id = _to_stripe(
        theirs, f"/members/{portal_world.other_organization.pk}/payment-method/setup/"
    )
    fake_stripe.complete_setup(session_id)

    ours = signed_in(portal_world.primary.contact)
    page = ours.get(f"{_page(portal_world)}saved/?session_id={session_id}", follow=True)
    assert "is not one that saves a payment method" in page.content.decode()
    assert not SavedPaymentMethod.objects.exists()


def test_without_stripe_the_page_says_how_renewals_are_paid(portal_world):
    client = signed_in(portal_world.billing.contact)
    assert "does not take payments online" in client.get(_page(portal_world)).content.decode()
    response = client.post(f"{_page(portal_world)}setup/", follow=True)
    assert "needs online payments (Stripe)" in response.content.decode()
