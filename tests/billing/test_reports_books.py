"""The finance reports agree with the books: aging as the ledger stood on a past day, retention
by the plan held in each term, event revenue net of refunds, and the dashboard's dues figures
equal to the dues report's. Everything goes through the billing services, on the days it
happened (time_machine), against figures worked out by hand."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from billing import reports, services
from billing.models import Invoice
from billing.services.invoice_drafts import DraftLineSpec
from tests.billing.stripe_payloads import committed
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def on(time_machine, day: date) -> None:
    time_machine.move_to(datetime(day.year, day.month, day.day, 17, tzinfo=UTC))


def issued(organization, amount: str, due: date) -> Invoice:
    """An invoice of `amount` issued today, due on `due`."""
    invoice = services.invoice_create_draft(
        organization=organization,
        lines=[DraftLineSpec(description="Sponsorship", amount=Decimal(amount), gl_account="4900")],
        explanation="",
        reason="test",
        kind=Invoice.Kind.OTHER,
    )
    invoice.due_date = due
    invoice.save()
    with committed():
        return services.invoice_issue(invoice=invoice)


def check(invoice: Invoice, amount: str, received_on: date):
    check.number += 1  # type: ignore[attr-defined]
    with committed():
        return services.payment_record_offline(
            invoice=invoice,
            amount=Decimal(amount),
            method="check",
            check_number=str(check.number),  # type: ignore[attr-defined]
            received_on=received_on,
        )


check.number = 1000  # type: ignore[attr-defined]


def buckets(rows) -> dict[str, dict[str, Decimal]]:
    return {
        row.organization: {name: amount for name, amount in row.buckets.items() if amount}
        for row in rows
    }


def test_aging_as_of_a_past_day_uses_the_payments_and_statuses_of_that_day(time_machine):
    bakery = OrganizationFactory(name="Front Street Bakery")
    books = OrganizationFactory(name="Asylum Hill Books")
    hardware = OrganizationFactory(name="Park Street Hardware")

    on(time_machine, date(2026, 7, 1))
    voided_later = issued(books, "2500.00", date(2026, 7, 31))
    on(time_machine, date(2026, 8, 1))
    written_off_later = issued(books, "800.00", date(2026, 8, 31))
    voided_before = issued(books, "300.00", date(2026, 8, 31))
    on(time_machine, date(2026, 9, 1))
    paid_in_two = issued(bakery, "1200.00", date(2026, 10, 1))
    paid_before = issued(bakery, "600.00", date(2026, 10, 1))
    refunded_before = issued(hardware, "450.00", date(2026, 10, 1))
    on(time_machine, date(2026, 9, 10))
    refunded_before_check = check(refunded_before, "450.00", date(2026, 9, 10))
    on(time_machine, date(2026, 10, 1))
    refunded_later = issued(hardware, "1000.00", date(2026, 10, 31))
    on(time_machine, date(2026, 10, 5))
    refunded_later_check = check(refunded_later, "1000.00", date(2026, 10, 5))
    on(time_machine, date(2026, 10, 12))
    check(paid_in_two, "500.00", date(2026, 10, 10))
    services.refund_create(payment=refunded_before_check, reason="Closed the shop")
    on(time_machine, date(2026, 10, 15))
    check(paid_before, "600.00", date(2026, 10, 15))
    on(time_machine, date(2026, 10, 20))
    services.invoice_void(invoice=voided_before, reason="Billed twice")
    unpaid = issued(hardware, "1000.00", date(2026, 11, 19))
    # After the day of the report: each changes today's figures, none changes October 31's.
    on(time_machine, date(2026, 11, 2))
    issued(hardware, "425.82", date(2026, 12, 2))
    on(time_machine, date(2026, 11, 5))
    services.invoice_void(invoice=voided_later, reason="Sponsorship cancelled")
    # Recorded on November 12 for a check that arrived on November 10.
    on(time_machine, date(2026, 11, 12))
    check(paid_in_two, "700.00", date(2026, 11, 10))
    on(time_machine, date(2026, 11, 15))
    services.refund_create(payment=refunded_later_check, reason="Event cancelled")
    on(time_machine, date(2026, 11, 20))
    services.invoice_write_off(invoice=written_off_later, reason="Out of business")
    on(time_machine, date(2026, 12, 5))

    rows, totals = reports.ar_aging(as_of=date(2026, 10, 31))

    # Worked out by hand for October 31:
    # - the $1,200 invoice had $500 of it paid (October 10): $700 due, 30 days late;
    # - the $2,500 invoice was voided only on November 5: open, 92 days late;
    # - the $800 invoice was written off only on November 20: open, 61 days late;
    # - the $1,000 invoice refunded on November 15 had been paid on October 5: nothing due;
    # - the $1,000 invoice issued October 20 is not due until November 19: current;
    # - paid (October 15), voided (October 20), refunded (October 12) before: nothing due;
    # - the $425.82 invoice was issued after the day.
    assert buckets(rows) == {
        "Asylum Hill Books": {"61-90": Decimal("800.00"), "90+": Decimal("2500.00")},
        "Front Street Bakery": {"1-30": Decimal("700.00")},
        "Park Street Hardware": {"current": Decimal("1000.00")},
    }
    assert totals.total == Decimal("5000.00")
    # Today only the unpaid $1,000 and the $425.82 are owed.
    today_rows, today_totals = reports.ar_aging(as_of=date(2026, 12, 5))
    assert buckets(today_rows) == {"Park Street Hardware": {"1-30": Decimal("1425.82")}}
    assert unpaid.pk and today_totals.total == Decimal("1425.82")
    # Before the first check arrived, all of the $1,200 invoice was owed.
    september_rows, _ = reports.ar_aging(as_of=date(2026, 9, 30))
    assert buckets(september_rows)["Front Street Bakery"] == {"current": Decimal("1800.00")}


def paid_term(membership, start: date) -> Invoice:
    """The membership's dues for the year from `start`, invoiced and paid by check today."""
    with committed():
        invoice = services.invoice_issue(
            invoice=services.invoice_create_for_membership(
                membership=membership, period_start=start
            )
        )
    check(invoice, str(invoice.total), invoice.issue_date)
    return invoice


