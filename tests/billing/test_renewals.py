"""A membership's year, and a pledge's, lived day by day through the daily job with the clock
moved by time-machine: renewal invoice, reminders, payment, grace, lapse, reinstatement, plan
changes, installments. Running the job twice on a day changes nothing the second time."""

from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.management import call_command

from billing.models import Invoice, InvoiceReminder
from billing.services import payment_record_offline
from crm.models import (
    EmailLog,
    Membership,
    MembershipPlanChange,
    MembershipTransition,
    Pledge,
)
from crm.services.renewals import (
    membership_change_plan,
    membership_reinstate_and_bill,
    renewals_run,
)
from tests.billing.stripe_payloads import committed
from tests.factories import (
    AffiliationFactory,
    MembershipFactory,
    OrganizationFactory,
    PlanFactory,
    PledgeFactory,
)

pytestmark = pytest.mark.django_db


@contextmanager
def on(day: date):
    """Live on `day` (noon in the chamber's time zone), running what waits for a commit."""
    moment = datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo(settings.TIME_ZONE))
    with time_machine.travel(moment, tick=False), committed():
        yield


def run(day: date, **kwargs):
    with on(day):
        return renewals_run(today=day, **kwargs)


def state() -> tuple:
    """Everything the job may change, counted."""
    return (
        Invoice.objects.count(),
        tuple(Invoice.objects.order_by("pk").values_list("status", flat=True)),
        InvoiceReminder.objects.count(),
        EmailLog.objects.count(),
        MembershipTransition.objects.count(),
        tuple(Membership.objects.order_by("pk").values_list("status", "paid_through", "plan")),
        tuple(Pledge.objects.order_by("pk").values_list("status", flat=True)),
        MembershipPlanChange.objects.filter(status="pending").count(),
    )


def run_twice(day: date):
    first = run(day)
    before = state()
    second = run(day)
    assert second.changed == 0, second.lines()
    assert second.errors == []
    assert state() == before
    return first


def pay(invoice: Invoice, day: date, check: str = "1001") -> None:
    with on(day):
        payment_record_offline(
            invoice=invoice,
            amount=invoice.amount_due,
            method="check",
            received_on=day,
            check_number=check,
        )


@pytest.fixture
def member() -> Membership:
    organization = OrganizationFactory(name="Front Street Bakery", employees=12)
    AffiliationFactory(
        organization=organization,
        contact__email="dana@frontstreet.example.com",
        contact__first_name="Dana",
        is_billing=True,
    )
    membership = MembershipFactory(
        organization=organization,
        plan=PlanFactory(
            name="Small Business",
            flat_amount="600.00",
            renewal_lead_days=45,
            reminder_days="-14, -3, 7, 21",
            grace_days=30,
        ),
        status=Membership.Status.ACTIVE,
        start_date=date(2025, 1, 1),
    )
    Membership.objects.filter(pk=membership.pk).update(
        paid_through=date(2026, 12, 31), member_since=date(2025, 1, 1)
    )
    membership.refresh_from_db()
    return membership


def renewal_of(membership: Membership) -> Invoice:
    return (
        Invoice.objects.filter(lines__membership=membership, lines__kind="membership")
        .exclude(status="void")
        .distinct()
        .latest("pk")
    )


def mails_to(template: str) -> list[EmailLog]:
    return list(EmailLog.objects.filter(template=template).order_by("pk"))


