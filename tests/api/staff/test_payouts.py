"""Payouts in the staff API: read-only, each Stripe deposit with its balance transactions
summarised and where its reconciliation stands."""

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from billing import services
from billing.gateways import FakeGateway, use_gateway
from billing.models import BalanceTransaction, Payout
from tests.api.staff.test_lists import _count_queries
from tests.billing.stripe_payloads import committed
from tests.billing.test_payouts import paid_by_card

pytestmark = pytest.mark.django_db

ROLES = ["Membership", "Finance", "Events", "Read-only"]
URL = "/api/v1/payouts/"
_ids = itertools.count(1)


@pytest.fixture
def fake_stripe():
    with use_gateway(FakeGateway()) as gateway:
        yield gateway


@pytest.fixture
def finance_api(api_for) -> APIClient:
    return api_for("Finance")


def make_payout(
    *,
    amount: str = "97.00",
    arrival: date = date(2026, 10, 15),
    status: str = Payout.Status.PAID,
    reconciled: bool = True,
    **fields,
) -> Payout:
    """A payout stored as if read from Stripe, with a $100 charge that is not ours (an open
    exception) and its $3 fee."""
    n = next(_ids)
    payout = Payout.objects.create(
        stripe_payout_id=f"po_test{n}",
        status=status,
        amount=Decimal(amount),
        arrival_date=arrival,
        reconciled_at=timezone.now() if reconciled else None,
        **fields,
    )
    BalanceTransaction.objects.create(
        payout=payout,
        stripe_id=f"txn_test{n}",
        type="charge",
        amount=Decimal("100.00"),
        fee=Decimal("3.00"),
        net=Decimal("97.00"),
        match=BalanceTransaction.Match.UNMATCHED,
    )
    return payout


def test_it_shows_a_reconciled_payout_with_its_transactions(finance_api, fake_stripe):
    first = paid_by_card(fake_stripe, "Front Street Bakery")
    second = paid_by_card(fake_stripe, "Asylum Hill Books", dues="1200.00")
    remote = fake_stripe.pay_out(
        [
            fake_stripe.charge_transaction(first.stripe_payment_intent_id),
            fake_stripe.charge_transaction(second.stripe_payment_intent_id),
        ],
        arrival_date=date(2026, 10, 15),
    )
    with committed():
        services.payout_store(remote=remote)
    payout = Payout.objects.get(stripe_payout_id=remote.id)

    body = finance_api.get(f"{URL}{payout.pk}/").json()
    assert (body["stripe_payout_id"], body["status"], body["amount"]) == (
        remote.id,
        "paid",
        "873.30",
    )
    # $300 + $600 less 2.9% + 30c each.
    assert body["transactions"] == {
        "count": 2,
        "gross": "900.00",
        "refunds": "0.00",
        "fees": "26.70",
        "net": "873.30",
        "open_exceptions": 0,
    }
    assert (body["difference"], body["reconciliation"]) == ("0.00", "reconciled")
    assert [
        (t["match"], t["invoice"], t["organization_name"]) for t in body["balance_transactions"]
    ] == [
        ("matched", first.invoice_id, "Front Street Bakery"),
        ("matched", second.invoice_id, "Asylum Hill Books"),
    ]

    services.payout_review(payout=payout)
    listed = finance_api.get(URL).json()["results"]
    assert [(p["id"], p["reconciliation"]) for p in listed] == [(payout.pk, "reviewed")]
    assert "balance_transactions" not in listed[0]


@pytest.mark.parametrize(
    ("payout", "state"),
    [
        (lambda: make_payout(reconciled=False), "not_reconciled"),
        (lambda: make_payout(), "to_resolve"),  # an open exception
        (lambda: make_payout(amount="90.00"), "to_resolve"),  # and a net that differs
    ],
)
def test_it_says_what_is_left_to_reconcile(finance_api, payout, state):
    record = payout()
    body = finance_api.get(f"{URL}{record.pk}/").json()
    assert body["reconciliation"] == state
    assert body["transactions"]["open_exceptions"] == 1
    assert body["difference"] == f"{record.amount - Decimal('97.00'):.2f}"


