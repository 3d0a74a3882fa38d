"""The big lists' date drill-down (core.admin.calendar): the calendar between the first and the
last date listed, read without going through every row (no DISTINCT over the dates)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.models import Invoice, Payment
from crm.roles import FINANCE
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoices(db):
    organization = OrganizationFactory(name="Precision Tool")
    other = OrganizationFactory(name="Riverfront Bakery")
    days = [datetime.date(2024, 3, 9), datetime.date(2026, 2, 1), datetime.date(2026, 4, 30)]
    for i, day in enumerate(days):
        Invoice.objects.create(
            organization=organization if i else other,
            kind="dues",
            status="open",
            number=f"2026-{i:05d}",
            issue_date=day,
            total=Decimal("495.00"),
        )


def _hierarchy(response) -> dict:
    for context in response.context:
        if "choices" in context and "field_name" in context:
            return {"choices": context["choices"], "back": context.get("back")}
    raise AssertionError("no date drill-down on the page")


def _get(client, path):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    sql = " ".join(q["sql"].upper() for q in captured.captured_queries)
    assert "DATE_TRUNC" not in sql and "DJANGO_DATE_TRUNC" not in sql and "DISTINCT" not in sql
    return response


def test_the_years_run_from_the_first_invoice_to_the_last(invoices, client_for):
    response = _get(client_for(FINANCE), "/admin/billing/invoice/")
    assert [c["title"] for c in _hierarchy(response)["choices"]] == ["2024", "2025", "2026"]


def test_a_year_lists_its_months_from_the_first_to_the_last(invoices, client_for):
    response = _get(client_for(FINANCE), "/admin/billing/invoice/?issue_date__year=2026")
    titles = [c["title"] for c in _hierarchy(response)["choices"]]
    assert titles == ["February 2026", "March 2026", "April 2026"]
    assert len(response.context["cl"].result_list) == 2


def test_a_search_narrows_the_calendar_to_what_it_finds(invoices, client_for):
    response = _get(client_for(FINANCE), "/admin/billing/invoice/?q=precision")
    hierarchy = _hierarchy(response)
    # Both found invoices are in 2026: the drill-down opens on that year's months.
    assert [c["title"] for c in hierarchy["choices"]] == [
        "February 2026",
        "March 2026",
        "April 2026",
    ]


def test_an_empty_list_has_no_calendar(client_for):
    response = _get(client_for(FINANCE), "/admin/billing/invoice/")
    assert _hierarchy(response)["choices"] == []


def test_payments_by_the_moment_they_were_recorded(invoices, client_for):
    invoice = Invoice.objects.first()
    for when in (datetime.datetime(2025, 12, 31, 23, 30), datetime.datetime(2026, 1, 2, 9, 0)):
        payment = Payment.objects.create(
            invoice=invoice, method="check", status="succeeded", amount=Decimal("10.00")
        )
        Payment.objects.filter(pk=payment.pk).update(created=timezone.make_aware(when))
    response = _get(client_for(FINANCE), "/admin/billing/payment/")
    assert [c["title"] for c in _hierarchy(response)["choices"]] == ["2025", "2026"]
