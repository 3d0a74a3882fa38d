"""What a webhook may make us record as paid: the real `stripe` library, through our gateway,
against the local Stripe stand-in. An event is only a hint; the money and the link between a
Stripe invoice and ours come from what Stripe answers when asked, and must match our invoice."""

import time
from decimal import Decimal

import pytest
from django.test import Client

from billing import services
from billing.models import Invoice, Payment, StripeEvent
from billing.money import to_minor_units
from tests.billing.stripe_payloads import WEBHOOK_SECRET, committed, deliver, event, stripe_object
from tests.billing.stripe_stub import stripe_stub

pytestmark = pytest.mark.django_db


@pytest.fixture
def stub(settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    with stripe_stub(settings) as running:
        running.mode = "ok"
        yield running


def issued(membership) -> Invoice:
    with committed():
        return services.invoice_issue(
            invoice=services.invoice_create_for_membership(membership=membership)
        )


def paid_in_stripe(stub, invoice: Invoice, *, currency: str = "usd", stripe_id: str = "") -> dict:
    """Stripe's copy of `invoice`, paid in full by a card PaymentIntent in `currency`."""
    stripe_id = stripe_id or invoice.stripe_invoice_id
    cents = to_minor_units(invoice.total)
    remote = stripe_object(
        "invoice",
        id=stripe_id,
        status="paid",
        currency=currency,
        total=cents,
        amount_due=cents,
        amount_paid=cents,
        amount_remaining=0,
        metadata={"invoice_id": str(invoice.pk)},
    )
    stub.invoices[stripe_id] = remote
    stub.intents[f"pi_{stripe_id}"] = stripe_object(
        "payment_intent",
        id=f"pi_{stripe_id}",
        status="succeeded",
        currency=currency,
        amount=cents,
        payment_method_types=["card"],
        latest_charge=None,
    )
    stub.invoice_payments[stripe_id] = [
        stripe_object(
            "invoice_payment",
            id=f"inpay_{stripe_id}",
            invoice=stripe_id,
            status="paid",
            currency=currency,
            amount_paid=cents,
            payment={"type": "payment_intent", "payment_intent": f"pi_{stripe_id}"},
        )
    ]
    return remote


def test_it_records_a_paid_invoice_read_back_from_stripe(stub, approved_membership):
    invoice = issued(approved_membership)
    remote = paid_in_stripe(stub, invoice)

    response = deliver(Client(), event("invoice.paid", remote))

    assert response.status_code == 200
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert Payment.objects.get().amount == invoice.total
    assert StripeEvent.objects.get().status == StripeEvent.Status.PROCESSED


def test_it_records_nothing_paid_in_another_currency_and_flags_it(stub, approved_membership):
    invoice = issued(approved_membership)
    remote = paid_in_stripe(stub, invoice, currency="eur")

    response = deliver(Client(), event("invoice.paid", remote))

    assert response.status_code == 200  # stored: Stripe need not send it again
    assert not Payment.objects.exists()
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.OPEN
    assert "EUR" in invoice.stripe_error and "USD" in invoice.stripe_error
    stored = StripeEvent.objects.get()
    assert stored.status == StripeEvent.Status.FAILED
    assert stored.error.startswith("Money check failed")


def test_it_records_nothing_when_stripes_total_is_not_ours(stub, approved_membership):
    invoice = issued(approved_membership)
    remote = paid_in_stripe(stub, invoice)
    stub.invoices[invoice.stripe_invoice_id]["total"] = to_minor_units(Decimal("3.00"))

    deliver(Client(), event("invoice.paid", remote))

    assert not Payment.objects.exists()
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.OPEN
    assert "totals $3.00" in invoice.stripe_error
    assert StripeEvent.objects.get().status == StripeEvent.Status.FAILED


def test_it_shows_the_flag_to_finance_in_the_admin(stub, approved_membership, admin_client):
    invoice = issued(approved_membership)
    deliver(Client(), event("invoice.paid", paid_in_stripe(stub, invoice, currency="eur")))

    page = admin_client.get("/admin/billing/invoice/")

    assert "Money check failed" in page.content.decode()


def test_it_binds_a_stripe_invoice_only_as_stripe_itself_names_ours(stub, approved_membership):
    """The event's copy says "invoice_id": ours; Stripe's own copy says another (or none): the
    event's word does not tie a stranger's Stripe invoice to our invoice."""
    invoice = issued(approved_membership)
    Invoice.objects.filter(pk=invoice.pk).update(stripe_invoice_id=None)
    forged = paid_in_stripe(stub, invoice, stripe_id="in_stranger")
    stub.invoices["in_stranger"] = {**forged, "metadata": {}}

    deliver(Client(), event("invoice.paid", forged))

    invoice.refresh_from_db()
    assert invoice.stripe_invoice_id is None
    assert invoice.status == Invoice.Status.OPEN
    assert not Payment.objects.exists()
    assert "not one of ours" in StripeEvent.objects.get().outcome


def test_it_binds_an_early_event_by_what_stripe_returns(stub, approved_membership):
    invoice = issued(approved_membership)
    stripe_id = invoice.stripe_invoice_id
    Invoice.objects.filter(pk=invoice.pk).update(stripe_invoice_id=None)
    remote = paid_in_stripe(stub, invoice, stripe_id=stripe_id)

    deliver(Client(), event("invoice.paid", {**remote, "metadata": {}}))

    invoice.refresh_from_db()
    assert invoice.stripe_invoice_id == stripe_id
    assert invoice.status == Invoice.Status.PAID


@pytest.mark.parametrize("ahead", [3600, 86400])
def test_it_refuses_a_signature_dated_in_the_future(stub, approved_membership, ahead):
    invoice = issued(approved_membership)
    remote = paid_in_stripe(stub, invoice)

    response = deliver(Client(), event("invoice.paid", remote), timestamp=int(time.time()) + ahead)

    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
    assert not Payment.objects.exists()


def test_it_accepts_a_signature_a_little_ahead_of_our_clock(stub, approved_membership):
    invoice = issued(approved_membership)

    response = deliver(
        Client(),
        event("invoice.paid", paid_in_stripe(stub, invoice)),
        timestamp=int(time.time()) + 60,
    )

    assert response.status_code == 200