def test_it_counts_a_resolved_exception_as_reconciled(finance_api):
    payout = make_payout()
    services.balance_transaction_resolve(
        transaction_=payout.transactions.get(), resolution="Charged in the dashboard."
    )
    body = finance_api.get(f"{URL}{payout.pk}/").json()
    assert (body["transactions"]["open_exceptions"], body["reconciliation"]) == (0, "reconciled")
    assert body["balance_transactions"][0]["resolution"] == "Charged in the dashboard."


@pytest.mark.parametrize("role", ROLES)
def test_it_lets_every_role_but_events_read_payouts(api_for, role):
    payout = make_payout()
    client = api_for(role)
    expected = 403 if role == "Events" else 200
    assert client.get(URL).status_code == expected
    assert client.get(f"{URL}{payout.pk}/").status_code == expected


def test_it_changes_no_payout(superuser):
    payout = make_payout()
    client = APIClient()
    client.force_authenticate(superuser)
    assert client.post(URL, {"amount": "1.00"}).status_code == 405
    assert client.patch(f"{URL}{payout.pk}/", {"amount": "1.00"}).status_code == 405
    assert client.delete(f"{URL}{payout.pk}/").status_code == 405
    payout.refresh_from_db()
    assert payout.amount == Decimal("97.00")


@pytest.fixture
def payouts():
    old = make_payout(arrival=date(2026, 9, 30), reviewed_at=timezone.now())
    Payout.objects.filter(pk=old.pk).update(modified=timezone.now() - timedelta(days=3))
    return {
        "september": old,
        "october": make_payout(arrival=date(2026, 10, 15), amount="50.00"),
        "pending": make_payout(
            arrival=date(2026, 11, 2), status=Payout.Status.IN_TRANSIT, reconciled=False
        ),
        "failed": make_payout(arrival=date(2026, 11, 3), status=Payout.Status.FAILED),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["failed", "pending", "october", "september"]),
        ("status=paid", ["october", "september"]),
        ("status=in_transit&status=failed", ["failed", "pending"]),
        ("arrival_after=2026-10-15", ["failed", "pending", "october"]),
        ("arrival_before=2026-10-15", ["october", "september"]),
        ("arrival_after=2026-10-01&arrival_before=2026-11-02", ["pending", "october"]),
        ("reconciled=true", ["failed", "october", "september"]),
        ("reconciled=false", ["pending"]),
        ("reviewed=true", ["september"]),
        ("exported=false", ["failed", "pending", "october", "september"]),
        ("modified_since={recently}", ["failed", "pending", "october"]),
        ("ordering=amount,arrival_date", ["october", "september", "pending", "failed"]),
        ("ordering=arrival_date", ["september", "october", "pending", "failed"]),
        ("search={pending.stripe_payout_id}", ["pending"]),
    ],
)
def test_it_filters_payouts(finance_api, payouts, query, expected):
    recently = (timezone.now() - timedelta(days=1)).isoformat().replace("+", "%2B")
    response = finance_api.get(f"{URL}?{query.format(recently=recently, **payouts)}")
    assert response.status_code == 200, response.json()
    names = {p.pk: name for name, p in payouts.items()}
    found = [names[p["id"]] for p in response.json()["results"]]
    assert found == expected


def test_it_lists_in_the_same_number_of_queries_at_5_and_50_rows(api_for):
    client = api_for("Read-only")
    for _ in range(5):
        make_payout()
    at_5, rows_5 = _count_queries(client, "payouts")
    for _ in range(45):
        make_payout()
    at_50, rows_50 = _count_queries(client, "payouts")
    assert (rows_5, rows_50) == (5, 50)
    assert at_5 == at_50 <= 8