def test_retention_counts_each_term_under_the_plan_held_in_it(time_machine):
    from crm.models import Membership
    from crm.services.renewals import membership_change_plan
    from tests.factories import MembershipFactory, PlanFactory

    small = PlanFactory(name="Small Business", flat_amount=Decimal("600.00"))
    corporate = PlanFactory(name="Corporate", flat_amount=Decimal("2500.00"))
    moved, stayed, left = (
        MembershipFactory(
            plan=small, status=Membership.Status.APPROVED, start_date=date(2025, 1, 1)
        )
        for _ in range(3)
    )
    on(time_machine, date(2025, 1, 5))
    for membership in (moved, stayed, left):
        paid_term(membership, date(2025, 1, 1))
    on(time_machine, date(2025, 12, 15))
    paid_term(moved, date(2026, 1, 1))
    paid_term(stayed, date(2026, 1, 1))
    # The member moves up to Corporate in March 2026: its 2025 term was a Small Business one.
    on(time_machine, date(2026, 3, 1))
    membership_change_plan(membership=moved, plan=corporate)
    moved.refresh_from_db()
    assert moved.plan == corporate
    on(time_machine, date(2027, 1, 10))
    paid_term(moved, date(2027, 1, 1))

    rows = reports.retention(as_of=date(2027, 1, 10))

    assert [(r.plan, r.year, r.due, r.renewed, r.rate) for r in rows] == [
        ("Small Business", 2025, 3, 2, Decimal("66.7")),
        # The 2026 term was billed on the Small Business plan (the upgrade's prorated lines
        # are not a term); only the 2027 term is a Corporate one, and it has not ended.
        ("Small Business", 2026, 2, 1, Decimal("50.0")),
    ]


