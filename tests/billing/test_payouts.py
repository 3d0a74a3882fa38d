"""Stripe payouts reconciled against our payments: built with the fake gateway playing Stripe's
side (payments, refunds, disputes, then a payout of their balance transactions)."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from billing import services
from billing.models import BalanceTransaction, Payment, Payout, StripeEvent
from billing.services.payouts import payout_problems
from core.exceptions import ServiceError
from crm.models import Membership
from tests.billing.stripe_payloads import committed, deliver, event, stripe_object
from tests.factories import MembershipFactory, OrganizationFactory, PlanFactory

pytestmark = pytest.mark.django_db

Match = BalanceTransaction.Match


def paid_by_card(fake_stripe, name: str, dues: str = "600.00") -> Payment:
    """A $dues calendar-year plan joined on 1 July 2026 (half a year billed), paid by card."""
    membership = MembershipFactory(
        organization=OrganizationFactory(name=name, employees=5),
        plan=PlanFactory(flat_amount=dues, gl_revenue_account="4010"),
        status=Membership.Status.APPROVED,
        start_date=date(2026, 7, 1),
    )
    with committed():
        invoice = services.invoice_issue(
            invoice=services.invoice_create_for_membership(membership=membership)
        )
        intent_id = fake_stripe.pay(invoice.stripe_invoice_id)
        services.invoice_sync_from_stripe(invoice=invoice)
    payment = Payment.objects.get(stripe_payment_intent_id=intent_id)
    # Until the payout, we know no fee.
    Payment.objects.filter(pk=payment.pk).update(fee=None, net=None)
    return payment


def sync(since=date(2026, 10, 1), until=date(2026, 10, 31)):
    with committed():
        return services.payout_sync(since=since, until=until)


def test_it_reconciles_a_clean_payout_and_records_the_fees(fake_stripe):
    first = paid_by_card(fake_stripe, "Front Street Bakery")
    second = paid_by_card(fake_stripe, "Asylum Hill Books", dues="1200.00")
    remote = fake_stripe.pay_out(
        [
            fake_stripe.charge_transaction(first.stripe_payment_intent_id),
            fake_stripe.charge_transaction(second.stripe_payment_intent_id),
        ],
        arrival_date=date(2026, 10, 15),
    )

    result = sync()

    payout = Payout.objects.get(stripe_payout_id=remote.id)
    assert result.payouts == [payout]
    # $300 + $600 less 2.9% + 30c each: $9.00 and $17.70.
    assert payout.amount == Decimal("873.30")
    assert [t.match for t in payout.transactions.all()] == [Match.MATCHED, Match.MATCHED]
    first.refresh_from_db()
    assert (first.fee, first.net) == (Decimal("9.00"), Decimal("291.00"))
    assert payout_problems(payout) == []
    services.payout_review(payout=payout)
    payout.refresh_from_db()
    assert payout.reviewed_at is not None


def test_it_matches_refunds_and_a_dispute(fake_stripe):
    refunded = paid_by_card(fake_stripe, "Front Street Bakery")
    disputed = paid_by_card(fake_stripe, "Asylum Hill Books")
    with committed():
        refund = services.refund_create(payment=refunded, amount=Decimal("100.00"), reason="dup")
    remote_refund = fake_stripe.refunds[refunded.stripe_payment_intent_id][0]
    fake_stripe.dispute(disputed.stripe_payment_intent_id, dispute_id="dp_test1")
    with committed():
        services.dispute_record_from_stripe(dispute=stripe_object("dispute", id="dp_test1"))
    remote = fake_stripe.pay_out(
        [
            fake_stripe.charge_transaction(refunded.stripe_payment_intent_id),
            fake_stripe.charge_transaction(disputed.stripe_payment_intent_id),
            fake_stripe.refund_transaction(remote_refund),
            fake_stripe.dispute_transaction(
                dispute_id="dp_test1",
                payment_intent_id=disputed.stripe_payment_intent_id,
                amount=Decimal("300.00"),
                fee=Decimal("15.00"),
            ),
        ],
        arrival_date=date(2026, 10, 20),
    )

    sync()

    payout = Payout.objects.get(stripe_payout_id=remote.id)
    lines = {t.type: t for t in payout.transactions.all()}
    assert all(t.match == Match.MATCHED for t in lines.values())
    assert lines["refund"].refund == refund
    assert lines["refund"].payment == refunded
    assert lines["adjustment"].dispute.stripe_dispute_id == "dp_test1"
    assert lines["adjustment"].payment == disputed
    # 600 - 18 fees - 100 refunded - 300 disputed - 15 dispute fee.
    assert payout.amount == Decimal("167.00")
    assert payout_problems(payout) == []


def test_it_makes_a_charge_it_does_not_know_an_exception_until_resolved(fake_stripe):
    ours = paid_by_card(fake_stripe, "Front Street Bakery")
    stranger = fake_stripe.unknown_charge_transaction(Decimal("50.00"), Decimal("1.75"))
    remote = fake_stripe.pay_out(
        [fake_stripe.charge_transaction(ours.stripe_payment_intent_id), stranger],
        arrival_date=date(2026, 10, 15),
    )

    sync()

    payout = Payout.objects.get(stripe_payout_id=remote.id)
    unknown = payout.transactions.get(stripe_id=stranger.id)
    assert unknown.match == Match.UNMATCHED
    assert unknown.payment is None
    assert len(payout_problems(payout)) == 1
    with pytest.raises(ServiceError, match="Resolve these first"):
        services.payout_review(payout=payout)
    with pytest.raises(ServiceError, match="Say how"):
        services.balance_transaction_resolve(transaction_=unknown, resolution=" ")

    services.balance_transaction_resolve(
        transaction_=unknown, resolution="A sponsorship charged in the dashboard."
    )

    assert payout_problems(payout) == []
    assert services.payout_review(payout=payout).reviewed_at is not None


def test_it_flags_a_charge_whose_amount_differs_from_ours(fake_stripe):
    ours = paid_by_card(fake_stripe, "Front Street Bakery")
    remote = fake_stripe.pay_out(
        [fake_stripe.charge_transaction(ours.stripe_payment_intent_id, amount=Decimal("250.00"))],
        arrival_date=date(2026, 10, 15),
    )

    sync()

    txn = Payout.objects.get(stripe_payout_id=remote.id).transactions.get()
    assert txn.match == Match.AMOUNT_DIFFERS
    assert (txn.amount, txn.expected_amount) == (Decimal("250.00"), Decimal("300.00"))
    assert txn.payment == ours
    ours.refresh_from_db()
    assert ours.fee is None  # a fee is recorded from a matching charge only


def test_it_reconciles_again_without_duplicating_and_keeps_a_resolution(fake_stripe):
    stranger = fake_stripe.unknown_charge_transaction(Decimal("50.00"), Decimal("1.75"))
    remote = fake_stripe.pay_out([stranger], arrival_date=date(2026, 10, 15))
    sync()
    txn = BalanceTransaction.objects.get()
    services.balance_transaction_resolve(transaction_=txn, resolution="known")

    sync()
    services.payout_refresh(payout_id=remote.id)

    assert Payout.objects.count() == 1
    txn = BalanceTransaction.objects.get()
    assert (txn.match, txn.resolution) == (Match.UNMATCHED, "known")


def test_it_stores_and_reconciles_a_payout_from_its_webhooks(webhook_client, fake_stripe):
    ours = paid_by_card(fake_stripe, "Front Street Bakery")
    remote = fake_stripe.pay_out(
        [fake_stripe.charge_transaction(ours.stripe_payment_intent_id)],
        arrival_date=date(2026, 10, 15),
        status="in_transit",
    )
    # The event's copy is Stripe's example, older than the payout: the handler re-reads it.
    stale = stripe_object("payout", id=remote.id, status="pending", amount=1)

    deliver(webhook_client, event("payout.updated", stale))
    payout = Payout.objects.get(stripe_payout_id=remote.id)
    assert (payout.status, payout.amount) == (Payout.Status.IN_TRANSIT, Decimal("291.00"))

    fake_stripe.set_payout_status(remote.id, "paid")
    paid = event("payout.paid", stale)
    deliver(webhook_client, paid)
    deliver(webhook_client, paid)

    payout.refresh_from_db()
    assert payout.status == Payout.Status.PAID
    assert payout.transactions.get().match == Match.MATCHED
    processed = StripeEvent.objects.get(stripe_id=paid["id"])
    assert processed.status == StripeEvent.Status.PROCESSED
    assert "everything matches" in processed.outcome


def test_it_records_a_failed_payout_and_will_not_review_it(webhook_client, fake_stripe):
    remote = fake_stripe.pay_out([], arrival_date=date(2026, 10, 15), amount=Decimal("10.00"))
    fake_stripe.set_payout_status(remote.id, "failed", failure_message="Account closed.")

    deliver(webhook_client, event("payout.failed", stripe_object("payout", id=remote.id)))

    payout = Payout.objects.get(stripe_payout_id=remote.id)
    assert (payout.status, payout.failure_message) == (Payout.Status.FAILED, "Account closed.")
    with pytest.raises(ServiceError, match="only a deposited payout"):
        services.payout_review(payout=payout)


def test_it_syncs_a_date_range_from_the_command(fake_stripe):
    ours = paid_by_card(fake_stripe, "Front Street Bakery")
    fake_stripe.pay_out(
        [fake_stripe.charge_transaction(ours.stripe_payment_intent_id)],
        arrival_date=date(2026, 10, 15),
    )
    fake_stripe.pay_out([], arrival_date=date(2026, 9, 1), amount=Decimal("0.00"))
    out = StringIO()

    with committed():
        call_command(
            "stripe_sync_payouts", "--since", "2026-10-01", "--until", "2026-10-31", stdout=out
        )

    assert Payout.objects.count() == 1
    assert "1 payout(s) from 2026-10-01 to 2026-10-31" in out.getvalue()


def test_it_refuses_a_range_that_ends_before_it_starts(fake_stripe):
    with pytest.raises(ServiceError, match="before its start"):
        services.payout_sync(since=date(2026, 10, 2), until=date(2026, 10, 1))
