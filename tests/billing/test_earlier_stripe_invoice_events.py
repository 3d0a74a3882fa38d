"""Stripe's events about an invoice's FIRST Stripe invoice after it got a second one (reopened by a
lost or withdrawn dispute, or an ACH return): the invoice is found by either Stripe id (the
earlier ones are kept, EarlierStripeInvoice) and the event is applied to the Stripe invoice it is
about, never by re-reading only the second one. A late `invoice.paid` for the first changes
nothing; a payment made on the first's old link (Stripe reopens it after an ACH return) is
recorded once and the second Stripe invoice stops asking for the money; a refund and a dispute
on the first's charges are recorded against their payment; nothing is recorded or charged twice.

Driven through the webhook and the real `stripe` library against the local Stripe test double."""

from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps
from django.test import Client

from billing.models import Dispute, EarlierStripeInvoice, Invoice, Payment, Refund, StripeEvent
from billing.money import to_minor_units
from billing.services.stripe_sync import invoice_sync_from_stripe
from crm.models import Membership
from tests.billing import test_disputes_and_returns as disputes
from tests.billing.stripe_payloads import deliver, event, stripe_object
from tests.billing.test_disputes_and_returns import (
    ach_paid,
    dispute_event,
    paid_by_card_now,
    taken_back_mails,
)

pytestmark = pytest.mark.django_db
# The Stripe test double (webhooks signed) and the $600 membership of the dispute tests.
stub = disputes.stub
membership = disputes.membership


def paid_event(type_: str, stripe_invoice_id: str, invoice: Invoice) -> dict:
    """`invoice.*` for a Stripe invoice of ours (the event's copy is not believed: only its id)."""
    obj = stripe_object(
        "invoice",
        id=stripe_invoice_id,
        status="paid",
        total=to_minor_units(invoice.total),
        metadata={"invoice_id": str(invoice.pk)},
    )
    return event(type_, obj)


def outcome(envelope: dict) -> str:
    processed = StripeEvent.objects.get(stripe_id=envelope["id"])
    assert processed.status == StripeEvent.Status.PROCESSED, processed.error
    return processed.outcome


def posts(stub) -> list[str]:
    return [r["path"] for r in stub.requests if r["method"] == "POST"]


def ach_returned_and_reopened(stub, membership) -> tuple[Invoice, str, str, str]:
    """An invoice paid by ACH whose debit the bank returns: Stripe opens its invoice again, and
    so do we, with a second Stripe invoice. The invoice, the ACH intent, both Stripe ids."""
    invoice, ach_intent = ach_paid(stub, membership)
    first = invoice.stripe_invoice_id
    stub.fail_after_success(ach_intent, reopen_invoice=True)
    deliver(
        Client(),
        event("charge.failed", stripe_object("charge", payment_intent=ach_intent, status="failed")),
    )
    invoice.refresh_from_db()
    return invoice, ach_intent, first, invoice.stripe_invoice_id


def test_late_first_stripe_invoice_events_change_nothing_a_won_dispute_closes_the_second(
    stub, membership
):
    invoice, intent_id = paid_by_card_now(stub, membership)
    first = invoice.stripe_invoice_id
    opened = stub.dispute(intent_id, status="needs_response")
    deliver(Client(), dispute_event("charge.dispute.funds_withdrawn", opened["id"]))
    invoice.refresh_from_db()
    second = invoice.stripe_invoice_id
    assert (invoice.status, second != first) == (Invoice.Status.OPEN, True)
    assert list(invoice.earlier_stripe_invoices.values_list("stripe_invoice_id", flat=True)) == [
        first
    ]
    before = posts(stub)

    late = [
        paid_event("invoice.paid", first, invoice),
        paid_event("invoice.payment_succeeded", first, invoice),
        event("invoice_payment.paid", stripe_object("invoice_payment", invoice=first)),
        event("payment_intent.succeeded", {"id": intent_id}),
    ]
    for envelope in late:
        deliver(Client(), envelope)

    for envelope in late:
        assert "not one of ours" not in outcome(envelope)
    assert outcome(late[0]) == f"Invoice {invoice.number} already up to date."
    # Nothing recorded twice, nothing asked of Stripe, the second Stripe invoice still asks.
    assert Payment.objects.count() == 1
    assert posts(stub) == before
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_due, invoice.stripe_invoice_id) == (
        Invoice.Status.OPEN,
        Decimal("600.00"),
        second,
    )
    assert stub.invoices[second]["status"] == "open"

    # A dispute update on the first's charge: won, the money pays the invoice again.
    stub.dispute(intent_id, status="won", won=True)
    won = dispute_event("charge.dispute.closed", opened["id"])
    deliver(Client(), won)
    deliver(Client(), dispute_event("charge.dispute.funds_reinstated", opened["id"]))

    invoice.refresh_from_db()
    membership.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (Invoice.Status.PAID, Decimal("600.00"))
    assert membership.status == Membership.Status.ACTIVE
    assert (Dispute.objects.get().status, Payment.objects.count()) == ("won", 1)
    assert stub.invoices[second]["status"] == "paid"  # marked paid out of band, once
    assert posts(stub)[len(before) :] == [f"/v1/invoices/{second}/pay"]