def test_it_lives_a_year_of_renewal_reminders_grace_lapse_and_reinstatement(member):
    assert run_twice(date(2026, 11, 15)).changed == 0  # 46 days before: not yet

    report = run_twice(date(2026, 11, 16))
    invoice = renewal_of(member)
    assert report.count("renewal invoices") == 1
    assert invoice.status == "open"
    assert invoice.total == Decimal("600.00")
    assert invoice.due_date == date(2027, 1, 1)
    line = invoice.lines.get()
    assert (line.period_start, line.period_end) == (date(2027, 1, 1), date(2027, 12, 31))
    (notice,) = mails_to("renewal_invoice")
    assert notice.invoice == invoice and notice.organization == member.organization
    assert notice.recipients == "dana@frontstreet.example.com"
    assert notice.status == "sent"
    assert (
        mail.outbox[-1].subject
        == f"Your Small Business membership renewal: invoice {invoice.number}"
    )

    assert run_twice(date(2026, 12, 17)).changed == 0
    assert run_twice(date(2026, 12, 18)).count("reminders sent") == 1  # 14 days before
    assert run_twice(date(2026, 12, 29)).count("reminders sent") == 1  # 3 days before
    assert [r.kind for r in invoice.reminders.all()] == ["due-14", "due-3"]
    assert len(mails_to("renewal_reminder")) == 2
    assert "due in 3 days" in mail.outbox[-1].body

    report = run_twice(date(2027, 1, 1))
    member.refresh_from_db()
    assert report.count("into grace") == 1 and member.status == "grace"
    assert len(mails_to("membership_grace")) == 1

    assert run_twice(date(2027, 1, 8)).count("reminders sent") == 1
    assert run_twice(date(2027, 1, 22)).count("reminders sent") == 1
    assert [r.kind for r in invoice.reminders.all()] == ["due-14", "due-3", "due+7", "due+21"]
    assert (
        mails_to("renewal_overdue")[-1].subject
        == f"Overdue: invoice {invoice.number}, 21 days past due"
    )
    assert "was due on January 1, 2027, 21 days ago" in mail.outbox[-1].body

    assert run_twice(date(2027, 1, 30)).changed == 0  # the 30th day of grace
    report = run_twice(date(2027, 1, 31))
    member.refresh_from_db()
    assert report.count("lapsed") == 1 and member.status == "lapsed"
    assert len(mails_to("membership_lapsed")) == 1
    assert run_twice(date(2027, 2, 15)).changed == 0  # a lapsed member is not reminded

    with on(date(2027, 2, 20)):
        member, reinstatement = membership_reinstate_and_bill(
            membership=member, reason="asked to come back", fee="50.00"
        )
    assert member.status == "approved"
    invoice.refresh_from_db()
    assert invoice.status == "void"  # replaced by the one with the fee
    assert reinstatement.total == Decimal("650.00")
    assert [(line.kind, line.amount) for line in reinstatement.lines.all()] == [
        ("membership", Decimal("600.00")),
        ("other", Decimal("50.00")),
    ]
    assert "reinstatement fee of $50.00" in reinstatement.explanation
    assert len(mails_to("reinstatement_invoice")) == 1

    pay(reinstatement, date(2027, 2, 25))
    member.refresh_from_db()
    assert (member.status, member.paid_through) == ("active", date(2027, 12, 31))
    assert run_twice(date(2027, 3, 1)).changed == 0


def test_it_makes_a_paid_renewal_active_for_one_more_cycle_and_stops_reminding(member):
    run(date(2026, 11, 16))
    invoice = renewal_of(member)
    pay(invoice, date(2026, 12, 20))

    member.refresh_from_db()
    assert (member.status, member.paid_through) == ("active", date(2027, 12, 31))
    for day in (date(2026, 12, 29), date(2027, 1, 1), date(2027, 1, 8), date(2027, 2, 1)):
        assert run_twice(day).changed == 0
    assert list(invoice.reminders.values_list("kind", flat=True)) == []
    assert run_twice(date(2027, 11, 16)).count("renewal invoices") == 1  # next year's


def test_it_lives_a_year_with_an_upgrade_billed_now_and_a_renewal_on_the_new_plan(member):
    gold = PlanFactory(name="Gold", flat_amount="1200.00", proration="monthly")
    with on(date(2026, 6, 10)):
        change = membership_change_plan(membership=member, plan=gold)

    member.refresh_from_db()
    assert member.plan == gold
    assert (change.kind, change.status) == ("upgrade", "applied")
    invoice = change.invoice
    assert invoice.status == "open"
    # $600 a year more, for June to December: 7 of 12 months.
    assert [line.amount for line in invoice.lines.all()] == [Decimal("600.00"), Decimal("-250.00")]
    assert invoice.total == Decimal("350.00")
    assert "$1,200.00 on the Gold plan and $600.00 on the Small Business plan" in (
        invoice.explanation
    )
    assert "$600.00 × 7/12 = $350.00" in invoice.explanation
    assert "5 of 12 months" in invoice.lines.all()[1].description
    assert len(mails_to("plan_upgrade_invoice")) == 1

    pay(invoice, date(2026, 6, 20))
    member.refresh_from_db()
    assert (member.status, member.paid_through) == ("active", date(2026, 12, 31))

    run_twice(date(2026, 11, 16))
    renewal = renewal_of(member)
    assert renewal.total == Decimal("1200.00")
    assert "Gold" in renewal.lines.get().description


