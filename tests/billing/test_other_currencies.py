"""Other currencies (issue 16): a payout in anything but the books' dollars is never booked at
face value. Read through the real `stripe` library, it is stored as Stripe sends it, and finance
sees why it cannot be signed off or exported (post it by hand at the bank's rate). A charge in
another currency records nothing as paid (test_webhook_money_checks)."""

from datetime import UTC, date, datetime

import pytest

from billing import services
from billing.gateways import use_gateway
from billing.models import JournalBatch, Payout
from core.exceptions import ServiceError
from tests.billing.stripe_payloads import stripe_object
from tests.billing.test_stripe_gateway import gateway

pytestmark = pytest.mark.django_db
WHY = "It is in EUR, the books in USD: nothing of it is booked at face value."


def test_a_payout_in_euros_is_stored_but_never_reviewed_nor_booked_at_face_value(time_machine):
    time_machine.move_to(datetime(2026, 11, 2, 12, tzinfo=UTC), tick=False)
    arrival = int(datetime(2026, 10, 15, tzinfo=UTC).timestamp())
    payout = stripe_object(
        "payout", id="po_eur", amount=50000, currency="eur", status="paid", arrival_date=arrival
    )
    fee = stripe_object(
        "balance_transaction", id="txn_fee", type="stripe_fee", amount=-50000, fee=0, net=-50000
    )
    gw, _ = gateway(
        (200, payout),
        (200, {"object": "list", "data": [fee], "has_more": False, "url": "/v1/x"}),
    )

    with use_gateway(gw):
        outcomes = services.payout_refresh(payout_id="po_eur")

    stored = Payout.objects.get()
    assert (stored.currency, str(stored.amount)) == ("eur", "500.00")
    assert WHY in " ".join(outcomes)
    with pytest.raises(ServiceError, match="It is in EUR, the books in USD"):
        services.payout_review(payout=stored)
    with pytest.raises(ServiceError, match="is in EUR: the journal books dollars only"):
        services.journal_export(date_to=date(2026, 10, 31))
    assert not JournalBatch.objects.exists()
    stored.refresh_from_db()
    assert stored.reviewed_at is None and stored.journal_batch_id is None