def test_a_payment_on_the_first_stripe_invoices_old_link_is_recorded_once_and_closes_the_second(
    stub, membership
):
    invoice, ach_intent, first, second = ach_returned_and_reopened(stub, membership)
    assert (invoice.status, second != first) == (Invoice.Status.OPEN, True)
    assert len(taken_back_mails()) == 1

    # The payer pays by card on the first invoice's old link.
    card_intent = stub.pay(first)
    succeeded = event("payment_intent.succeeded", {"id": card_intent})
    deliver(Client(), succeeded)

    assert "not for an invoice of ours" not in outcome(succeeded)
    card = Payment.objects.get(stripe_payment_intent_id=card_intent)
    assert (card.invoice, card.status, card.amount) == (
        invoice,
        Payment.Status.SUCCEEDED,
        Decimal("600.00"),
    )
    invoice.refresh_from_db()
    membership.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (Invoice.Status.PAID, Decimal("600.00"))
    assert membership.status == Membership.Status.ACTIVE
    # The second Stripe invoice asks for nothing any more: the payer cannot pay twice.
    assert stub.invoices[second]["status"] == "paid"
    assert stub.invoices[second]["paid_out_of_band"] is True
    marked = posts(stub).count(f"/v1/invoices/{second}/pay")

    # The same payment told again, by every event that names it or its Stripe invoice.
    again = [
        succeeded,
        event("payment_intent.succeeded", {"id": card_intent}),
        paid_event("invoice.paid", first, invoice),
        event("invoice_payment.paid", stripe_object("invoice_payment", invoice=first)),
        event("charge.failed", stripe_object("charge", payment_intent=ach_intent)),
    ]
    for envelope in again:
        deliver(Client(), envelope)

    assert Payment.objects.filter(invoice=invoice).count() == 2  # the returned ACH, the card
    assert posts(stub).count(f"/v1/invoices/{second}/pay") == marked == 1
    assert len(taken_back_mails()) == 1
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (Invoice.Status.PAID, Decimal("600.00"))

    # Finance refunds $100 of the card in Stripe's dashboard.
    stub.refunds[card_intent] = [
        stripe_object(
            "refund",
            id="re_dash1",
            amount=10000,
            payment_intent=card_intent,
            charge=stub.intents[card_intent]["latest_charge"]["id"],
            status="succeeded",
            metadata={},
        )
    ]
    refunded = event("charge.refunded", {"id": "ch_x", "payment_intent": card_intent})
    deliver(Client(), refunded)
    deliver(Client(), event("refund.updated", {"charge": "ch_x", "payment_intent": card_intent}))

    (refund,) = Refund.objects.all()
    assert (refund.payment, refund.amount, refund.stripe_refund_id) == (
        card,
        Decimal("100.00"),
        "re_dash1",
    )
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID  # a partial refund changes nothing else


def test_the_earlier_stripe_invoices_of_invoices_reopened_before_are_read_from_history(
    stub, membership
):
    invoice, intent_id = paid_by_card_now(stub, membership)
    first = invoice.stripe_invoice_id
    stub.dispute(intent_id, status="lost")
    deliver(Client(), dispute_event("charge.dispute.closed", f"dp_stub{intent_id}"))
    EarlierStripeInvoice.objects.all().delete()  # as before the migration
    backfill = import_module(
        "billing.migrations.0016_earlier_stripe_invoices"
    ).remember_earlier_stripe_invoices

    backfill(apps, None)
    backfill(apps, None)  # twice: nothing more

    (earlier,) = EarlierStripeInvoice.objects.all()
    assert (earlier.invoice_id, earlier.stripe_invoice_id) == (invoice.pk, first)
    # A Stripe id that is none of the invoice's is not read for it.
    invoice.refresh_from_db()
    assert invoice_sync_from_stripe(invoice=invoice, stripe_invoice_id="in_other") == [
        f"Stripe invoice in_other is not one of invoice {invoice.number}'s."
    ]


def test_a_part_payment_on_the_first_stripe_invoices_old_link_comes_off_the_second_once(
    stub, membership
):
    """Still owing after a late payment on the first Stripe invoice: that payment comes off the
    second by one credit note (the payer is not asked for it twice), the rest is still asked."""
    invoice, _, first, second = ach_returned_and_reopened(stub, membership)
    assert (invoice.status, invoice.amount_due) == (Invoice.Status.OPEN, Decimal("600.00"))

    # The first Stripe invoice's old link takes $200 of it (its remainder lowered in Stripe).
    stub.invoices[first]["amount_remaining"] = 20000
    card_intent = stub.pay(first)
    succeeded = event("payment_intent.succeeded", {"id": card_intent})
    deliver(Client(), succeeded)

    assert f"$200.00 taken off Stripe invoice {second}." in outcome(succeeded)
    card = Payment.objects.get(stripe_payment_intent_id=card_intent)
    assert (card.invoice, card.amount) == (invoice, Decimal("200.00"))
    assert card.stripe_credit_note_id
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_due) == (Invoice.Status.OPEN, Decimal("400.00"))
    assert stub.invoices[second]["status"] == "open"
    assert stub.invoices[second]["amount_remaining"] == 40000
    assert [n["invoice"] for n in stub.credit_notes] == [second]

    # Told again: nothing recorded or credited twice.
    for envelope in (succeeded, event("payment_intent.succeeded", {"id": card_intent})):
        deliver(Client(), envelope)
    assert Payment.objects.filter(stripe_payment_intent_id=card_intent).count() == 1
    assert len(stub.credit_notes) == 1
    assert stub.invoices[second]["amount_remaining"] == 40000
