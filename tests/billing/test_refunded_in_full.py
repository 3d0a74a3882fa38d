"""After a refund in full: the invoice is `refunded` (closed, nothing owed, what it paid for
undone) and the chamber bills again with a new invoice for the same lines."""

from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from billing import services
from billing.models import Invoice, Payment
from core.exceptions import ServiceError
from crm.models import Membership
from tests.billing.stripe_payloads import committed

pytestmark = pytest.mark.django_db


def paid_by_check(membership) -> Invoice:
    with committed():
        invoice = services.invoice_issue(
            invoice=services.invoice_create_for_membership(membership=membership)
        )
        services.payment_record_offline(
            invoice=invoice,
            amount=invoice.total,
            method="check",
            received_on=timezone.localdate(),
            check_number="1001",
        )
    invoice.refresh_from_db()
    return invoice


def refund_all(invoice: Invoice) -> None:
    with committed():
        services.refund_create(payment=invoice.payments.get(), reason="Moved away")
    invoice.refresh_from_db()


def test_it_closes_an_invoice_refunded_in_full_and_undoes_the_membership(approved_membership):
    invoice = paid_by_check(approved_membership)

    refund_all(invoice)

    assert invoice.status == Invoice.Status.REFUNDED == "refunded"
    assert invoice.get_status_display() == "Refunded in full"
    assert invoice.reversed_at is not None
    assert "bill it again" in invoice.status_reason
    assert invoice.amount_due == Decimal("0.00")
    approved_membership.refresh_from_db()
    assert approved_membership.status == Membership.Status.APPROVED
    with pytest.raises(ServiceError, match="refunded in full: it takes no payment"):
        services.payment_record_offline(
            invoice=invoice,
            amount=invoice.total,
            method="check",
            received_on=timezone.localdate(),
            check_number="1002",
        )


def test_it_keeps_a_partly_refunded_invoice_paid(approved_membership):
    invoice = paid_by_check(approved_membership)

    with committed():
        services.refund_create(
            payment=invoice.payments.get(), reason="Goodwill", amount=Decimal("50.00")
        )

    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID


def test_it_bills_again_with_a_new_invoice_that_pays_as_the_first_did(approved_membership):
    invoice = paid_by_check(approved_membership)
    refund_all(invoice)

    with committed():
        again = services.invoice_bill_again(invoice=invoice)
        same = services.invoice_bill_again(invoice=invoice)

    assert same.pk == again.pk != invoice.pk
    assert again.status == Invoice.Status.OPEN
    assert again.number != invoice.number
    assert again.total == invoice.total
    assert [(line.membership_id, line.period_start, line.amount) for line in again.lines.all()] == [
        (line.membership_id, line.period_start, line.amount) for line in invoice.lines.all()
    ]
    with committed():
        services.payment_record_offline(
            invoice=again,
            amount=again.total,
            method="check",
            received_on=timezone.localdate(),
            check_number="1002",
        )
    again.refresh_from_db()
    assert again.status == Invoice.Status.PAID
    approved_membership.refresh_from_db()
    assert approved_membership.status == Membership.Status.ACTIVE
    # A second bill-again of the first invoice never makes a third invoice.
    assert services.invoice_bill_again(invoice=invoice).pk == again.pk


def test_it_bills_again_only_an_invoice_refunded_in_full(approved_membership):
    invoice = paid_by_check(approved_membership)

    with pytest.raises(ServiceError, match="Only an invoice refunded in full"):
        services.invoice_bill_again(invoice=invoice)


def test_the_staff_api_shows_refunded_and_bills_again(approved_membership, make_staff):
    invoice = paid_by_check(approved_membership)
    refund_all(invoice)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=make_staff('Finance'))}")

    assert api.get(f"/api/v1/invoices/{invoice.pk}/").json()["status"] == "refunded"
    with committed():
        response = api.post(f"/api/v1/invoices/{invoice.pk}/bill-again/")

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "open"
    assert body["number"] != invoice.number
    assert Payment.objects.count() == 1


def test_the_admin_says_refunded_in_full(approved_membership, client_for):
    invoice = paid_by_check(approved_membership)
    refund_all(invoice)

    page = client_for("Finance").get(f"/admin/billing/invoice/{invoice.pk}/change/").content

    assert "Refunded in full" in page.decode()
    assert "bill it again" in page.decode()
