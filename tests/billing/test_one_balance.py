"""One balance, everywhere (issue 16, item 1): an offline payment on a Stripe invoice lowers what
Stripe asks the payer for; a check is refused while an ACH debit is processing; money that still
arrives over the total becomes a visible credit balance, refunded or applied; every payment gets
a receipt saying what was paid and what is still due, every refund a notice.

Driven through the real `stripe` library against the local Stripe test double."""

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from billing import services
from billing.gateways.stripe import StripeGateway
from billing.models import CreditEntry, Invoice, Payment, Refund
from core.exceptions import InvalidData, ServiceError
from crm.models import EmailLog, Membership
from tests.billing.stripe_payloads import committed
from tests.billing.stripe_stub import stripe_stub
from tests.factories import AffiliationFactory, MembershipFactory, OrganizationFactory, PlanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stub(settings):
    with stripe_stub(settings) as running:
        yield running


@pytest.fixture
def membership(db) -> Membership:
    """A business on a $1,250 a year plan, billed for a year from its start."""
    organization = OrganizationFactory(name="Riverside Machining", employees=40)
    AffiliationFactory(
        organization=organization,
        contact__email="ap@riverside.example.com",
        contact__first_name="Kim",
        is_billing=True,
    )
    return MembershipFactory(
        organization=organization,
        plan=PlanFactory(
            name="Corporate", flat_amount="1250.00", billing_cycle="anniversary", proration="none"
        ),
        status=Membership.Status.APPROVED,
        start_date=date(2026, 12, 1),
    )


def issued(membership: Membership) -> Invoice:
    with committed():
        invoice = services.invoice_issue(
            invoice=services.invoice_create_for_membership(membership=membership)
        )
    assert invoice.total == Decimal("1250.00")
    assert invoice.stripe_invoice_id
    return invoice


def check(invoice: Invoice, amount: str, number: str) -> Payment:
    with committed():
        return services.payment_record_offline(
            invoice=invoice,
            amount=Decimal(amount),
            method="check",
            check_number=number,
            received_on=timezone.localdate(),
        )


def sync(invoice: Invoice) -> Invoice:
    with committed():
        services.invoice_sync_from_stripe(invoice=invoice)
    invoice.refresh_from_db()
    return invoice


def mails(template: str) -> list:
    """The mails sent from `template`, as sent (subject and text body)."""
    subjects = list(
        EmailLog.objects.filter(template=template).order_by("pk").values_list("subject", flat=True)
    )
    return [m for m in mail.outbox if m.subject in subjects]


def test_it_takes_a_check_off_what_stripe_asks_so_the_card_pays_only_the_rest(stub, membership):
    invoice = issued(membership)

    payment = check(invoice, "500.00", "1042")

    # Stripe's invoice now asks for $750: a credit note before payment took the check off.
    (note,) = stub.credit_notes
    assert note["invoice"] == invoice.stripe_invoice_id
    assert note["amount"] == 50000
    assert stub.invoices[invoice.stripe_invoice_id]["amount_remaining"] == 75000
    assert stub.keys(f"payment-{payment.pk}-credit-note")
    payment.refresh_from_db()
    assert payment.stripe_credit_note_id == note["id"]
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_due, invoice.stripe_error) == (
        Invoice.Status.OPEN,
        Decimal("750.00"),
        "",
    )

    # The part payment got a receipt with what was paid and what is still due.
    (receipt,) = mails("payment_receipt")
    assert receipt.subject == f"Receipt: payment on invoice {invoice.number}"
    assert "This payment: $500.00" in receipt.body
    assert "Paid on this invoice so far: $500.00" in receipt.body
    assert "Still due: $750.00" in receipt.body
    assert "paid in full" not in receipt.body

    intent_id = stub.pay(invoice.stripe_invoice_id)
    invoice = sync(invoice)

    card = Payment.objects.get(stripe_payment_intent_id=intent_id)
    assert card.amount == Decimal("750.00")
    assert card.method == Payment.Method.CARD
    assert invoice.status == Invoice.Status.PAID
    assert invoice.amount_paid == invoice.total == Decimal("1250.00")
    assert not CreditEntry.objects.exists()
    final = mails("payment_receipt")[-1]
    assert final.subject == f"Receipt: invoice {invoice.number} is paid"
    assert "Paid on this invoice so far: $1,250.00" in final.body
    assert "Still due: $0.00" in final.body


