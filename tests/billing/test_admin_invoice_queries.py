"""An invoice's admin page runs the same number of queries however many payments, refunds,
disputes and credit entries it has (each credit entry's row names its organization, invoice,
payment and refund: read with the entries, not one by one)."""

import re
from decimal import Decimal

import pytest

from billing.models import CreditEntry, Dispute
from crm.roles import FINANCE
from tests.api.staff.conftest import make_invoice, make_payment, make_refund
from tests.crm.test_admin import _get

pytestmark = pytest.mark.django_db


def _invoice_with(rows: int) -> str:
    invoice = make_invoice()
    for number in range(rows):
        payment = make_payment(invoice, amount="10.00", check_number=f"{invoice.pk}-{number}")
        refund = make_refund(payment, amount="1.00")
        Dispute.objects.create(
            payment=payment, stripe_dispute_id=f"dp_{invoice.pk}_{number}", amount=1
        )
        CreditEntry.objects.create(
            organization=invoice.organization,
            kind=CreditEntry.Kind.ADDED,
            amount=Decimal("1.00"),
            invoice=invoice,
            payment=payment,
            refund=refund,
        )
    return f"/admin/billing/invoice/{invoice.pk}/change/"


def test_an_invoices_page_runs_as_many_queries_with_four_of_each_row_as_with_one(client_for):
    client = client_for(FINANCE)
    _, with_one = _get(client, _invoice_with(1))

    response, with_four = _get(client, _invoice_with(4))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="payments-TOTAL_FORMS" value="4"' in html
    credit_rows = re.search(r'name="credit_entries-TOTAL_FORMS" value="(\d+)"', html)
    assert credit_rows is not None and int(credit_rows[1]) >= 4
    assert with_four == with_one == 10  # the invoice read once, the permissions in one query