def test_the_migration_gives_existing_lines_the_plan_their_membership_had_when_billed(
    time_machine,
):
    from importlib import import_module

    from django.apps import apps

    from billing.models import InvoiceLine
    from tests.factories import MembershipFactory, PlanFactory

    backfill = import_module(
        "billing.migrations.0012_reports_invoice_line_plan"
    ).plan_of_each_membership_line
    small, corporate = PlanFactory(name="Small Business"), PlanFactory(name="Corporate")
    on(time_machine, date(2025, 1, 5))
    membership = MembershipFactory(plan=small, start_date=date(2025, 1, 1))
    invoice = services.invoice_create_for_membership(membership=membership)
    on(time_machine, date(2026, 3, 1))
    membership.plan = corporate
    membership.save()
    InvoiceLine.objects.update(plan=None)  # as the lines were before the migration

    backfill(apps, None)

    assert [line.plan for line in invoice.lines.all()] == [small]


def test_event_revenue_leaves_out_refunded_registrations_and_nets_partial_refunds(
    django_capture_on_commit_callbacks,
):
    from billing.gateways import FakeGateway, use_gateway
    from events.selectors import registration_invoice
    from events.services import registration_cancel, registration_create
    from tests.factories import ContactFactory, TicketTypeFactory

    ticket = TicketTypeFactory(
        event__gl_account="4310", non_member_price=Decimal("90.00"), capacity=10
    )
    with use_gateway(FakeGateway()) as stripe:
        kept, refunded, partly = (
            registration_create(
                event=ticket.event, ticket_type=ticket, contact=ContactFactory(), quantity=2
            )
            for _ in range(3)
        )
        for registration in (kept, refunded, partly):
            invoice = registration_invoice(registration)
            stripe.pay(invoice.stripe_invoice_id)
            services.invoice_sync_from_stripe(invoice=invoice)
        with django_capture_on_commit_callbacks(execute=True):
            registration_cancel(registration=refunded, reason="Cannot attend")
            registration_cancel(
                registration=partly, reason="Late cancellation fee", refund_amount=Decimal("150")
            )

    rows = reports.event_revenue(since=date(2000, 1, 1), until=date(2100, 12, 31))

    event_month = timezone.localdate(ticket.event.starts_at).replace(day=1)
    # $180 kept, $30 of the partly refunded $180, nothing of the one refunded in full.
    assert rows == [
        {"month": event_month, "gl_account": "4310", "amount": Decimal("210.00"), "lines": 2}
    ]


def test_the_front_page_and_the_dues_report_give_the_same_figures_for_the_year(
    time_machine, client_for
):
    import csv

    from django.urls import reverse

    from crm.models import Membership
    from crm.roles import FINANCE
    from crm.services.renewals import membership_change_plan
    from tests.factories import MembershipFactory, PlanFactory

    small = PlanFactory(name="Small Business", flat_amount=Decimal("600.00"))
    corporate = PlanFactory(name="Corporate", flat_amount=Decimal("2500.00"))
    upgraded, refunded, voided = (
        MembershipFactory(
            plan=small, status=Membership.Status.APPROVED, start_date=date(2026, 1, 1)
        )
        for _ in range(3)
    )
    on(time_machine, date(2025, 12, 20))
    paid_term(upgraded, date(2026, 1, 1))  # billed and collected last year
    on(time_machine, date(2026, 1, 5))
    refund_me = paid_term(refunded, date(2026, 1, 1))
    with committed():
        services.invoice_void(
            invoice=services.invoice_issue(
                invoice=services.invoice_create_for_membership(membership=voided)
            ),
            reason="Joined by mistake",
        )
    on(time_machine, date(2026, 3, 1))
    membership_change_plan(membership=upgraded, plan=corporate)  # a prorated dues invoice
    upgrade = Invoice.objects.get(kind=Invoice.Kind.DUES, status=Invoice.Status.OPEN)
    on(time_machine, date(2026, 3, 10))
    check(upgrade, "1000.00", date(2026, 3, 10))
    services.refund_create(
        payment=refund_me.payments.get(), reason="Overcharged", amount=Decimal("100.00")
    )
    on(time_machine, date(2026, 12, 5))

    figures = reports.dashboard(today=date(2026, 12, 5))
    response = client_for(FINANCE).get(
        reverse("finance-report", args=["dues"]),
        {"since": "2026-01-01", "until": "2026-12-05", "format": "csv"},
    )

    header, *_, totals = list(csv.reader(response.content.decode().splitlines()))
    report = dict(zip(header, totals, strict=True))
    # Billed this year: $600 of Small Business dues and the upgrade (not the voided invoice,
    # not last year's); collected: $600 + $1,000 less the $100 refunded.
    assert report["Small Business"] == "600.00"
    assert report["Corporate"] == str(upgrade.total)
    assert Decimal(report["Billed"]) == figures["dues_billed"] == 600 + upgrade.total
    assert Decimal(report["Collected"]) == figures["dues_collected"] == Decimal("1500.00")