def test_it_marks_stripe_paid_out_of_band_when_the_checks_cover_the_rest(stub, membership):
    invoice = issued(membership)
    check(invoice, "500.00", "1042")

    check(invoice, "750.00", "1043")

    remote = stub.invoices[invoice.stripe_invoice_id]
    assert (remote["status"], remote["paid_out_of_band"], remote["amount_remaining"]) == (
        "paid",
        True,
        0,
    )
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    with pytest.raises(AssertionError, match="asks nothing more"):
        stub.pay(invoice.stripe_invoice_id)


def test_it_refuses_a_check_while_an_ach_debit_is_processing_even_before_its_webhook(
    stub, membership
):
    invoice = issued(membership)
    intent_id = stub.pay(invoice.stripe_invoice_id, method="ach", processing=True)

    # No webhook has told us yet: recording the check asks Stripe first.
    with pytest.raises(ServiceError, match="still processing") as refused:
        check(invoice, "1250.00", "5521")

    assert "ACH bank transfer payment of $1,250.00" in refused.value.message
    assert not Payment.objects.filter(method=Payment.Method.CHECK).exists()
    assert not stub.credit_notes

    stub.settle(intent_id)
    invoice = sync(invoice)
    assert invoice.status == Invoice.Status.PAID
    assert invoice.amount_paid == Decimal("1250.00")
    # Now the invoice asks nothing: the check is refused.
    with pytest.raises(ServiceError, match="is paid: it takes no payment"):
        check(invoice, "1250.00", "5521")


def test_it_takes_the_check_once_the_ach_debit_failed(stub, membership):
    invoice = issued(membership)
    intent_id = stub.pay(invoice.stripe_invoice_id, method="ach", processing=True)
    sync(invoice)
    stub.settle(intent_id, succeeded=False)
    sync(invoice)

    check(invoice, "1250.00", "5521")

    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert [p.status for p in invoice.payments.order_by("pk")] == ["failed", "succeeded"]


def overpaid(stub, membership) -> tuple[Invoice, Payment]:
    """Stripe is down while finance records the full check, and the payer pays the card
    Stripe still asks for: the card's money arrives over the total."""
    invoice = issued(membership)
    stub.mode = "error"
    check(invoice, "1250.00", "8810")
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert "Stripe still shows it open" in invoice.stripe_error
    stub.mode = "ok"
    intent_id = stub.pay(invoice.stripe_invoice_id)
    with committed():
        outcomes = services.invoice_sync_from_stripe(invoice=invoice)
    assert any("added to Riverside Machining's credit balance" in o for o in outcomes)
    invoice.refresh_from_db()
    return invoice, Payment.objects.get(stripe_payment_intent_id=intent_id)


def test_money_over_the_total_becomes_a_visible_credit_balance(stub, membership):
    invoice, card = overpaid(stub, membership)

    assert invoice.status == Invoice.Status.PAID
    (entry,) = CreditEntry.objects.all()
    assert (entry.kind, entry.amount, entry.invoice, entry.payment) == (
        CreditEntry.Kind.ADDED,
        Decimal("1250.00"),
        invoice,
        card,
    )
    assert services.credit_balance(membership.organization) == Decimal("1250.00")
    receipt = mails("payment_receipt")[-1]
    assert "$1,250.00 of this payment was more than the invoice asked for" in receipt.body

    # Syncing again adds nothing more.
    sync(invoice)
    assert CreditEntry.objects.count() == 1


def test_finance_refunds_a_credit_balance_through_stripe(stub, membership):
    invoice, card = overpaid(stub, membership)

    with committed():
        (refund,) = services.credit_refund(
            organization=membership.organization, reason="Paid twice: check and card."
        )

    assert (refund.payment, refund.amount, refund.status) == (
        card,
        Decimal("1250.00"),
        Refund.Status.SUCCEEDED,
    )
    assert stub.refunds[card.stripe_payment_intent_id][0]["amount"] == 125000
    assert services.credit_balance(membership.organization) == Decimal("0.00")
    assert CreditEntry.objects.get(kind=CreditEntry.Kind.REFUNDED).amount == Decimal("-1250.00")
    invoice.refresh_from_db()
    # The invoice stays paid by the check: the overpaid part is what went back.
    assert invoice.status == Invoice.Status.PAID
    assert invoice.reversed_at is None
    (notice,) = mails("refund_notice")
    assert "We are refunding $1,250.00 of your Card payment" in notice.body
    with pytest.raises(ServiceError, match="no credit balance"):
        services.credit_refund(organization=membership.organization, reason="again")


