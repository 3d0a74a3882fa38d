from datetime import date

import pytest
from django.test import Client

from billing.gateways import FakeGateway, use_gateway
from crm.models import Membership
from tests.billing.stripe_payloads import WEBHOOK_SECRET
from tests.factories import AffiliationFactory, MembershipFactory, OrganizationFactory, PlanFactory


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
