import time
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from billing import services
from billing.gateways.base import RemotePayment
from billing.models import Dispute, Invoice, Payment, Refund, StripeEvent
from billing.money import to_minor_units
from crm.models import Membership
from tests.billing.stripe_payloads import committed, deliver, event, stripe_object

pytestmark = pytest.mark.django_db


def issued(membership) -> Invoice:
    with committed():
        return services.invoice_issue(
            invoice=services.invoice_create_for_membership(membership=membership)
        )


def invoice_event(type_: str, invoice: Invoice, status: str, **kwargs):
    obj = stripe_object(
        "invoice",
        id=invoice.stripe_invoice_id,
        status=status,
        collection_method="send_invoice",
        total=to_minor_units(invoice.total),
        amount_due=to_minor_units(invoice.total),
        metadata={"invoice_id": str(invoice.pk)},
    )
    return event(type_, obj, **kwargs)


def intent_event(type_: str, intent_id: str, status: str):
    return event(type_, stripe_object("payment_intent", id=intent_id, status=status))


def test_it_refuses_a_bad_signature_and_stores_nothing(webhook_client, approved_membership):
    invoice = issued(approved_membership)

    response = deliver(
        webhook_client, invoice_event("invoice.paid", invoice, "paid"), secret="whsec_wrong"
    )

    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


def test_it_refuses_a_stale_signature(webhook_client, approved_membership):
    invoice = issued(approved_membership)

    response = deliver(
        webhook_client,
        invoice_event("invoice.paid", invoice, "paid"),
        timestamp=int(time.time()) - 3600,
    )

    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


def test_it_refuses_an_unsigned_body(webhook_client):
    response = webhook_client.post(
        "/billing/stripe/webhook/", data="{}", content_type="application/json"
    )

    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


def test_it_stores_and_acknowledges_unknown_types(webhook_client):
    payout = event("payout.created", stripe_object("payout"))
    unknown = event("customer.tax_id.created", stripe_object("tax_id"))

    assert deliver(webhook_client, payout).status_code == 200
    assert deliver(webhook_client, unknown).status_code == 200

    stored = {e.type: e for e in StripeEvent.objects.all()}
    assert stored["payout.created"].status == StripeEvent.Status.STORED
    assert stored["payout.created"].data_object["id"] == "po_1Pgc79B7WZ01zgkWu1KToYf4"
    assert stored["customer.tax_id.created"].status == StripeEvent.Status.STORED


def test_it_records_a_paid_invoice_once_however_often_stripe_says_so(
    webhook_client, fake_stripe, approved_membership
):
    invoice = issued(approved_membership)
    intent_id = fake_stripe.pay(invoice.stripe_invoice_id)
    paid = invoice_event("invoice.paid", invoice, "paid")

    first = deliver(webhook_client, paid)
    again = deliver(webhook_client, paid)
    # Other events about the same payment change nothing more either.
    deliver(webhook_client, intent_event("payment_intent.succeeded", intent_id, "succeeded"))
    deliver(
        webhook_client,
        event(
            "invoice_payment.paid",
            stripe_object(
                "invoice_payment",
                invoice=invoice.stripe_invoice_id,
                payment={"type": "payment_intent", "payment_intent": intent_id},
                status="paid",
            ),
        ),
    )

    assert first.status_code == again.status_code == 200
    assert again.json()["duplicate"] is True
    assert StripeEvent.objects.filter(stripe_id=paid["id"]).count() == 1
    payment = Payment.objects.get()
    assert payment.stripe_payment_intent_id == intent_id
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.method == Payment.Method.CARD
    assert payment.amount == Decimal("300.00")
    assert payment.fee == Decimal("9.00")
    assert payment.net == Decimal("291.00")
    assert payment.gl_account == "1050"
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    approved_membership.refresh_from_db()
    assert approved_membership.status == Membership.Status.ACTIVE
    assert sum("Receipt" in m.subject for m in mail.outbox) == 1


def test_it_takes_events_out_of_order(webhook_client, fake_stripe, approved_membership):
    invoice = issued(approved_membership)
    finalized = invoice_event("invoice.finalized", invoice, "open", created=int(time.time()) - 60)
    fake_stripe.pay(invoice.stripe_invoice_id)

    deliver(webhook_client, invoice_event("invoice.paid", invoice, "paid"))
    deliver(webhook_client, finalized)

    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert StripeEvent.objects.filter(status=StripeEvent.Status.PROCESSED).count() == 2