@pytest.mark.usefixtures("cash_basis")
def test_the_deferred_revenue_roll_forward_ties_to_the_exported_journal(time_machine):
    from billing.models import JournalLine, RevenueRecognition
    from tests.billing.test_journal import DEFERRED
    from tests.billing.test_journal_periods import check_paid, deposited

    on(time_machine, date(2026, 4, 1))
    refunded = check_paid("Park Street Hardware", date(2026, 3, 2))
    kept = check_paid("Front Street Bakery", date(2026, 3, 2))
    deposited(refunded, date(2026, 3, 3))
    deposited(kept, date(2026, 3, 3))
    services.journal_export(date_to=date(2026, 3, 31))
    on(time_machine, date(2026, 5, 10))
    services.refund_create(payment=refunded, reason="Closed the shop")
    on(time_machine, date(2026, 6, 1))
    services.journal_export(date_to=date(2026, 5, 31))
    on(time_machine, date(2026, 7, 1))
    services.journal_export(date_to=date(2026, 6, 30))

    rows, totals = reports.deferred_revenue_rollforward(
        since=date(2026, 4, 1), until=date(2026, 6, 30)
    )

    def balance(**dated) -> Decimal:
        lines = JournalLine.objects.filter(account=DEFERRED, **dated)
        return sum((line.credit - line.debit for line in lines), Decimal(0))

    def schedule(payment, months) -> Decimal:
        parts = RevenueRecognition.objects.filter(
            line__invoice=payment.invoice, month__in=[date(2026, m, 1) for m in months]
        )
        return sum((part.amount for part in parts), Decimal(0))

    # It ties to the deferred revenue account of the exported batches ...
    assert totals.opening == balance(entry_date__lt=date(2026, 4, 1))
    assert totals.closing == balance(entry_date__lte=date(2026, 6, 30))
    in_period = {"entry_date__gte": date(2026, 4, 1), "entry_date__lte": date(2026, 6, 30)}
    assert totals.recognised == -balance(source__startswith="recognition", **in_period)
    assert totals.deferred == balance(source__startswith="refund", **in_period)
    # ... and to the dues, worked out by hand (by days: 2026 has 365): each $1,200 year had
    # April to December (275 days, $904.11) deferred at the March deposit; the refund on May 10
    # took June to December (214 days, $703.56) of one back; April and May (61 days, $200.55)
    # of both and June (30 days, $98.63) of the one kept were recognised; July to December of
    # the one kept (184 days, $604.93) is left.
    assert totals.opening == Decimal("1808.22")
    assert totals.deferred == Decimal("-703.56")
    assert totals.recognised == Decimal("499.73") == 2 * Decimal("200.55") + Decimal("98.63")
    assert totals.closing == Decimal("604.93") == schedule(kept, range(7, 13))
    assert [(r.gl_account, r.closing) for r in rows] == [("4020", totals.closing)]