def test_it_keeps_a_downgrade_pending_until_the_renewal_and_prices_the_renewal_on_it(member):
    basic = PlanFactory(name="Basic", flat_amount="300.00")
    with on(date(2026, 9, 1)):
        change = membership_change_plan(membership=member, plan=basic)
    assert (change.kind, change.status) == ("downgrade", "pending")
    assert change.effective_date == date(2027, 1, 1)
    assert change.invoice is None
    member.refresh_from_db()
    assert member.plan.name == "Small Business"
    assert len(mails_to("plan_downgrade_scheduled")) == 1

    run_twice(date(2026, 11, 16))
    renewal = renewal_of(member)
    assert renewal.total == Decimal("300.00")
    member.refresh_from_db()
    assert member.plan.name == "Small Business"  # until the new year starts

    pay(renewal, date(2026, 12, 1))
    report = run_twice(date(2027, 1, 1))
    assert report.count("plan changes applied") == 1
    member.refresh_from_db()
    change.refresh_from_db()
    assert (member.plan, member.status, change.status) == (basic, "active", "applied")


def test_it_refuses_a_plan_change_that_makes_no_sense(member):
    from core.exceptions import ServiceError

    with on(date(2026, 6, 1)), pytest.raises(ServiceError, match="already on the Small"):
        membership_change_plan(membership=member, plan=member.plan)
    gold = PlanFactory(name="Gold", flat_amount="1200.00")
    with on(date(2026, 6, 1)), pytest.raises(ServiceError, match="between today and the end"):
        membership_change_plan(membership=member, plan=gold, effective=date(2027, 2, 1))
    applicant = MembershipFactory(status="applied")
    with on(date(2026, 6, 1)), pytest.raises(ServiceError, match="good standing"):
        membership_change_plan(membership=applicant, plan=gold)
    assert MembershipPlanChange.objects.count() == 0
    assert Invoice.objects.count() == 0


def test_it_prices_the_renewal_by_the_current_number_of_employees(member):
    from tests.factories import BracketPlanFactory

    plan = BracketPlanFactory(name="Standard", renewal_lead_days=30)
    Membership.objects.filter(pk=member.pk).update(plan=plan)
    member.organization.employees = 60  # grew from 12 since joining
    member.organization.save()

    run(date(2026, 12, 1))
    renewal = renewal_of(member)
    assert renewal.total == Decimal("1450.00")
    assert "60 employees" in renewal.lines.get().description


def test_it_prints_what_it_would_do_and_changes_nothing_on_a_dry_run(member, capsys):
    before = state()
    with on(date(2027, 1, 2)):
        call_command("run_daily", "--date", "2026-11-16", "--dry-run")
    out = capsys.readouterr().out
    assert "Would do as of 2026-11-16" in out
    assert "renewal invoices: 1" in out
    assert "Front Street Bakery: renewal invoice for the period from 2027-01-01" in out
    assert state() == before

    with on(date(2026, 11, 16)):
        call_command("run_daily")
    assert "Done as of 2026-11-16" in capsys.readouterr().out
    assert renewal_of(member).status == "open"


def test_it_sends_only_the_latest_reminder_when_days_were_missed(member):
    run(date(2026, 11, 16))
    run_twice(date(2027, 1, 10))  # the -14, -3 and +7 days all passed unseen
    assert list(renewal_of(member).reminders.values_list("kind", flat=True)) == ["due+7"]


def test_it_reports_a_broken_row_and_goes_on_with_the_others(member):
    other = MembershipFactory(
        organization=OrganizationFactory(name="Zeta Works"),
        plan=member.plan,
        status=Membership.Status.ACTIVE,
    )
    Membership.objects.filter(pk=other.pk).update(paid_through=date(2026, 12, 31))
    # A plan priced by brackets that has none cannot price its renewal.
    broken = PlanFactory(name="Broken", pricing_kind="brackets")
    Membership.objects.filter(pk=other.pk).update(plan=broken)

    report = run(date(2026, 11, 16))

    assert report.count("renewal invoices") == 1
    assert len(report.errors) == 1 and "Zeta Works" in report.errors[0]
    assert renewal_of(member).status == "open"