def test_it_finds_an_invoice_whose_event_arrives_before_issuing_stored_its_id(
    webhook_client, fake_stripe, approved_membership
):
    invoice = issued(approved_membership)
    stripe_id = invoice.stripe_invoice_id
    Invoice.objects.filter(pk=invoice.pk).update(stripe_invoice_id=None)
    invoice.refresh_from_db()
    invoice.stripe_invoice_id = stripe_id
    fake_stripe.pay(stripe_id)

    deliver(webhook_client, invoice_event("invoice.paid", invoice, "paid"))

    invoice.refresh_from_db()
    assert invoice.stripe_invoice_id == stripe_id
    assert invoice.status == Invoice.Status.PAID


def test_it_records_a_partial_refund_made_in_stripe(
    webhook_client, fake_stripe, approved_membership
):
    invoice = issued(approved_membership)
    intent_id = fake_stripe.pay(invoice.stripe_invoice_id)
    deliver(webhook_client, invoice_event("invoice.paid", invoice, "paid"))
    fake_stripe.refund_in_dashboard(intent_id, Decimal("100.00"))
    charge = stripe_object(
        "charge", id="ch_partial", payment_intent=intent_id, amount=30000, amount_refunded=10000
    )

    deliver(webhook_client, event("charge.refunded", charge))
    deliver(webhook_client, event("charge.refunded", charge))

    refund = Refund.objects.get()
    assert refund.amount == Decimal("100.00")
    assert refund.status == Refund.Status.SUCCEEDED
    assert refund.reason == "Refunded in Stripe."
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert invoice.net_paid == Decimal("200.00")
    approved_membership.refresh_from_db()
    assert approved_membership.status == Membership.Status.ACTIVE


def test_it_waits_for_ach_then_records_its_failure(
    webhook_client, fake_stripe, approved_membership
):
    invoice = issued(approved_membership)
    intent_id = fake_stripe.start_ach(invoice.stripe_invoice_id)

    deliver(webhook_client, intent_event("payment_intent.processing", intent_id, "processing"))

    payment = Payment.objects.get()
    assert payment.method == Payment.Method.ACH
    assert payment.status == Payment.Status.PENDING
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.OPEN
    assert invoice.amount_due == Decimal("300.00")
    approved_membership.refresh_from_db()
    assert approved_membership.status == Membership.Status.APPROVED

    fake_stripe.settle_ach(intent_id, succeeded=False)
    deliver(
        webhook_client,
        intent_event("payment_intent.payment_failed", intent_id, "requires_payment_method"),
    )
    deliver(webhook_client, invoice_event("invoice.payment_failed", invoice, "open"))

    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert "insufficient funds" in payment.failure_message
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.OPEN
    approved_membership.refresh_from_db()
    assert approved_membership.status == Membership.Status.APPROVED
    failed_mail = [m for m in mail.outbox if "did not go through" in m.subject]
    assert len(failed_mail) == 1
    assert invoice.pay_url in failed_mail[0].body


def test_it_activates_the_membership_when_ach_clears(
    webhook_client, fake_stripe, approved_membership
):
    invoice = issued(approved_membership)
    intent_id = fake_stripe.start_ach(invoice.stripe_invoice_id)
    deliver(webhook_client, intent_event("payment_intent.processing", intent_id, "processing"))

    fake_stripe.settle_ach(intent_id, succeeded=True)
    deliver(webhook_client, intent_event("payment_intent.succeeded", intent_id, "succeeded"))

    payment = Payment.objects.get()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.fee == Decimal("2.40")
    approved_membership.refresh_from_db()
    assert approved_membership.paid_through == date(2026, 12, 31)


def test_it_records_a_dispute_against_the_payment(webhook_client, fake_stripe, approved_membership):
    invoice = issued(approved_membership)
    intent_id = fake_stripe.pay(invoice.stripe_invoice_id)
    deliver(webhook_client, invoice_event("invoice.paid", invoice, "paid"))
    payment = Payment.objects.get()
    # An inquiry: Stripe withdraws nothing, so the invoice stays paid.
    fake_stripe.dispute(
        intent_id,
        dispute_id="dp_test",
        status="warning_needs_response",
        withdrawn=False,
        fee=Decimal("0.00"),
        reason="general",
        evidence_due_by=datetime(2026, 12, 20, tzinfo=UTC),
    )

    # The event's copy is Stripe's example: the handler reads the dispute from Stripe.
    deliver(webhook_client, event("charge.dispute.created", stripe_object("dispute", id="dp_test")))

    record = Dispute.objects.get()
    assert record.payment == payment
    assert record.amount == Decimal("300.00")
    assert record.reason == "general"
    assert record.status == "warning_needs_response"
    assert record.evidence_due_by is not None
    assert "Dispute of $300.00" in StripeEvent.objects.get(type="charge.dispute.created").outcome
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID


