"""Payments and refunds: read-only lists with their filters (money moves through the invoice
actions, see test_invoices.py)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from billing.models import Payment, Refund
from tests.api.staff.conftest import make_invoice, make_payment, make_refund
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def finance_api(api_for):
    return api_for("Finance")


def _card_payment(name: str, status: str) -> Payment:
    """A card payment as the Stripe webhook leaves it."""
    invoice = make_invoice(organization=OrganizationFactory(name=name))
    return Payment.objects.create(
        invoice=invoice,
        method=Payment.Method.CARD,
        status=status,
        amount=invoice.total,
        gl_account=settings.BILLING_GL_ACCOUNTS["undeposited_funds"],
        stripe_payment_intent_id=f"pi_{name.lower()}",
        failure_message="Your card was declined." if status == "failed" else "",
    )


@pytest.fixture
def ledger():
    today = timezone.localdate()

    def invoice(name: str):
        return make_invoice(organization=OrganizationFactory(name=name))

    check = make_payment(
        invoice("Acme"), amount="100.00", check_number="1001", received_on=today - timedelta(10)
    )
    wire = make_payment(invoice("Bravo"), amount="600.00", method="wire", check_number="FW-9")
    cash = make_payment(
        invoice("Cashco"),
        amount="50.00",
        method="cash",
        check_number="",
        received_on=today - timedelta(40),
    )
    declined = _card_payment("Declined", "failed")
    card = _card_payment("Stripey", "succeeded")
    partial = make_refund(check, amount="40.00")
    full = make_refund(wire, amount=None)
    pending = Refund.objects.create(
        payment=card,
        amount=Decimal("600.00"),
        reason="Card refund on its way",
        status=Refund.Status.PENDING,
        stripe_refund_id="re_stripey",
    )
    return {
        "today": today,
        "check": check,
        "wire": wire,
        "cash": cash,
        "declined": declined,
        "card": card,
        "partial": partial,
        "full": full,
        "pending": pending,
    }


# --- Payments --------------------------------------------------------------------------------

PAYMENTS = "/api/v1/payments/"


def test_it_shows_a_payment_with_its_invoice_and_what_was_refunded(finance_api, ledger):
    check = ledger["check"]
    body = finance_api.get(f"{PAYMENTS}{check.pk}/").json()
    assert (body["invoice"], body["invoice_number"]) == (check.invoice_id, check.invoice.number)
    assert (body["organization"], body["organization_name"]) == (
        check.invoice.organization_id,
        "Acme",
    )
    assert (body["method"], body["status"], body["check_number"]) == ("check", "succeeded", "1001")
    assert (body["amount"], body["amount_refunded"], body["refundable"]) == (
        "100.00",
        "40.00",
        "60.00",
    )
    assert body["received_on"] == (ledger["today"] - timedelta(10)).isoformat()
    declined = finance_api.get(f"{PAYMENTS}{ledger['declined'].pk}/").json()
    assert (declined["status"], declined["refundable"]) == ("failed", "0.00")
    assert declined["failure_message"] == "Your card was declined."
    assert declined["stripe_payment_intent_id"] == "pi_declined"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Acme", "Bravo", "Cashco", "Declined", "Stripey"]),
        ("status=failed", ["Declined"]),
        ("status=succeeded", ["Acme", "Bravo", "Cashco", "Stripey"]),
        ("method=check&method=cash", ["Acme", "Cashco"]),
        ("method=card", ["Declined", "Stripey"]),
        ("check_number=FW-9", ["Bravo"]),
        ("search=cashco", ["Cashco"]),
    ],
)
def test_it_filters_payments(finance_api, ledger, query, expected):
    response = finance_api.get(f"{PAYMENTS}?{query}")
    assert response.status_code == 200, response.json()
    assert sorted(row["organization_name"] for row in response.json()["results"]) == expected


def test_it_filters_payments_by_organization_invoice_dates_and_time(finance_api, ledger):
    today, check = ledger["today"], ledger["check"]

    def names(**query) -> list[str]:
        response = finance_api.get(PAYMENTS, query)
        assert response.status_code == 200, response.json()
        return sorted(row["organization_name"] for row in response.json()["results"])

    assert names(organization=check.invoice.organization_id) == ["Acme"]
    assert names(invoice=ledger["wire"].invoice_id) == ["Bravo"]
    assert names(received_before=(today - timedelta(5)).isoformat()) == ["Acme", "Cashco"]
    assert names(received_after=(today - timedelta(20)).isoformat()) == ["Acme", "Bravo"]
    past = timezone.now() - timedelta(days=3)
    Payment.objects.exclude(pk=check.pk).update(created=past, modified=past)
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert names(modified_since=since) == ["Acme"]
    assert names(created_after=since) == ["Acme"]
    assert names(created_before=since) == ["Bravo", "Cashco", "Declined", "Stripey"]


def test_it_orders_payments(finance_api, ledger):
    rows = finance_api.get(f"{PAYMENTS}?ordering=-amount&method=check&method=cash").json()
    assert [row["amount"] for row in rows["results"]] == ["100.00", "50.00"]


# --- Refunds ---------------------------------------------------------------------------------

REFUNDS = "/api/v1/refunds/"


def test_it_shows_a_refund_with_its_payment_invoice_and_outcome(finance_api, ledger):
    full = ledger["full"]
    body = finance_api.get(f"{REFUNDS}{full.pk}/").json()
    wire = ledger["wire"]
    assert (body["payment"], body["payment_method"]) == (wire.pk, "wire")
    assert (body["invoice"], body["invoice_number"]) == (wire.invoice_id, wire.invoice.number)
    assert (body["organization"], body["organization_name"]) == (
        wire.invoice.organization_id,
        "Bravo",
    )
    assert (body["amount"], body["status"], body["reason"]) == (
        "600.00",
        "succeeded",
        "Paid twice by mistake",
    )
    assert body["outcome"].startswith("Refunded in full.")
    pending = finance_api.get(f"{REFUNDS}{ledger['pending'].pk}/").json()
    assert (pending["status"], pending["stripe_refund_id"]) == ("pending", "re_stripey")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Acme", "Bravo", "Stripey"]),
        ("status=pending", ["Stripey"]),
        ("status=succeeded", ["Acme", "Bravo"]),
        ("method=wire&method=card", ["Bravo", "Stripey"]),
        ("search=way", ["Stripey"]),
    ],
)
def test_it_filters_refunds(finance_api, ledger, query, expected):
    response = finance_api.get(f"{REFUNDS}?{query}")
    assert response.status_code == 200, response.json()
    assert sorted(row["organization_name"] for row in response.json()["results"]) == expected


def test_it_filters_refunds_by_payment_invoice_organization_and_time(finance_api, ledger):
    check, partial = ledger["check"], ledger["partial"]

    def names(**query) -> list[str]:
        response = finance_api.get(REFUNDS, query)
        assert response.status_code == 200, response.json()
        return sorted(row["organization_name"] for row in response.json()["results"])

    assert names(payment=check.pk) == ["Acme"]
    assert names(invoice=ledger["card"].invoice_id) == ["Stripey"]
    assert names(organization=ledger["wire"].invoice.organization_id) == ["Bravo"]
    past = timezone.now() - timedelta(days=3)
    Refund.objects.exclude(pk=partial.pk).update(created=past, modified=past)
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert names(modified_since=since) == ["Acme"]
    assert names(created_after=since) == ["Acme"]
    assert names(created_before=since) == ["Bravo", "Stripey"]


@pytest.mark.parametrize("endpoint", [PAYMENTS, REFUNDS])
def test_it_moves_no_money_by_a_plain_request(finance_api, ledger, endpoint):
    """Finance may add payments, but only through invoices/<id>/record-payment/ and refund/."""
    record = ledger["check"] if endpoint == PAYMENTS else ledger["partial"]
    assert finance_api.post(endpoint, {"amount": "1.00"}).status_code == 405
    assert finance_api.patch(f"{endpoint}{record.pk}/", {"amount": "1.00"}).status_code == 405
    assert finance_api.delete(f"{endpoint}{record.pk}/").status_code == 403  # no role deletes money
    record.refresh_from_db()
    assert record.amount in (Decimal("100.00"), Decimal("40.00"))