def test_a_refund_of_the_overpaying_payment_takes_it_off_the_credit_balance(stub, membership):
    _, card = overpaid(stub, membership)

    with committed():
        services.refund_create(payment=card, amount=Decimal("200.00"), reason="Part back.")

    assert services.credit_balance(membership.organization) == Decimal("1050.00")


def test_finance_applies_a_credit_balance_to_the_next_invoice(stub, membership):
    overpaid(stub, membership)
    renewal = issued_for_next_period(membership)

    with committed():
        payment = services.credit_apply(invoice=renewal)

    assert payment.method == Payment.Method.CREDIT
    assert payment.amount == Decimal("1250.00")
    renewal.refresh_from_db()
    assert renewal.status == Invoice.Status.PAID
    assert services.credit_balance(membership.organization) == Decimal("0.00")
    applied = CreditEntry.objects.get(kind=CreditEntry.Kind.APPLIED)
    assert (applied.invoice, applied.payment, applied.amount) == (
        renewal,
        payment,
        Decimal("-1250.00"),
    )
    # Stripe's copy of the renewal asks for nothing any more.
    assert stub.invoices[renewal.stripe_invoice_id]["status"] == "paid"
    with pytest.raises(ServiceError, match="nothing to apply"):
        services.credit_apply(invoice=renewal)


def test_applying_more_credit_than_the_balance_changes_nothing(stub, membership):
    overpaid(stub, membership)
    renewal = issued_for_next_period(membership)
    services.credit_refund(
        organization=membership.organization, amount=Decimal("1000.00"), reason="Most back."
    )

    with pytest.raises(InvalidData, match=r"only \$250.00 in credit"):
        services.credit_apply(invoice=renewal, amount=Decimal("300.00"))

    assert not renewal.payments.exists()
    assert services.credit_balance(membership.organization) == Decimal("250.00")


def issued_for_next_period(membership: Membership) -> Invoice:
    membership.refresh_from_db()
    with committed():
        return services.invoice_issue(
            invoice=services.invoice_create_for_membership(membership=membership)
        )


def test_a_refund_of_a_check_gets_a_notice(stub, membership):
    invoice = issued(membership)
    payment = check(invoice, "1250.00", "1042")

    with committed():
        services.refund_create(payment=payment, amount=Decimal("50.00"), reason="Fee waived.")

    (notice,) = mails("refund_notice")
    assert notice.subject == f"Refund of $50.00 on invoice {invoice.number}"
    assert "a check is on its way to you" in notice.body
    assert "Paid on this invoice, net of refunds: $1,200.00" in notice.body


def test_the_gateway_sends_a_credit_note_before_payment():
    from tests.billing.stripe_payloads import stripe_object
    from tests.billing.test_stripe_gateway import gateway

    gw, http = gateway((200, stripe_object("credit_note", id="cn_1", amount=50000, invoice="in_1")))

    note = gw.credit_invoice(
        "in_1",
        amount=Decimal("500.00"),
        memo="Check 1042 received",
        idempotency_key="payment-7-credit-note",
        metadata={"payment_id": "7"},
    )

    assert isinstance(gw, StripeGateway)
    assert (note.id, note.invoice_id, note.amount) == ("cn_1", "in_1", Decimal("500.00"))
    sent = http.requests[0]
    assert (sent["method"], sent["path"]) == ("POST", "/v1/credit_notes")
    assert sent["headers"]["Idempotency-Key"] == "payment-7-credit-note"
    assert sent["form"]["invoice"] == ["in_1"]
    assert sent["form"]["amount"] == ["50000"]
    assert sent["form"]["metadata[payment_id]"] == ["7"]
    # A credit note before payment: nothing refunded, credited or marked paid outside Stripe.
    assert not {"refund_amount", "credit_amount", "out_of_band_amount"} & set(sent["form"])
