"""A chamber for the portal's tests: Front Street Bakery, an active member whose first year is
paid by check and whose renewal invoice is open, with a contact in each role; Elm Street
Hardware, another member with its own invoice and contact; a contact at no organization; and
Quinn, whose link to Front Street Bakery a public form proposed (pending, not confirmed)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client, TestCase

from billing import services as billing
from billing.models import Invoice, Payment
from crm.models import Affiliation, Contact, Membership, MembershipPlan, Organization
from crm.services.renewals import membership_renewal_invoice
from events.models import Registration
from events.services import registration_create
from portal.services import portal_account
from portal.views import SESSION_KEY
from tests.factories import (
    AffiliationFactory,
    ContactFactory,
    InvestorLevelFactory,
    MembershipFactory,
    OrganizationFactory,
    PlanFactory,
    PledgeFactory,
    TicketTypeFactory,
)

YEAR = date.today().year


@dataclass
class PortalWorld:
    organization: Organization
    membership: Membership
    primary: Affiliation
    billing: Affiliation
    event: Affiliation
    plain: Affiliation
    paid_invoice: Invoice
    payment: Payment
    open_invoice: Invoice
    other_organization: Organization
    other: Affiliation
    other_invoice: Invoice
    other_payment: Payment
    unaffiliated: Contact
    bigger_plan: MembershipPlan
    registration: Registration
    pending: Affiliation  # Quinn, who said on a public form they work there: not confirmed


def _member(organization: Organization, plan_name: str) -> tuple[Membership, Invoice, Payment]:
    membership = MembershipFactory(
        organization=organization,
        plan=PlanFactory(name=plan_name, flat_amount=Decimal("600.00"), offered_publicly=False),
        status=Membership.Status.APPROVED,
        start_date=date(YEAR, 1, 1),
    )
    invoice = billing.invoice_issue(
        invoice=billing.invoice_create_for_membership(membership=membership)
    )
    payment = billing.payment_record_offline(
        invoice=invoice,
        amount=invoice.total,
        method="check",
        check_number="1042",
        received_on=date(YEAR, 1, 5),
    )
    membership.refresh_from_db()
    return membership, invoice, payment


@pytest.fixture
def portal_world(db) -> PortalWorld:
    with TestCase.captureOnCommitCallbacks(execute=True):
        organization = OrganizationFactory(name="Front Street Bakery", employees=12)

        def person(first: str, **roles: bool) -> Affiliation:
            return AffiliationFactory(
                organization=organization,
                contact__first_name=first,
                contact__email=f"{first.lower()}@frontstreet.example.com",
                is_primary=roles.get("is_primary", False),
                is_billing=roles.get("is_billing", False),
                is_event_contact=roles.get("is_event_contact", False),
            )

        primary = person("Dana", is_primary=True)
        billing_contact = person("Bea", is_billing=True)
        event = person("Eli", is_event_contact=True)
        plain = person("Pat")
        membership, paid_invoice, payment = _member(organization, "Small Business")
        open_invoice, _ = membership_renewal_invoice(membership=membership)
        PledgeFactory(
            organization=organization,
            level=InvestorLevelFactory(name="Leadership Investor"),
            status="confirmed",
        )
        other_organization = OrganizationFactory(name="Elm Street Hardware")
        other = AffiliationFactory(
            organization=other_organization,
            contact__first_name="Olga",
            contact__email="olga@elmstreet.example.com",
        )
        _, other_invoice, other_payment = _member(other_organization, "Other Plan")
        unaffiliated = ContactFactory(first_name="Lou", email="lou@nowhere.example.com")
        coffee = TicketTypeFactory(
            event__title="Members' Coffee", member_price=Decimal("0"), non_member_price=Decimal("0")
        )
        registration = registration_create(
            event=coffee.event, ticket_type=coffee, contact=primary.contact
        )
        pending = AffiliationFactory(
            organization=organization,
            contact__first_name="Quinn",
            contact__email="quinn@elsewhere.example.com",
            status=Affiliation.Status.PENDING,
            is_primary=False,
        )
        bigger_plan = PlanFactory(
            code="business", name="Business", flat_amount=Decimal("900.00"), sort_order=1
        )
    mail.outbox.clear()  # the invoices' and receipts' mail: the tests read their own
    return PortalWorld(
        organization=organization,
        membership=membership,
        primary=primary,
        billing=billing_contact,
        event=event,
        plain=plain,
        paid_invoice=paid_invoice,
        payment=payment,
        open_invoice=open_invoice,
        other_organization=other_organization,
        other=other,
        other_invoice=other_invoice,
        other_payment=other_payment,
        unaffiliated=unaffiliated,
        bigger_plan=bigger_plan,
        registration=registration,
        pending=pending,
    )


def signed_in(contact: Contact) -> Client:
    """A client with a portal session for `contact` (as a used sign-in link leaves it)."""
    portal_account(contact)
    client = Client()
    session = client.session
    session[SESSION_KEY] = contact.pk
    session.save()
    return client
