"""On PostgreSQL, with real concurrent transactions: a payout is exported once and stored once
however many exports or webhooks race."""

from datetime import date

import pytest

from billing import services
from billing.models import BalanceTransaction, JournalBatch, Payout
from core.exceptions import ServiceError
from tests.billing.test_concurrency import run_together
from tests.billing.test_payouts import paid_by_card

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_it_exports_a_payout_once_when_two_exports_race(fake_stripe):
    ours = paid_by_card(fake_stripe, "Front Street Bakery")
    fake_stripe.pay_out(
        [fake_stripe.charge_transaction(ours.stripe_payment_intent_id)],
        arrival_date=date(2026, 10, 15),
    )
    services.payout_sync(since=date(2026, 10, 1), until=date(2026, 10, 31))
    payout = Payout.objects.get()

    results = run_together(4, lambda i: services.journal_export(payouts=[payout]))

    batches = [r for r in results if isinstance(r, JournalBatch)]
    refused = [r for r in results if isinstance(r, ServiceError)]
    assert len(batches) == 1 and len(refused) == 3, results
    assert all("exported already" in r.message for r in refused)
    payout.refresh_from_db()
    assert payout.journal_batch == batches[0]
    assert JournalBatch.objects.count() == 1


def test_it_stores_a_payout_once_when_its_webhooks_race(fake_stripe):
    ours = paid_by_card(fake_stripe, "Front Street Bakery")
    remote = fake_stripe.pay_out(
        [fake_stripe.charge_transaction(ours.stripe_payment_intent_id)],
        arrival_date=date(2026, 10, 15),
    )

    results = run_together(4, lambda i: services.payout_refresh(payout_id=remote.id))

    assert not [r for r in results if isinstance(r, Exception)], results
    assert Payout.objects.count() == 1
    assert BalanceTransaction.objects.count() == 1


def test_two_exports_through_a_day_post_everything_once(fake_stripe):
    ours = paid_by_card(fake_stripe, "Front Street Bakery")
    fake_stripe.pay_out(
        [fake_stripe.charge_transaction(ours.stripe_payment_intent_id)],
        arrival_date=date(2026, 10, 15),
    )
    services.payout_sync(since=date(2026, 10, 1), until=date(2026, 10, 31))
    payout = Payout.objects.get()

    results = run_together(2, lambda i: services.journal_export(date_to=date(2026, 11, 30)))

    batches = [r for r in results if isinstance(r, JournalBatch)]
    refused = [r for r in results if isinstance(r, ServiceError)]
    assert len(batches) == 1 and len(refused) == 1, results
    assert "closed through November 30, 2026" in refused[0].message
    payout.refresh_from_db()
    assert payout.journal_batch == batches[0]
    assert JournalBatch.objects.count() == 1
