"""The staff API's documents: an invoice's PDF and a payment's receipt."""

import io
from decimal import Decimal

import pytest
import yaml
from pypdf import PdfReader
from rest_framework.test import APIClient

from billing.models import Payment
from crm.models import DuesDeductibility
from tests.api.staff.conftest import make_invoice, make_payment
from tests.api.staff.test_schema import staff_client

pytestmark = pytest.mark.django_db


def text_of(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    return " ".join(PdfReader(io.BytesIO(content)).pages[0].extract_text().split())


def test_it_serves_the_invoice_pdf_to_whoever_may_view_invoices(api_for):
    invoice = make_invoice()
    DuesDeductibility.objects.create(
        year=invoice.issue_date.year, non_deductible_percent=Decimal("20")
    )

    response = api_for("Events").get(f"/api/v1/invoices/{invoice.pk}/pdf/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="invoice-{invoice.number}.pdf"' in response["Content-Disposition"]
    text = text_of(response.content)
    assert invoice.number in text
    assert "Amount due $600.00" in text
    assert "Of your dues, 20% ($120.00) is not deductible" in text


def test_it_answers_409_for_a_drafts_pdf(api_for):
    draft = make_invoice(issue=False)

    response = api_for("Finance").get(f"/api/v1/invoices/{draft.pk}/pdf/")

    assert response.status_code == 409
    assert "issue it" in response.json()["errors"]["detail"][0]


def test_it_serves_a_receipt_for_a_check(api_for):
    payment = make_payment(amount="250.00")

    response = api_for("Read-only").get(f"/api/v1/payments/{payment.pk}/receipt/")

    assert response.status_code == 200
    text = text_of(response.content)
    assert "$250.00" in text and "Still due $350.00" in text


def test_it_answers_409_for_a_failed_payments_receipt(api_for):
    payment = make_payment(amount="250.00")
    Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.FAILED)

    response = api_for("Finance").get(f"/api/v1/payments/{payment.pk}/receipt/")

    assert response.status_code == 409


def test_it_refuses_the_pdf_without_a_role(api_for):
    invoice = make_invoice()

    response = APIClient().get(f"/api/v1/invoices/{invoice.pk}/pdf/")

    assert response.status_code == 401


def test_it_describes_the_pdfs_as_binary_in_the_schema():
    response = staff_client().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    schema = yaml.safe_load(response.content)
    for path in ("/api/v1/invoices/{id}/pdf/", "/api/v1/payments/{id}/receipt/"):
        ok = schema["paths"][path]["get"]["responses"]["200"]["content"]
        assert ok["application/pdf"]["schema"] == {"type": "string", "format": "binary"}
