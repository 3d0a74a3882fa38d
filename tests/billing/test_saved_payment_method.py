"""Saving a card for automatic renewal through Stripe Checkout in setup mode, and the daily job
charging the renewal to it: the real stripe library over HTTP against the Stripe stub."""

# ruff: noqa: F811  (the tests take test_renewals' `member` fixture, imported below)

import json
from datetime import date

import pytest
from django.core import mail
from django.test import Client

from billing.models import SavedPaymentMethod, StripeEvent
from billing.services import payment_method_save_from_checkout, payment_method_setup_start
from core.exceptions import InvalidData, ServiceError
from crm.models import Membership
from crm.services.renewals import membership_auto_renew_set
from tests.billing.stripe_payloads import (
    WEBHOOK_SECRET,
    WEBHOOK_URL,
    committed,
    event,
    sign,
    stripe_object,
)
from tests.billing.stripe_stub import stripe_stub
from tests.billing.test_renewals import mails_to, member, renewal_of, run, run_twice  # noqa: F401
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

SUCCESS = (
    "https://members.example.org/members/1/payment-method/saved/?session_id={CHECKOUT_SESSION_ID}"
)


@pytest.fixture
def stub(settings):
    with stripe_stub(settings) as running:
        yield running


def save_card(stub, organization, **card):  # type: ignore[no-untyped-def]
    session = payment_method_setup_start(
        organization=organization,
        email="dana@frontstreet.example.com",
        success_url=SUCCESS,
        cancel_url="https://members.example.org/back/",
    )
    back = stub.complete_setup(session.id, **card)
    assert back.endswith(f"session_id={session.id}")
    return session, payment_method_save_from_checkout(
        session_id=session.id, organization=organization
    )


def test_it_saves_a_card_on_stripes_page_and_makes_it_the_customers_default(stub, member):
    organization = member.organization
    session, saved = save_card(stub, organization)

    created = stub.sessions[session.id]
    assert (created["mode"], created["customer"]) == ("setup", organization.stripe_customer_id)
    assert created["metadata"]["organization_id"] == str(organization.pk)
    assert str(saved) == "Visa ending in 4242, expires 12/2030"
    assert saved.stripe_payment_method_id.startswith("pm_stub")
    customer = stub.customers[organization.stripe_customer_id]
    assert customer["invoice_settings"]["default_payment_method"] == saved.stripe_payment_method_id
    # The return page again, or the webhook after it, changes nothing.
    again = payment_method_save_from_checkout(session_id=session.id, organization=organization)
    assert again == saved and saved.history.count() == 1


def test_it_waits_for_an_unfinished_checkout_and_refuses_another_organizations(stub, member):
    session = payment_method_setup_start(
        organization=member.organization, email="", success_url=SUCCESS, cancel_url=SUCCESS
    )
    assert payment_method_save_from_checkout(session_id=session.id) is None
    stub.complete_setup(session.id)
    with pytest.raises(ServiceError, match="not one that saves a payment method"):
        payment_method_save_from_checkout(
            session_id=session.id, organization=OrganizationFactory(name="Elm Street Hardware")
        )
    assert not SavedPaymentMethod.objects.exists()


def test_it_records_the_bank_account_from_the_webhook(stub, member, settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    session = payment_method_setup_start(
        organization=member.organization, email="", success_url=SUCCESS, cancel_url=SUCCESS
    )
    stub.complete_setup(session.id, kind="us_bank_account", brand="STRIPE TEST BANK", last4="6789")
    body = json.dumps(
        event(
            "checkout.session.completed",
            stripe_object("checkout.session", id=session.id, mode="setup", setup_intent="seti_1"),
        )
    )
    with committed():
        response = Client().post(
            WEBHOOK_URL,
            data=body,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=sign(body),
        )

    assert response.status_code == 200
    assert StripeEvent.objects.get().status == "processed"
    saved = SavedPaymentMethod.objects.get(organization=member.organization)
    assert str(saved) == "STRIPE TEST BANK ending in 6789"


def test_auto_renew_is_switched_on_only_with_a_saved_payment_method(stub, member):
    with pytest.raises(InvalidData) as refused:
        membership_auto_renew_set(membership=member, enabled=True, reason="test")
    assert refused.value.field == "auto_renew"
    assert Membership.objects.get(pk=member.pk).auto_renew is False

    save_card(stub, member.organization)
    membership_auto_renew_set(membership=member, enabled=True, reason="asked by phone")

    member.refresh_from_db()
    assert member.auto_renew is True
    assert (
        "automatic renewal turned on: asked by phone"
        in member.history.latest().history_change_reason
    )


def test_the_daily_job_charges_the_renewal_to_the_saved_card_once(stub, member):
    save_card(stub, member.organization)
    membership_auto_renew_set(membership=member, enabled=True, reason="test")
    mail.outbox.clear()

    run_twice(date(2026, 11, 16))

    invoice = renewal_of(member)
    assert invoice.status == "paid"
    remote = stub.invoices[invoice.stripe_invoice_id]
    assert remote["collection_method"] == "charge_automatically"
    charges = [r for r in stub.requests if r["path"] == f"/v1/invoices/{remote['id']}/pay"]
    assert len(charges) == 1
    member.refresh_from_db()
    assert member.paid_through == date(2027, 12, 31)
    assert mails_to("renewal_invoice") == [] and len(mails_to("payment_receipt")) == 1


def test_a_declined_charge_falls_back_to_the_invoice_to_pay_and_its_reminders(stub, member):
    _, saved = save_card(stub, member.organization)
    membership_auto_renew_set(membership=member, enabled=True, reason="test")
    stub.declined.add(saved.stripe_payment_method_id)

    run_twice(date(2026, 11, 16))

    invoice = renewal_of(member)
    assert invoice.status == "open"
    assert "card was declined" in invoice.stripe_error
    assert len(mails_to("renewal_charge_failed")) == 1
    assert invoice.pay_url in mail.outbox[-1].body
    run(date(2026, 12, 18))  # 14 days before the period starts: the usual reminder
    assert len(mails_to("renewal_reminder")) == 1
