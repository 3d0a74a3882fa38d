"""Payouts and their balance transactions read through the real `stripe` library, page after
page, from Stripe's example objects."""

from datetime import UTC, date, datetime
from decimal import Decimal

from tests.billing.stripe_payloads import stripe_object
from tests.billing.test_stripe_gateway import API_BASE, gateway


def page(items, *, has_more: bool, url: str) -> dict:
    return {"object": "list", "data": items, "has_more": has_more, "url": url}


def ts(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def test_it_lists_the_payouts_of_a_range_across_pages():
    first = stripe_object(
        "payout", id="po_1", amount=87330, status="paid", arrival_date=ts(date(2026, 10, 15))
    )
    second = stripe_object(
        "payout", id="po_2", amount=500, status="in_transit", arrival_date=ts(date(2026, 10, 30))
    )
    gw, http = gateway(
        (200, page([first], has_more=True, url="/v1/payouts")),
        (200, page([second], has_more=False, url="/v1/payouts")),
    )

    payouts = gw.list_payouts(since=date(2026, 10, 1), until=date(2026, 10, 31))

    assert [(p.id, p.amount, p.status, p.arrival_date) for p in payouts] == [
        ("po_1", Decimal("873.30"), "paid", date(2026, 10, 15)),
        ("po_2", Decimal("5.00"), "in_transit", date(2026, 10, 30)),
    ]
    one, two = http.requests
    assert (one["method"], one["base"], one["path"]) == ("GET", API_BASE, "/v1/payouts")
    assert one["query"]["arrival_date[gte]"] == [str(ts(date(2026, 10, 1)))]
    assert one["query"]["arrival_date[lte]"] == [str(ts(date(2026, 11, 1)) - 1)]
    assert one["query"]["limit"] == ["100"]
    assert "starting_after" not in one["query"]
    assert two["query"]["starting_after"] == ["po_1"]


def test_it_reads_a_payouts_transactions_with_their_sources():
    charge = stripe_object(
        "balance_transaction",
        id="txn_charge",
        type="charge",
        amount=30000,
        fee=900,
        net=29100,
        source=stripe_object("charge", id="ch_1", payment_intent="pi_1"),
    )
    refund = stripe_object(
        "balance_transaction",
        id="txn_refund",
        type="refund",
        reporting_category="refund",
        amount=-10000,
        fee=0,
        net=-10000,
        source=stripe_object("refund", id="re_1", charge="ch_1", payment_intent="pi_1"),
    )
    dispute = stripe_object(
        "balance_transaction",
        id="txn_dispute",
        type="adjustment",
        reporting_category="dispute",
        amount=-30000,
        fee=1500,
        net=-31500,
        source=stripe_object("dispute", id="du_1", charge="ch_2", payment_intent="pi_2"),
    )
    gw, http = gateway(
        (200, page([charge, refund], has_more=True, url="/v1/balance_transactions")),
        (200, page([dispute], has_more=False, url="/v1/balance_transactions")),
    )

    found = gw.list_payout_transactions("po_1")

    assert [(t.id, t.type, t.amount, t.fee, t.net) for t in found] == [
        ("txn_charge", "charge", Decimal("300.00"), Decimal("9.00"), Decimal("291.00")),
        ("txn_refund", "refund", Decimal("-100.00"), Decimal("0.00"), Decimal("-100.00")),
        ("txn_dispute", "adjustment", Decimal("-300.00"), Decimal("15.00"), Decimal("-315.00")),
    ]
    assert [(t.source_id, t.charge_id, t.payment_intent_id) for t in found] == [
        ("ch_1", "ch_1", "pi_1"),
        ("re_1", "ch_1", "pi_1"),
        ("du_1", "ch_2", "pi_2"),
    ]
    assert found[2].reporting_category == "dispute"
    first, second = http.requests
    assert first["path"] == "/v1/balance_transactions"
    assert first["query"]["payout"] == ["po_1"]
    assert first["query"]["expand[0]"] == ["data.source"]
    assert second["query"]["starting_after"] == ["txn_refund"]


def test_it_reads_one_payout():
    gw, http = gateway(
        (
            200,
            stripe_object("payout", status="failed", failure_message="The bank account is closed."),
        )
    )

    payout = gw.retrieve_payout("po_1Pgc79B7WZ01zgkWu1KToYf4")

    assert (payout.status, payout.failure_message, payout.amount) == (
        "failed",
        "The bank account is closed.",
        Decimal("11.00"),
    )
    assert http.requests[0]["path"] == "/v1/payouts/po_1Pgc79B7WZ01zgkWu1KToYf4"