def test_it_follows_stripe_when_an_invoice_is_voided_or_written_off_there(
    webhook_client, fake_stripe, approved_membership
):
    invoice = issued(approved_membership)
    fake_stripe.void_invoice(invoice.stripe_invoice_id, idempotency_key="dashboard")

    deliver(webhook_client, invoice_event("invoice.voided", invoice, "void"))

    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.VOID


def test_it_records_a_checkout_payment_by_our_metadata(
    webhook_client, fake_stripe, approved_membership
):
    invoice = issued(approved_membership)
    Invoice.objects.filter(pk=invoice.pk).update(stripe_invoice_id=None)
    session = fake_stripe.create_checkout_session(
        lines=[],
        success_url="https://example.org/ok",
        cancel_url="https://example.org/cancel",
        customer_email="",
        idempotency_key="checkout-1",
        metadata={"invoice_id": str(invoice.pk)},
    )
    # Checkout copies our metadata onto its PaymentIntent (payment_intent_data): that copy,
    # read back from Stripe, is what ties the payment to our invoice.
    fake_stripe.payments["pi_checkout"] = RemotePayment(
        id="pi_checkout",
        status="succeeded",
        amount=Decimal("300.00"),
        method="card",
        metadata={"invoice_id": str(invoice.pk)},
    )
    completed = stripe_object(
        "checkout.session",
        id=session.id,
        payment_intent="pi_checkout",
        payment_status="paid",
        status="complete",
        metadata={"invoice_id": str(invoice.pk)},
    )

    deliver(webhook_client, event("checkout.session.completed", completed))

    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert Payment.objects.get().stripe_payment_intent_id == "pi_checkout"


def test_it_keeps_a_failed_events_error_and_replays_it(
    webhook_client, fake_stripe, approved_membership
):
    invoice = issued(approved_membership)
    fake_stripe.pay(invoice.stripe_invoice_id)
    fake_stripe.outage = "Stripe is unreachable"

    response = deliver(webhook_client, invoice_event("invoice.paid", invoice, "paid"))

    assert response.status_code == 200
    stored = StripeEvent.objects.get()
    assert stored.status == StripeEvent.Status.FAILED
    assert "Stripe is unreachable" in stored.error
    assert not Payment.objects.exists()
    with pytest.raises(CommandError, match="failed again"):
        call_command("stripe_replay")

    fake_stripe.outage = ""
    with committed():
        call_command("stripe_replay")

    stored.refresh_from_db()
    assert stored.status == StripeEvent.Status.PROCESSED
    assert stored.error == ""
    assert stored.attempts == 3
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID

    call_command("stripe_replay", stored.stripe_id)
    assert Payment.objects.count() == 1


def test_it_goes_from_issue_to_paid_to_refunded_with_the_membership_following(
    webhook_client, fake_stripe, approved_membership
):
    invoice = issued(approved_membership)
    assert invoice.pay_url
    approved_membership.refresh_from_db()
    assert approved_membership.status == Membership.Status.APPROVED
    assert approved_membership.paid_through is None

    intent_id = fake_stripe.pay(invoice.stripe_invoice_id)
    response = deliver(webhook_client, invoice_event("invoice.paid", invoice, "paid"))

    assert response.status_code == 200
    invoice.refresh_from_db()
    approved_membership.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert invoice.amount_due == Decimal("0.00")
    assert approved_membership.status == Membership.Status.ACTIVE
    assert approved_membership.paid_through == date(2026, 12, 31)
    assert approved_membership.member_since == date(2026, 7, 1)

    with committed():
        refund = services.refund_create(payment=Payment.objects.get(), reason="moved out of state")

    assert refund.stripe_refund_id in {r.id for r in fake_stripe.refunds[intent_id]}
    assert refund.status == Refund.Status.SUCCEEDED
    approved_membership.refresh_from_db()
    assert approved_membership.status == Membership.Status.APPROVED
    assert approved_membership.paid_through is None
    assert "Refunded in full" in refund.outcome

    # Stripe then reports the refund: it is the same one, and nothing is undone twice.
    charge = stripe_object("charge", id="ch_full", payment_intent=intent_id, refunded=True)
    deliver(webhook_client, event("charge.refunded", charge))
    assert Refund.objects.count() == 1
    assert approved_membership.transitions.filter(to_status="approved").count() == 1