def report_queries(client, slug: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    with CaptureQueriesContext(connection) as queries:
        response = client.get(
            reverse("finance-report", args=[slug]),
            {"since": "2025-01-01", "until": "2026-12-05", "as_of": "2026-12-05"},
        )
        assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("slug", ["aging", "retention", "dues"])
def test_each_report_runs_the_same_queries_for_more_rows(time_machine, client_for, slug):
    from crm.roles import FINANCE

    finance = client_for(FINANCE)
    on(time_machine, date(2026, 9, 1))

    from crm.models import Membership
    from tests.factories import MembershipFactory

    def business(name: str) -> None:
        """An invoice part paid, and a paid dues term, of another business."""
        organization = OrganizationFactory(name=name)
        check(issued(organization, "900.00", date(2026, 10, 1)), "300.00", date(2026, 9, 1))
        membership = MembershipFactory(
            organization=organization,
            status=Membership.Status.APPROVED,
            start_date=date(2025, 9, 1),
        )
        paid_term(membership, date(2025, 9, 1))

    business("Front Street Bakery")
    few = report_queries(finance, slug)
    for name in ("Asylum Hill Books", "Park Street Hardware", "Pratt Street Deli"):
        business(name)

    assert report_queries(finance, slug) == few


def test_aging_as_of_a_day_before_a_lost_dispute_or_an_ach_return_shows_it_paid(
    time_machine, settings
):
    """Through the real stripe library against the Stripe test double: money taken back after
    the day was still paying the invoice on that day."""
    from django.test import Client

    from billing.models import Payment
    from tests.billing.stripe_payloads import WEBHOOK_SECRET, deliver, event, stripe_object
    from tests.billing.stripe_stub import stripe_stub
    from tests.billing.test_disputes_and_returns import (
        ach_paid,
        dispute_event,
        paid_by_card_now,
    )
    from tests.factories import MembershipFactory, PlanFactory

    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    plan = PlanFactory(name="Small Business", flat_amount="600.00", billing_cycle="anniversary")

    def member(name: str):
        from crm.models import Membership

        return MembershipFactory(
            organization=OrganizationFactory(name=name),
            plan=plan,
            status=Membership.Status.APPROVED,
            start_date=date(2026, 11, 1),
        )

    with stripe_stub(settings) as stub:
        on(time_machine, date(2026, 11, 2))
        disputed, disputed_intent = paid_by_card_now(stub, member("Front Street Bakery"))
        returned, returned_intent = ach_paid(stub, member("Asylum Hill Books"))
        on(time_machine, date(2026, 11, 20))
        dispute = stub.dispute(disputed_intent, status="lost")
        deliver(Client(), dispute_event("charge.dispute.closed", dispute["id"]))
        on(time_machine, date(2026, 11, 24))
        stub.fail_after_success(returned_intent)
        deliver(
            Client(),
            event(
                "charge.failed",
                stripe_object(
                    "charge", id="ch_any", payment_intent=returned_intent, status="failed"
                ),
            ),
        )
    assert Payment.objects.get(invoice=returned).status == Payment.Status.FAILED
    disputed.refresh_from_db()
    assert disputed.status == Invoice.Status.OPEN

    def owed(as_of: date) -> dict[str, dict[str, Decimal]]:
        return buckets(reports.ar_aging(as_of=as_of)[0])

    assert owed(date(2026, 11, 1)) == {}  # not issued yet
    assert owed(date(2026, 11, 19)) == {}  # both paid
    # The dispute was lost on November 20; the ACH debit came back on November 24.
    assert owed(date(2026, 11, 21)) == {"Front Street Bakery": {"current": Decimal("600.00")}}
    assert owed(date(2026, 11, 30)) == {
        "Asylum Hill Books": {"current": Decimal("600.00")},
        "Front Street Bakery": {"current": Decimal("600.00")},
    }
