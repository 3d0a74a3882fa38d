"""The statement of account (issue 16, item 4): one read (billing.statements) and one PDF for the
portal and the admin, with invoices, payments, refunds, voids, write-offs, disputes and the
credit balance, and a running balance that ends at what is due less the credit."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from billing import services
from billing.models import Invoice
from billing.services.invoice_drafts import DraftLineSpec
from billing.statements import statement_of_account
from crm.models import Organization
from crm.roles import EVENTS, FINANCE, MEMBERSHIP, READ_ONLY
from tests.billing import test_disputes_and_returns as disputes
from tests.billing.stripe_payloads import committed, deliver
from tests.billing.test_disputes_and_returns import (
    dispute_event,
    paid_by_card_now,
)
from tests.factories import AffiliationFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db
# The Stripe test double and a $600 membership, as the dispute tests have them.
stub = disputes.stub
membership = disputes.membership
D = Decimal


def issued_invoice(organization: Organization, amount: str, what: str) -> Invoice:
    draft = services.invoice_create_draft(
        organization=organization,
        lines=[DraftLineSpec(description=what, amount=D(amount), gl_account="4400")],
        explanation=what,
        reason="test",
        kind=Invoice.Kind.OTHER,
    )
    with committed():
        return services.invoice_issue(invoice=draft)


def check(invoice: Invoice, amount: str, number: str):
    with committed():
        return services.payment_record_offline(
            invoice=invoice,
            amount=D(amount),
            method="check",
            check_number=number,
            received_on=timezone.localdate(),
        )


@pytest.fixture
def organization(db) -> Organization:
    """Four invoices without Stripe: one paid then refunded in part, one paid in part, one
    voided and one written off."""
    organization = OrganizationFactory(name="Coltsville Brewing")
    AffiliationFactory(organization=organization, contact__email="ap@colts.example.com")
    sponsorship = issued_invoice(organization, "600.00", "Gala sponsorship")
    payment = check(sponsorship, "600.00", "101")
    with committed():
        services.refund_create(payment=payment, amount=D("100.00"), reason="Smaller table")
    check(issued_invoice(organization, "250.00", "Booth"), "100.00", "102")
    services.invoice_void(invoice=issued_invoice(organization, "80.00", "Typo"), reason="Typo")
    services.invoice_write_off(
        invoice=issued_invoice(organization, "40.00", "Old ad"), reason="Closed down"
    )
    return organization


def ledger(organization: Organization) -> list[tuple[str, str, str, str]]:
    statement = statement_of_account(organization)
    return [
        (line.item, str(line.charge), str(line.credit), str(line.balance))
        for line in statement.lines
    ]


def test_it_lists_every_movement_with_a_running_balance(organization):
    statement = statement_of_account(organization)

    assert ledger(organization) == [
        ("Invoice (Other)", "600.00", "0.00", "600.00"),
        ("Check payment (check 101)", "0.00", "600.00", "0.00"),
        ("Refund: Smaller table", "100.00", "0.00", "100.00"),
        ("Invoice reduced by the refund", "0.00", "100.00", "0.00"),
        ("Invoice (Other)", "250.00", "0.00", "250.00"),
        ("Check payment (check 102)", "0.00", "100.00", "150.00"),
        ("Invoice (Other)", "80.00", "0.00", "230.00"),
        ("Invoice voided", "0.00", "80.00", "150.00"),
        ("Invoice (Other)", "40.00", "0.00", "190.00"),
        ("Written off", "0.00", "40.00", "150.00"),
    ]
    assert (statement.due, statement.written_off, statement.credit) == (
        D("150.00"),
        D("40.00"),
        D("0.00"),
    )
    assert statement.balance == statement.due - statement.credit
    assert (statement.billed, statement.paid, statement.refunded) == (
        D("890.00"),
        D("700.00"),
        D("100.00"),
    )


def test_a_lost_then_won_dispute_paid_meanwhile_by_check_ends_in_credit(stub, membership):
    invoice, intent_id = paid_by_card_now(stub, membership)
    dispute = stub.dispute(intent_id, status="lost")
    deliver(Client(), dispute_event("charge.dispute.closed", dispute["id"]))
    lost = statement_of_account(membership.organization)
    assert lost.balance == lost.due == D("600.00")

    check(invoice, "600.00", "2231")
    stub.dispute(intent_id, status="won", won=True)
    deliver(Client(), dispute_event("charge.dispute.funds_reinstated", dispute["id"]))

    statement = statement_of_account(membership.organization)
    assert [(line.item, str(line.charge), str(line.credit)) for line in statement.lines] == [
        ("Invoice (Membership dues)", "600.00", "0.00"),
        ("Card payment", "0.00", "600.00"),
        ("Dispute by the bank (won)", "0.00", "0.00"),
        ("Check payment (check 2231)", "0.00", "600.00"),
    ]
    assert statement.credit == D("600.00")
    assert statement.balance == statement.due - statement.credit == D("-600.00")


@pytest.mark.parametrize("role", [FINANCE, MEMBERSHIP, EVENTS, READ_ONLY])
def test_staff_who_may_view_invoices_see_it_and_print_it(client_for, organization, role):
    client = client_for(role)
    change = client.get(reverse("admin:crm_organization_change", args=[organization.pk]))
    page_url = reverse("admin:crm_organization_statement", args=[organization.pk])
    pdf_url = reverse("admin:crm_organization_statement_pdf", args=[organization.pk])
    assert page_url in change.content.decode() and pdf_url in change.content.decode()

    page = client.get(page_url)

    content = page.content.decode()
    assert page.status_code == 200
    assert 'id="balance-due">$150.00' in content
    assert 'id="running-balance">$150.00' in content
    assert "Written off (not counted as due): $40.00." in content
    assert "Refund: Smaller table" in content
    pdf = client.get(pdf_url)
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")


def test_staff_who_may_not_view_invoices_are_refused(organization):
    user = UserFactory(username="people-only", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_organization"))
    client = Client()
    client.force_login(user)

    for name in ("admin:crm_organization_statement", "admin:crm_organization_statement_pdf"):
        assert client.get(reverse(name, args=[organization.pk])).status_code == 403
