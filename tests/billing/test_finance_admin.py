"""Finance's admin pages: reconciliation, deposits, journal batches, reports and the dashboard,
for each role that may (or may not) see them."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing import services
from billing.models import BankDeposit, JournalBatch, JournalPeriodLock, Payout
from crm.models import Membership
from crm.roles import EVENTS, FINANCE, READ_ONLY
from tests.billing.stripe_payloads import committed
from tests.billing.test_payouts import paid_by_card, sync
from tests.factories import MembershipFactory, OrganizationFactory, PlanFactory

pytestmark = pytest.mark.django_db

REPORTS = ["aging", "retention", "members", "dues", "pledges", "events", "deferred"]


@pytest.fixture
def payout_with_a_stranger(fake_stripe) -> Payout:
    ours = paid_by_card(fake_stripe, "Front Street Bakery")
    fake_stripe.pay_out(
        [
            fake_stripe.charge_transaction(ours.stripe_payment_intent_id),
            fake_stripe.unknown_charge_transaction(Decimal("50.00"), Decimal("1.75")),
        ],
        arrival_date=date(2026, 10, 15),
    )
    sync()
    return Payout.objects.get()


def page_url(payout: Payout) -> str:
    return reverse("admin:billing_payout_reconciliation", args=[payout.pk])


def test_it_shows_a_payout_with_its_exception_first_and_the_totals(
    client_for, payout_with_a_stranger
):
    response = client_for(FINANCE).get(page_url(payout_with_a_stranger))

    content = response.content.decode()
    assert response.status_code == 200
    assert "1 exception to resolve" in content
    rows = re.findall(r"<tr class=\"(exception)?\">", content)
    assert rows == ["exception", ""]
    assert "Front Street Bakery" in content
    assert "$350.00" in content  # gross
    assert "-$10.75" in content  # fees
    assert "$339.25" in content  # net, deposited


def test_it_lets_finance_resolve_the_exception_then_review(
    client_for, payout_with_a_stranger, fake_stripe
):
    finance = client_for(FINANCE)
    url = page_url(payout_with_a_stranger)
    stranger = payout_with_a_stranger.transactions.get(match="unmatched")

    finance.post(url, {"action": "review"})
    payout_with_a_stranger.refresh_from_db()
    assert payout_with_a_stranger.reviewed_at is None

    finance.post(
        url, {"action": "resolve", "transaction": stranger.pk, "resolution": "dashboard sale"}
    )
    finance.post(url, {"action": "review"})

    payout_with_a_stranger.refresh_from_db()
    assert payout_with_a_stranger.reviewed_at is not None
    assert "dashboard sale" in finance.get(url).content.decode()


def test_it_lets_read_only_staff_view_but_not_change_a_payout(client_for, payout_with_a_stranger):
    reader = client_for(READ_ONLY)
    url = page_url(payout_with_a_stranger)

    content = reader.get(url).content.decode()
    assert 'value="Resolve"' not in content
    assert 'value="Mark reviewed"' not in content
    assert reader.post(url, {"action": "review"}).status_code == 403
    assert client_for(EVENTS).get(url).status_code == 403


def test_it_exports_a_range_from_the_admin_and_downloads_both_forms(client_for, fake_stripe):
    ours = paid_by_card(fake_stripe, "Front Street Bakery")
    fake_stripe.pay_out(
        [fake_stripe.charge_transaction(ours.stripe_payment_intent_id)],
        arrival_date=date(2026, 10, 15),
    )
    sync()
    finance = client_for(FINANCE)

    response = finance.post(
        reverse("admin:billing_journalbatch_add"),
        {"date_to": "2026-10-31"},
    )

    batch = JournalBatch.objects.get()
    assert response.status_code == 302
    qbo = finance.get(reverse("admin:billing_journalbatch_download", args=[batch.pk, "qbo"]))
    assert qbo["Content-Type"].startswith("text/csv")
    assert qbo.content.decode().startswith("JournalNo,JournalDate,AccountName,Debits,Credits")
    generic = finance.get(
        reverse("admin:billing_journalbatch_download", args=[batch.pk, "generic"])
    )
    assert generic.content.decode().startswith("batch,entry,date,account")
    again = finance.post(
        reverse("admin:billing_journalbatch_add"),
        {"date_to": "2026-10-31"},
        follow=True,
    )
    assert "closed through October 31, 2026" in again.content.decode()
    assert JournalBatch.objects.count() == 1
    assert client_for(READ_ONLY).get(reverse("admin:billing_journalbatch_add")).status_code == 403


def test_it_groups_checks_into_a_bank_deposit_from_the_payments_list(client_for):
    membership = MembershipFactory(
        organization=OrganizationFactory(name="Park Street Hardware"),
        plan=PlanFactory(flat_amount="1200.00"),
        status=Membership.Status.APPROVED,
        start_date=date(2026, 1, 1),
    )
    with committed():
        invoice = services.invoice_issue(
            invoice=services.invoice_create_for_membership(membership=membership)
        )
        payment = services.payment_record_offline(
            invoice=invoice,
            amount=Decimal("1200.00"),
            method="check",
            check_number="1042",
            received_on=date(2026, 3, 2),
        )

    response = client_for(FINANCE).post(
        reverse("admin:billing_payment_changelist"),
        {
            "action": "group_into_deposit",
            "_selected_action": [payment.pk],
            "apply": "1",
            "deposited_on": "2026-03-03",
            "reference": "DS-7",
        },
    )

    deposit = BankDeposit.objects.get()
    assert response.status_code == 302
    assert (deposit.reference, deposit.total) == ("DS-7", Decimal("1200.00"))
    page = client_for(READ_ONLY).get(
        reverse("admin:billing_bankdeposit_reconciliation", args=[deposit.pk])
    )
    assert "Park Street Hardware" in page.content.decode()
    assert "1042" in page.content.decode()


@pytest.mark.parametrize("slug", REPORTS)
def test_it_renders_each_report_with_an_inline_chart_and_a_csv(client_for, slug):
    reader = client_for(READ_ONLY)
    url = reverse("finance-report", args=[slug])

    response = reader.get(url)
    csv_response = reader.get(url, {"format": "csv"})

    content = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in content
    assert not re.search(r"<script[^>]+src=\"https?://", content)
    assert "Content-Security-Policy" in response.headers
    assert csv_response["Content-Type"].startswith("text/csv")
    assert csv_response["Content-Disposition"] == f'attachment; filename="{slug}.csv"'


def test_it_keeps_reports_from_staff_without_billing_access(client_for):
    assert client_for(EVENTS).get(reverse("finance-report", args=["aging"])).status_code == 403


def test_it_writes_the_aging_csv_with_a_totals_row(client_for):
    from billing.models import Invoice

    Invoice.objects.create(
        organization=OrganizationFactory(name="Front Street Bakery"),
        kind=Invoice.Kind.OTHER,
        status=Invoice.Status.OPEN,
        total=Decimal("80.00"),
        issue_date=date(2026, 1, 2),
        due_date=date(2026, 10, 30),
    )

    response = client_for(FINANCE).get(
        reverse("finance-report", args=["aging"]), {"as_of": "2026-11-29", "format": "csv"}
    )

    assert response.content.decode().splitlines() == [
        "Organization,current,1-30,31-60,61-90,90+,Total",
        "Front Street Bakery,0.00,80.00,0.00,0.00,0.00,80.00",
        "Total,0.00,80.00,0.00,0.00,0.00,80.00",
    ]


def index_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("admin:index")).status_code == 200
    return len(queries)


def test_it_opens_the_admin_on_the_key_figures_in_a_fixed_number_of_queries(
    client_for, fake_stripe
):
    finance = client_for(FINANCE)
    paid_by_card(fake_stripe, "Front Street Bakery")
    few = index_queries(finance)
    for name in ("Asylum Hill Books", "Park Street Hardware", "Pratt Street Deli"):
        paid_by_card(fake_stripe, name)

    content = finance.get(reverse("admin:index")).content.decode()

    assert "Key figures" in content
    assert "Active members" in content
    assert content.count('class="finance-chart"') == 2
    assert index_queries(finance) == few


def test_it_shows_no_figures_to_staff_without_billing_access(client_for):
    content = client_for(EVENTS).get(reverse("admin:index")).content.decode()

    assert "Key figures" not in content


def test_finance_locks_a_month_with_a_reason_and_the_export_form_says_so(client_for):
    finance = client_for(FINANCE)
    url = reverse("admin:billing_journalperiodlock_add")

    refused = finance.post(url, {"month": "2026-10-01", "reason": ""})
    assert refused.status_code == 200
    assert not JournalPeriodLock.objects.exists()
    locked = finance.post(url, {"month": "2026-10-12", "reason": "Closed with the auditors"})

    assert locked.status_code == 302
    lock = JournalPeriodLock.objects.get()
    assert (lock.month, lock.reason) == (date(2026, 10, 1), "Closed with the auditors")
    assert lock.locked_by.groups.filter(name=FINANCE).exists()
    page = finance.get(reverse("admin:billing_journalbatch_add")).content.decode()
    assert "The books are closed through October 31, 2026" in page
    assert (
        client_for(READ_ONLY).post(url, {"month": "2026-09-01", "reason": "x"}).status_code == 403
    )
    assert JournalPeriodLock.objects.count() == 1
