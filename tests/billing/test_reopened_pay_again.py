"""An invoice reopened by a lost dispute or an ACH return can be paid on Stripe again (issue 16):
Stripe's first copy is paid and takes no other payment, so a new Stripe invoice asks for what is
owed (what is still paid on it taken off by a credit note), and the mail, the portal and the
public API carry its link. Stripe down at that moment: the payer is told to pay another way and
`stripe_retry` makes the invoice and mails its link.

Through the real `stripe` library against the local Stripe test double."""

from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client

from billing import services
from billing.models import Invoice, Payment
from billing.selectors import invoice_public_data
from crm.models import Membership
from tests.billing import test_disputes_and_returns as disputes
from tests.billing.stripe_payloads import committed, deliver
from tests.billing.test_disputes_and_returns import (
    dispute_event,
    invoice_paid,
    issued,
    paid_by_card_now,
    taken_back_mails,
)

pytestmark = pytest.mark.django_db
# The Stripe test double and a $600 membership, as the dispute tests have them.
stub = disputes.stub
membership = disputes.membership


def lose_dispute(stub, intent_id: str) -> None:
    dispute = stub.dispute(intent_id, status="lost")
    deliver(Client(), dispute_event("charge.dispute.closed", dispute["id"]))


def test_the_member_pays_the_reopened_invoice_again_on_a_new_stripe_invoice(
    stub,
    membership,
):
    invoice, intent_id = paid_by_card_now(stub, membership)
    first = invoice.stripe_invoice_id
    lose_dispute(stub, intent_id)

    invoice.refresh_from_db()
    second = invoice.stripe_invoice_id
    assert second != first
    assert stub.invoices[first]["status"] == "paid"  # cannot be paid again
    new = stub.invoices[second]
    # Our lines (the money check compares totals), all of it owed: nothing is still paid.
    assert (new["status"], new["total"], new["amount_remaining"]) == ("open", 60000, 60000)
    assert new["metadata"]["invoice_id"] == str(invoice.pk)
    assert stub.keys(f"invoice-{invoice.pk}-reopened-")
    link = f"https://invoice.stripe.test/i/{second}"
    (notice,) = taken_back_mails()
    assert f"To pay it: {link}" in notice.body
    public = invoice_public_data(invoice)
    assert (public["pay_url"], public["amount_due"], public["payment_instructions"]) == (
        link,
        "600.00",
        None,
    )

    again = stub.pay(second)
    deliver(Client(), invoice_paid(invoice))

    invoice.refresh_from_db()
    membership.refresh_from_db()
    assert (invoice.status, invoice.amount_due, invoice.pay_url) == (
        Invoice.Status.PAID,
        Decimal("0.00"),
        None,
    )
    assert membership.status == Membership.Status.ACTIVE
    lost, paid = Payment.objects.order_by("pk")
    assert (lost.stripe_payment_intent_id, paid.stripe_payment_intent_id) == (intent_id, again)
    assert invoice.amount_paid == Decimal("600.00")  # $1,200 received, $600 taken back


def test_a_check_paid_before_is_taken_off_the_new_stripe_invoice(
    stub,
    membership,
):
    """$200 by check, $400 by card; the card is lost: Stripe asks for $400 only."""
    invoice = issued(membership)
    with committed():
        services.payment_record_offline(
            invoice=invoice,
            amount=Decimal("200.00"),
            method="check",
            check_number="77",
            received_on=invoice.issue_date,
        )
    intent_id = stub.pay(invoice.stripe_invoice_id)
    deliver(Client(), invoice_paid(invoice))
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID

    lose_dispute(stub, intent_id)

    invoice.refresh_from_db()
    assert invoice.amount_due == Decimal("400.00")
    new = stub.invoices[invoice.stripe_invoice_id]
    assert (new["total"], new["amount_remaining"]) == (60000, 40000)
    note = stub.credit_notes[-1]
    assert (note["invoice"], note["amount"]) == (invoice.stripe_invoice_id, 20000)


def test_stripe_down_when_it_reopens_then_stripe_retry_mails_the_new_link(
    stub,
    membership,
):
    invoice, intent_id = paid_by_card_now(stub, membership)
    dispute = stub.dispute(intent_id, status="lost")
    stub.mode = "posts_fail"
    deliver(Client(), dispute_event("charge.dispute.closed", dispute["id"]))
    stub.mode = "ok"

    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.OPEN
    assert (invoice.stripe_invoice_id, invoice.pay_url, invoice.pay_link_pending) == (
        None,
        None,
        True,
    )
    (notice,) = taken_back_mails()
    assert "Pay by check to the MetroHartford Alliance" in notice.body
    mail.outbox.clear()

    with committed():
        services.invoices_retry_stripe()

    invoice.refresh_from_db()
    assert invoice.stripe_invoice_id not in (None, f"in_stub{invoice.pk}")
    assert stub.invoices[invoice.stripe_invoice_id]["amount_remaining"] == 60000
    (sent,) = mail.outbox
    assert sent.subject == f"Invoice {invoice.number}: pay online"
    assert invoice.pay_url in sent.body
