from datetime import date

import pytest
from django.test import Client

from billing.gateways import FakeGateway, use_gateway
from crm.models import Membership
from tests.billing.stripe_payloads import WEBHOOK_SECRET
from tests.factories import AffiliationFactory, MembershipFactory, OrganizationFactory, PlanFactory


@pytest.fixture
def cash_basis(settings):
    """The journal on the cash basis (the accrual basis is the default)."""
    settings.JOURNAL_BASIS = "cash"


@pytest.fixture
def fake_stripe():
    """Stripe configured, played by an in-memory fake."""
    with use_gateway(FakeGateway()) as gateway:
        yield gateway


@pytest.fixture
def webhook_client(settings, fake_stripe) -> Client:
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return Client()


@pytest.fixture
def approved_membership(db) -> Membership:
    """A business approved on a $600 calendar-year plan from 1 July 2026 (half a year billed),
    with a billing contact who receives the mail."""
    organization = OrganizationFactory(name="Front Street Bakery", employees=12)
    AffiliationFactory(
        organization=organization,
        contact__email="owner@frontstreet.example.com",
        contact__first_name="Dana",
        is_billing=True,
    )
    return MembershipFactory(
        organization=organization,
        plan=PlanFactory(name="Small Business", flat_amount="600.00", gl_revenue_account="4010"),
        status=Membership.Status.APPROVED,
        start_date=date(2026, 7, 1),
    )


@pytest.fixture
def october_payout(fake_stripe):
    """$300 of dues for July to December 2026, paid by card and paid out on 15 October."""
    from billing.models import Payout
    from tests.billing.test_payouts import paid_by_card, sync

    ours = paid_by_card(fake_stripe, "Front Street Bakery")
    fake_stripe.pay_out(
        [fake_stripe.charge_transaction(ours.stripe_payment_intent_id)],
        arrival_date=date(2026, 10, 15),
    )
    sync()
    return Payout.objects.get()
