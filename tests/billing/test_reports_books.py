"""The finance reports agree with the books: aging as the ledger stood on a past day, retention
by the plan held in each term, event revenue net of refunds, and the dashboard's dues figures
equal to the dues report's. Everything goes through the billing services, on the days it
happened (time_machine), against figures worked out by hand."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

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
