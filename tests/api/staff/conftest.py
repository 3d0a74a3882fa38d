from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from billing import services as billing
from billing.models import Invoice, Payment, Refund
from crm import services
from crm.models import Membership, Note, Organization, Pledge, PledgeRenewalProposal
from crm.services.renewals import pledge_renewal_propose
from tests.factories import (
    AffiliationFactory,
    InvestorLevelFactory,
    MembershipFactory,
    OrganizationFactory,
)


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    cache.clear()  # the throttle counts live in the cache
    yield
    cache.clear()


@pytest.fixture
def api_for(make_staff) -> Callable[[str], APIClient]:
    """An API client authenticated by token as a staff user in a role."""

    def make(role: str) -> APIClient:
        client = APIClient()
        token = Token.objects.create(user=make_staff(role))
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture
def membership_api(api_for) -> APIClient:
    return api_for("Membership")


def make_pledge(**overrides) -> Pledge:
    values = {
        "organization": overrides.pop("organization", None) or OrganizationFactory(),
        "level": overrides.pop("level", None) or InvestorLevelFactory(),
        "annual_amount": Decimal("6000.00"),
        "start_date": date(2027, 1, 1),
        "term_years": 2,
        "installments_per_year": 2,
    }
    values.update(overrides)
    return services.pledge_create(**values)


def make_renewal_proposal(**overrides) -> PledgeRenewalProposal:
    """A confirmed pledge's renewal, proposed and waiting for the investor."""
    pledge = make_pledge(**overrides)
    Pledge.objects.filter(pk=pledge.pk).update(status=Pledge.Status.CONFIRMED)
    pledge.refresh_from_db()
    return pledge_renewal_propose(pledge=pledge)


def make_note(**overrides) -> Note:
    if "organization" not in overrides and "contact" not in overrides:
        overrides["organization"] = OrganizationFactory()
    return services.note_create(body=overrides.pop("body", "Called about renewal."), **overrides)


def make_invoice(*, organization: Organization | None = None, issue: bool = True) -> Invoice:
    """A $600 dues invoice for a year of membership, issued (numbered, open, due in 30 days)
    unless `issue` is False; its organization has a billing contact who receives the mail."""
    organization = organization or OrganizationFactory()
    AffiliationFactory(organization=organization, is_billing=True)
    membership = MembershipFactory(organization=organization, status=Membership.Status.APPROVED)
    invoice = billing.invoice_create_for_membership(membership=membership)
    return billing.invoice_issue(invoice=invoice) if issue else invoice


def make_payment(
    invoice: Invoice | None = None, *, amount: str = "100.00", method: str = "check", **extra
) -> Payment:
    """A payment recorded by hand (a check, unless told) on an open invoice."""
    invoice = invoice or make_invoice()
    values = {"received_on": timezone.localdate(), "check_number": f"{invoice.pk}-{amount}"}
    values.update(extra)
    return billing.payment_record_offline(
        invoice=invoice, amount=Decimal(amount), method=method, **values
    )


def make_refund(payment: Payment | None = None, *, amount: str | None = "40.00") -> Refund:
    payment = payment or make_payment()
    return billing.refund_create(
        payment=payment,
        amount=None if amount is None else Decimal(amount),
        reason="Paid twice by mistake",
    )
