"""bill_to(): who an organization's invoices are addressed to. Never someone whose link to
the organization a public form proposed and nobody confirmed."""

import pytest

from billing.services.common import bill_to
from crm.models import Affiliation
from tests.factories import AffiliationFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def _link(organization, email: str, **roles: bool) -> Affiliation:  # type: ignore[no-untyped-def]
    return AffiliationFactory(
        organization=organization,
        contact__email=email,
        is_primary=roles.get("is_primary", False),
        is_billing=roles.get("is_billing", False),
        status=(roles.get("pending") and Affiliation.Status.PENDING)
        or Affiliation.Status.CONFIRMED,
    )


def test_it_never_bills_a_pending_link():
    organization = OrganizationFactory()
    _link(organization, "stranger@elsewhere.example", pending=True)  # the oldest link
    assert bill_to(organization) is None
    colleague = _link(organization, "pat@business.example")
    assert bill_to(organization) == colleague.contact


def test_it_prefers_the_billing_contact_then_the_primary_representative():
    organization = OrganizationFactory()
    _link(organization, "stranger@elsewhere.example", pending=True)
    primary = _link(organization, "dana@business.example", is_primary=True)
    assert bill_to(organization) == primary.contact
    billing = _link(organization, "bea@business.example", is_billing=True)
    assert bill_to(organization) == billing.contact
