"""The journal on the accrual basis (the default): an issued invoice is owed (receivable) and
earned over its period (the months to come deferred), a payment clears the receivable, a void
reverses the invoice, a write-off moves what was owed to bad debt; upgrades, pledges and events
are deferred over the period they cover."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from billing import selectors, services
from billing.models import Invoice, RevenueRecognition
from billing.services.invoice_drafts import DraftLineSpec
from crm.models import Membership
from tests.billing import test_one_balance
from tests.billing.stripe_payloads import committed
from tests.billing.test_journal import BANK, DEFERRED, FEES, assert_balanced, balances
from tests.billing.test_payouts import paid_by_card, sync
from tests.factories import MembershipFactory, OrganizationFactory, PlanFactory

pytestmark = pytest.mark.django_db

# The Stripe stub and the $1,250 Corporate member of the credit-balance tests.
stub, corporate_member = test_one_balance.stub, test_one_balance.membership

AR, BAD_DEBT, CREDITS, DUES = "1200", "6170", "2450", "4020"


def on(time_machine, day: date) -> None:
    time_machine.move_to(datetime(day.year, day.month, day.day, 17, tzinfo=UTC))


def issued(name: str, amount: str = "1200.00") -> Invoice:
    """A calendar-year 2026 membership of `amount`, invoiced today."""
    membership = MembershipFactory(
        organization=OrganizationFactory(name=name),
        plan=PlanFactory(flat_amount=amount, gl_revenue_account=DUES),
        status=Membership.Status.APPROVED,
        start_date=date(2026, 1, 1),
    )
    with committed():
        return services.invoice_issue(
            invoice=services.invoice_create_for_membership(membership=membership)
        )


def check(invoice: Invoice, amount: str, received_on: date):
    number = str(invoice.payments.count() + 7)
    with committed():
        return services.payment_record_offline(
            invoice=invoice,
            amount=Decimal(amount),
            method="check",
            check_number=number,
            received_on=received_on,
        )


def test_an_issued_invoice_is_owed_and_earned_month_by_month_and_a_deposit_clears_it(
    time_machine,
):
    on(time_machine, date(2026, 3, 10))
    invoice = issued("Park Street Hardware")
    on(time_machine, date(2026, 3, 21))
    payment = check(invoice, "1200.00", date(2026, 3, 20))
    services.deposit_create(payments=[payment], deposited_on=date(2026, 3, 21), reference="D1")
    on(time_machine, date(2026, 4, 2))

    march = services.journal_export(date_to=date(2026, 3, 31))

    assert_balanced(march)
    assert march.basis == "accrual"
    issue = {
        line.account: line.debit - line.credit
        for line in march.lines.filter(source=f"invoice {invoice.number}")
    }
    # January to March earned ($295.89 of 365 days), April to December deferred.
    assert issue == {AR: Decimal("1200.00"), DUES: Decimal("-295.89"), DEFERRED: Decimal("-904.11")}
    assert balances(march) == {
        BANK: Decimal("1200.00"),
        DUES: Decimal("-295.89"),
        DEFERRED: Decimal("-904.11"),
    }
    invoice.refresh_from_db()
    assert invoice.accrued_in == march
    unrecognised = RevenueRecognition.objects.filter(recognized_in__isnull=True)
    assert sum(row.amount for row in unrecognised) == Decimal("904.11")

    on(time_machine, date(2026, 5, 1))
    april = services.journal_export(date_to=date(2026, 4, 30))

    assert balances(april) == {DEFERRED: Decimal("98.63"), DUES: Decimal("-98.63")}


def test_a_void_reverses_the_invoice_and_one_voided_before_its_export_posts_nothing(
    time_machine,
):
    on(time_machine, date(2026, 3, 10))
    kept = issued("Park Street Hardware")
    mistake = issued("Asylum Hill Books", "600.00")
    services.invoice_void(invoice=mistake, reason="billed twice")
    on(time_machine, date(2026, 4, 2))
    march = services.journal_export(date_to=date(2026, 3, 31))
    assert not march.lines.filter(source__contains=mistake.number).exists()
    mistake.refresh_from_db()
    assert (mistake.accrued_in, mistake.void_posted_in) == (march, march)

    on(time_machine, date(2026, 4, 15))
    services.invoice_void(invoice=kept, reason="joined by mistake")
    on(time_machine, date(2026, 5, 1))
    april = services.journal_export(date_to=date(2026, 4, 30))

    assert_balanced(april)
    voided = {
        line.account: line.debit - line.credit
        for line in april.lines.filter(source=f"invoice {kept.number} voided")
    }
    # January to April back from revenue, May to December from deferred revenue.
    assert voided == {AR: Decimal("-1200.00"), DUES: Decimal("394.52"), DEFERRED: Decimal("805.48")}
    # Nothing is left to recognise, and the receivable is back to zero.
    assert sum(r.amount for r in RevenueRecognition.objects.filter(recognized_in=None)) == 0
    assert balances(march).get(AR, 0) + balances(april).get(AR, 0) == 0


def test_a_write_off_goes_to_bad_debt_and_a_late_payment_recovers_it(time_machine):
    on(time_machine, date(2026, 3, 10))
    invoice = issued("Park Street Hardware")
    first = check(invoice, "200.00", date(2026, 3, 10))
    on(time_machine, date(2026, 3, 25))
    services.invoice_write_off(invoice=invoice, reason="closed the shop")
    invoice.refresh_from_db()
    assert invoice.written_off_amount == Decimal("1000.00")
    on(time_machine, date(2026, 4, 8))
    late = check(invoice, "300.00", date(2026, 4, 8))
    services.deposit_create(payments=[first, late], deposited_on=date(2026, 4, 8))
    on(time_machine, date(2026, 5, 1))

    april = services.journal_export(date_to=date(2026, 4, 30))

    assert_balanced(april)
    written_off = {
        line.account: line.debit - line.credit
        for line in april.lines.filter(source=f"invoice {invoice.number} written off")
    }
    assert written_off == {BAD_DEBT: Decimal("1000.00"), AR: Decimal("-1000.00")}
    totals = balances(april)
    # Owed $1,200, paid $200 before the write-off: nothing is left receivable; the $300 that
    # came after it comes off the bad debt.
    assert AR not in totals
    assert totals[BAD_DEBT] == Decimal("700.00")
    assert totals[BANK] == Decimal("500.00")


def test_a_stripe_payment_clears_the_receivable_at_its_payout(fake_stripe, time_machine):
    on(time_machine, date(2026, 10, 1))
    paid = paid_by_card(fake_stripe, "Front Street Bakery")
    fake_stripe.pay_out(
        [fake_stripe.charge_transaction(paid.stripe_payment_intent_id)],
        arrival_date=date(2026, 10, 15),
    )
    sync()
    on(time_machine, date(2026, 11, 1))

    october = services.journal_export(date_to=date(2026, 10, 31))

    assert_balanced(october)
    # $300 for July to December: the invoice earns July to October, the payout clears it.
    assert balances(october) == {
        BANK: Decimal("291.00"),
        FEES: Decimal("9.00"),
        "4010": Decimal("-200.53"),
        DEFERRED: Decimal("-99.47"),
    }


def test_a_lost_dispute_owes_again_and_a_refund_reduces_revenue(fake_stripe, time_machine):
    on(time_machine, date(2026, 10, 1))
    disputed = paid_by_card(fake_stripe, "Asylum Hill Books")
    refunded = paid_by_card(fake_stripe, "Front Street Bakery")
    intent_id = disputed.stripe_payment_intent_id
    fake_stripe.dispute(intent_id, dispute_id="dp_a1")
    with committed():
        services.dispute_record_from_stripe(dispute={"id": "dp_a1"})
        services.refund_create(payment=refunded, amount=Decimal("100.00"), reason="x")
    withdrawn = fake_stripe.dispute_transaction(
        dispute_id="dp_a1", payment_intent_id=intent_id, amount=Decimal("300.00"), fee=Decimal("15")
    )
    fake_stripe.pay_out(
        [
            fake_stripe.charge_transaction(intent_id),
            fake_stripe.charge_transaction(refunded.stripe_payment_intent_id),
            fake_stripe.refund_transaction(
                fake_stripe.refunds[refunded.stripe_payment_intent_id][0]
            ),
            withdrawn,
        ],
        arrival_date=date(2026, 10, 20),
    )
    sync()
    on(time_machine, date(2026, 11, 1))

    october = services.journal_export(date_to=date(2026, 10, 31))

    assert_balanced(october)
    totals = balances(october)
    # The disputed invoice owes its $300 again; the refunded one is paid.
    disputed.invoice.refresh_from_db()
    assert totals[AR] == disputed.invoice.amount_due == Decimal("300.00")
    # Revenue: two invoices earned $200.53 each by October, less the refund's $66.85 (July to
    # October of its $100).
    assert totals["4010"] == Decimal("-401.06") + Decimal("66.85")
    assert totals["6160"] == Decimal("15.00")


def test_an_upgrade_is_deferred_over_the_months_it_covers(time_machine):
    on(time_machine, date(2026, 11, 10))
    organization = OrganizationFactory(name="Park Street Hardware")
    upgrade = services.invoice_create_draft(
        organization=organization,
        lines=[
            DraftLineSpec(
                "Upgrade", Decimal("510.00"), DUES, date(2026, 11, 10), date(2026, 12, 31)
            )
        ],
        explanation="Upgrade to Corporate.",
        reason="plan upgrade",
    )
    with committed():
        services.invoice_issue(invoice=upgrade)
    on(time_machine, date(2026, 12, 1))

    november = services.journal_export(date_to=date(2026, 11, 30))

    # 21 of 52 days are November's; December's 31 are deferred to December.
    assert balances(november) == {
        AR: Decimal("510.00"),
        DUES: Decimal("-205.96"),
        DEFERRED: Decimal("-304.04"),
    }


def test_event_revenue_waits_for_the_events_month(time_machine, cash_basis):
    on(time_machine, date(2026, 3, 10))
    invoice = services.invoice_create_draft(
        organization=OrganizationFactory(name="Park Street Hardware"),
        lines=[
            DraftLineSpec(
                "Gala (May 14)", Decimal("150.00"), "4300", date(2026, 5, 14), date(2026, 5, 14)
            )
        ],
        explanation="Gala.",
        reason="registration",
        kind=Invoice.Kind.EVENT,
    )
    with committed():
        invoice = services.invoice_issue(invoice=invoice)
    services.deposit_create(
        payments=[check(invoice, "150.00", date(2026, 3, 10))], deposited_on=date(2026, 3, 10)
    )
    on(time_machine, date(2026, 6, 1))

    march = services.journal_export(date_to=date(2026, 3, 31))
    may = services.journal_export(date_to=date(2026, 5, 31))

    assert balances(march) == {BANK: Decimal("150.00"), DEFERRED: Decimal("-150.00")}
    assert balances(may) == {DEFERRED: Decimal("150.00"), "4300": Decimal("-150.00")}


def test_invoices_issued_while_the_books_were_on_the_cash_basis_stay_there(time_machine, settings):
    settings.JOURNAL_BASIS = "cash"
    on(time_machine, date(2026, 3, 10))
    old = issued("Park Street Hardware")
    services.deposit_create(
        payments=[check(old, "200.00", date(2026, 3, 10))], deposited_on=date(2026, 3, 10)
    )
    on(time_machine, date(2026, 4, 1))
    services.journal_export(date_to=date(2026, 3, 31))
    settings.JOURNAL_BASIS = "accrual"
    assert selectors.journal_accrual_from() == date(2026, 4, 1)
    new = issued("Asylum Hill Books", "600.00")
    services.deposit_create(
        payments=[check(old, "1000.00", date(2026, 4, 1)), check(new, "600.00", date(2026, 4, 1))],
        deposited_on=date(2026, 4, 1),
    )
    on(time_machine, date(2026, 5, 1))

    april = services.journal_export(date_to=date(2026, 4, 30))

    assert_balanced(april)
    old.refresh_from_db()
    assert old.accrued_in is None
    assert not april.lines.filter(source=f"invoice {old.number}").exists()
    # The old invoice's check is revenue as before; the new one's clears its receivable.
    assert AR not in balances(april)
    assert april.lines.filter(source=f"invoice {new.number}", account=AR).exists()


def test_the_front_page_the_dues_report_and_the_journal_recognise_the_same_dues(
    time_machine, client_for
):
    import csv

    from django.urls import reverse

    from billing import reports
    from crm.roles import FINANCE

    on(time_machine, date(2026, 3, 10))
    issued("Park Street Hardware")
    on(time_machine, date(2026, 4, 1))
    march = services.journal_export(date_to=date(2026, 3, 31))
    on(time_machine, date(2026, 5, 1))
    april = services.journal_export(date_to=date(2026, 4, 30))

    figures = reports.dashboard(today=date(2026, 4, 30))
    response = client_for(FINANCE).get(
        reverse("finance-report", args=["dues"]),
        {"since": "2026-01-01", "until": "2026-04-30", "format": "csv"},
    )
    header, *rows, totals = list(csv.reader(response.content.decode().splitlines()))
    report = dict(zip(header, totals, strict=True))

    journal = -(balances(march)[DUES] + balances(april)[DUES])
    # January to March earned when issued ($295.89), April recognised ($98.63); billed $1,200.
    assert journal == Decimal("394.52")
    assert Decimal(report["Recognised"]) == figures["dues_recognised"] == journal
    assert Decimal(report["Billed"]) == figures["dues_billed"] == Decimal("1200.00")
    assert [row[header.index("Recognised")] for row in rows] == [
        "0.00",
        "0.00",
        "295.89",
        "98.63",
    ]


def test_a_credit_balance_applied_to_the_next_invoice_clears_its_receivable(
    stub, corporate_member, time_machine
):
    from django.utils import timezone

    issued_for_next_period, overpaid = (
        test_one_balance.issued_for_next_period,
        test_one_balance.overpaid,
    )

    on(time_machine, date(2026, 12, 3))
    overpaid(stub, corporate_member)
    renewal = issued_for_next_period(corporate_member)
    with committed():
        payment = services.credit_apply(invoice=renewal)

    batch = services.journal_export(date_to=timezone.localdate())

    assert_balanced(batch)
    applied = {
        line.account: line.debit - line.credit
        for line in batch.lines.filter(source=f"credit payment {payment.pk}")
    }
    assert applied == {CREDITS: Decimal("1250.00"), AR: Decimal("-1250.00")}
    payment.refresh_from_db()
    assert payment.journal_batch == batch
    renewal_ar = sum(
        line.debit - line.credit
        for line in batch.lines.filter(account=AR, description__contains=renewal.number)
    )
    assert renewal_ar == 0