# --- auto-renewal ------------------------------------------------------------------------------


def test_it_charges_an_auto_renewing_member_with_a_saved_card(member, fake_stripe):
    customer = "cus_frontstreet"
    member.organization.stripe_customer_id = customer
    member.organization.save()
    Membership.objects.filter(pk=member.pk).update(auto_renew=True)
    fake_stripe.save_payment_method(customer)

    run_twice(date(2026, 11, 16))

    invoice = renewal_of(member)
    assert invoice.status == "paid"
    assert fake_stripe.collection[invoice.stripe_invoice_id] == "charge_automatically"
    member.refresh_from_db()
    assert member.paid_through == date(2027, 12, 31)
    assert mails_to("renewal_invoice") == []  # no invoice to pay: a receipt instead
    assert len(mails_to("payment_receipt")) == 1


def test_it_sends_a_payable_invoice_when_the_saved_card_is_declined(member, fake_stripe):
    customer = "cus_frontstreet"
    member.organization.stripe_customer_id = customer
    member.organization.save()
    Membership.objects.filter(pk=member.pk).update(auto_renew=True)
    fake_stripe.save_payment_method(customer)
    fake_stripe.declined.add(customer)

    run_twice(date(2026, 11, 16))

    invoice = renewal_of(member)
    assert invoice.status == "open"
    assert "card was declined" in invoice.stripe_error
    assert len(mails_to("renewal_charge_failed")) == 1
    assert invoice.pay_url in mail.outbox[-1].body


def test_it_sends_a_payable_invoice_to_an_auto_renewing_member_without_a_saved_card(
    member, fake_stripe
):
    Membership.objects.filter(pk=member.pk).update(auto_renew=True)

    run(date(2026, 11, 16))

    invoice = renewal_of(member)
    assert invoice.status == "open"
    assert fake_stripe.collection[invoice.stripe_invoice_id] == "send_invoice"
    assert len(mails_to("renewal_invoice")) == 1


# --- pledges -----------------------------------------------------------------------------------


def test_it_invoices_a_pledges_installments_as_they_come_due_and_completes_it(settings):
    settings.PLEDGE_INVOICE_LEAD_DAYS = 30
    organization = OrganizationFactory(name="Capitol Insurance")
    AffiliationFactory(organization=organization, contact__email="cfo@capitol.example.com")
    pledge = PledgeFactory(
        organization=organization,
        annual_amount=Decimal("6000.00"),
        start_date=date(2027, 1, 15),
        installments_per_year=4,
        status=Pledge.Status.CONFIRMED,
    )

    assert run_twice(date(2026, 12, 15)).changed == 0  # 31 days ahead
    for number, (invoiced_on, due) in enumerate(
        [
            (date(2026, 12, 16), date(2027, 1, 15)),
            (date(2027, 3, 16), date(2027, 4, 15)),
            (date(2027, 6, 15), date(2027, 7, 15)),
            (date(2027, 9, 15), date(2027, 10, 15)),
        ],
        start=1,
    ):
        report = run_twice(invoiced_on)
        assert report.count("pledge installments invoiced") == 1, report.lines()
        invoice = Invoice.objects.get(lines__pledge_installment__number=number)
        assert (invoice.total, invoice.due_date) == (Decimal("1500.00"), due)
        pay(invoice, due, check=f"20{number}")
        pledge.refresh_from_db()
        assert pledge.status == ("completed" if number == 4 else "confirmed")
    assert run_twice(date(2027, 12, 1)).changed == 0


def test_it_completes_a_confirmed_pledge_whose_installments_are_all_paid():
    pledge = PledgeFactory(installments_per_year=1, status=Pledge.Status.CONFIRMED)
    from billing.services import invoice_create_for_installment, invoice_issue

    with on(date(2026, 1, 5)):
        invoice = invoice_issue(
            invoice=invoice_create_for_installment(installment=pledge.installments.get())
        )
    pay(invoice, date(2026, 1, 6))
    Pledge.objects.filter(pk=pledge.pk).update(status=Pledge.Status.CONFIRMED)  # left open

    assert run_twice(date(2026, 1, 7)).count("pledges completed") == 1
    pledge.refresh_from_db()
    assert pledge.status == "completed"
