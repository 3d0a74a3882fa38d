"""The finance reports against figures worked out by hand."""

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.utils import timezone

from billing import reports
from billing.models import Invoice, InvoiceLine, Payment
from crm.models import Membership, MembershipTransition, Pledge
from tests.factories import MembershipFactory, OrganizationFactory, PlanFactory, PledgeFactory

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 11, 29)


def open_invoice(organization, total: str, due: date, *, status=Invoice.Status.OPEN) -> Invoice:
    return Invoice.objects.create(
        organization=organization,
        kind=Invoice.Kind.OTHER,
        status=status,
        total=Decimal(total),
        issue_date=date(2026, 1, 2),
        due_date=due,
    )


def paid(invoice: Invoice, amount: str) -> Payment:
    return Payment.objects.create(
        invoice=invoice,
        method=Payment.Method.CHECK,
        status=Payment.Status.SUCCEEDED,
        amount=Decimal(amount),
        received_on=date(2026, 2, 1),
        gl_account="1010",
    )


def dues_term(membership, start: date, end: date, amount="600.00", *, status=Invoice.Status.PAID):
    invoice = Invoice.objects.create(
        organization=membership.organization,
        kind=Invoice.Kind.DUES,
        status=status,
        total=Decimal(amount),
        issue_date=start,
    )
    InvoiceLine.objects.create(
        invoice=invoice,
        kind=InvoiceLine.Kind.MEMBERSHIP,
        description="Annual dues",
        amount=Decimal(amount),
        gl_account=membership.plan.gl_revenue_account,
        period_start=start,
        period_end=end,
        membership=membership,
    )
    return invoice


def test_it_buckets_what_each_organization_owes_by_days_past_due():
    bakery = OrganizationFactory(name="Front Street Bakery")
    books = OrganizationFactory(name="Asylum Hill Books")
    open_invoice(bakery, "300.00", date(2026, 12, 10))  # not due yet: current
    open_invoice(bakery, "100.00", date(2026, 11, 29))  # due today: current
    open_invoice(bakery, "80.00", date(2026, 10, 30))  # 30 days: 1-30
    paid(open_invoice(books, "200.00", date(2026, 10, 15)), "50.00")  # 45 days, $150 left
    open_invoice(books, "250.00", date(2026, 9, 30))  # 60 days: 31-60
    open_invoice(books, "70.00", date(2026, 8, 31))  # 90 days: 61-90
    open_invoice(books, "400.00", date(2026, 8, 30))  # 91 days: 90+
    open_invoice(books, "999.00", date(2026, 1, 1), status=Invoice.Status.PAID)
    open_invoice(books, "999.00", date(2026, 1, 1), status=Invoice.Status.VOID)
    open_invoice(books, "999.00", date(2026, 1, 1), status=Invoice.Status.UNCOLLECTIBLE)

    rows, totals = reports.ar_aging(as_of=AS_OF)

    by_name = {row.organization: row.buckets for row in rows}
    assert [row.organization for row in rows] == ["Asylum Hill Books", "Front Street Bakery"]
    assert by_name["Front Street Bakery"] == {
        "current": Decimal("400.00"),
        "1-30": Decimal("80.00"),
        "31-60": 0,
        "61-90": 0,
        "90+": 0,
    }
    assert by_name["Asylum Hill Books"] == {
        "current": 0,
        "1-30": 0,
        "31-60": Decimal("400.00"),
        "61-90": Decimal("70.00"),
        "90+": Decimal("400.00"),
    }
    assert totals.total == Decimal("1350.00")


def test_it_computes_retention_as_renewed_out_of_due_by_plan_and_year():
    small = PlanFactory(name="Small Business")
    corporate = PlanFactory(name="Corporate")
    memberships = [MembershipFactory(plan=small) for _ in range(4)] + [
        MembershipFactory(plan=corporate) for _ in range(2)
    ]
    year_2025 = (date(2025, 1, 1), date(2025, 12, 31))
    year_2026 = (date(2026, 1, 1), date(2026, 12, 31))
    for membership in memberships:
        dues_term(membership, *year_2025)
    # Three of four small businesses renewed, one of two corporate members.
    for membership in memberships[:3] + memberships[4:5]:
        dues_term(membership, *year_2026)
    # An unpaid renewal is not a renewal.
    dues_term(memberships[5], *year_2026, status=Invoice.Status.OPEN)

    rows = reports.retention(as_of=AS_OF)

    # The 2026 terms have not ended on 29 November 2026: they are not due yet.
    assert [(r.plan, r.year, r.due, r.renewed, r.rate) for r in rows] == [
        ("Corporate", 2025, 2, 1, Decimal("50.0")),
        ("Small Business", 2025, 4, 3, Decimal("75.0")),
    ]


def test_it_counts_new_and_lapsed_members_by_month():
    for since in (date(2026, 3, 5), date(2026, 3, 20), date(2026, 5, 1)):
        MembershipFactory(status=Membership.Status.ACTIVE, member_since=since)
    lapsed = MembershipFactory(status=Membership.Status.LAPSED, member_since=date(2024, 1, 1))
    transition = MembershipTransition.objects.create(
        membership=lapsed, from_status="grace", to_status="lapsed"
    )
    at = timezone.make_aware(datetime.combine(date(2026, 5, 10), time(12)))
    MembershipTransition.objects.filter(pk=transition.pk).update(at=at)

    rows = reports.members_by_month(since=date(2026, 3, 1), until=date(2026, 5, 31))

    assert rows == [
        {"month": date(2026, 3, 1), "new": 2, "lapsed": 0},
        {"month": date(2026, 4, 1), "new": 0, "lapsed": 0},
        {"month": date(2026, 5, 1), "new": 1, "lapsed": 1},
    ]


def test_it_sums_dues_billed_by_plan_and_month():
    small = MembershipFactory(plan=PlanFactory(name="Small Business"))
    corporate = MembershipFactory(plan=PlanFactory(name="Corporate"))
    dues_term(small, date(2026, 1, 1), date(2026, 12, 31), "600.00", status=Invoice.Status.OPEN)
    dues_term(corporate, date(2026, 1, 15), date(2027, 1, 14), "2500.00")
    dues_term(corporate, date(2026, 2, 1), date(2027, 1, 31), "75.00", status=Invoice.Status.VOID)

    plans, rows = reports.dues_billed_by_plan_by_month(
        since=date(2026, 1, 1), until=date(2026, 2, 28)
    )

    assert plans == ["Corporate", "Small Business"]
    assert rows == [
        {
            "month": date(2026, 1, 1),
            "plans": [Decimal("2500.00"), Decimal("600.00")],
            "total": Decimal("3100.00"),
        },
        {"month": date(2026, 2, 1), "plans": [0, 0], "total": 0},
    ]


def test_it_reports_pledges_committed_billed_paid_and_outstanding():
    pledge = PledgeFactory(
        status=Pledge.Status.CONFIRMED, annual_amount=Decimal("6000.00"), term_years=2
    )
    PledgeFactory(level=pledge.level, status=Pledge.Status.SUBMITTED)  # not committed yet
    first, second = pledge.installments.order_by("number")[:2]
    for installment, status in ((first, Invoice.Status.PAID), (second, Invoice.Status.OPEN)):
        invoice = Invoice.objects.create(
            organization=pledge.organization,
            kind=Invoice.Kind.PLEDGE,
            status=status,
            total=installment.amount,
            issue_date=installment.due_date,
        )
        InvoiceLine.objects.create(
            invoice=invoice,
            kind=InvoiceLine.Kind.PLEDGE_INSTALLMENT,
            description="Installment",
            amount=installment.amount,
            gl_account="4100",
            pledge_installment=installment,
        )
        if status == Invoice.Status.PAID:
            paid(invoice, "1500.00")

    assert reports.pledge_summary() == [
        {
            "level": pledge.level.name,
            "committed": Decimal("12000.00"),
            "billed": Decimal("3000.00"),
            "paid": Decimal("1500.00"),
            "outstanding": Decimal("10500.00"),
        }
    ]


def test_it_reports_event_revenue_from_paid_registration_lines():
    from events.models import Registration
    from tests.factories import ContactFactory, TicketTypeFactory

    organization = OrganizationFactory()
    ticket = TicketTypeFactory()
    for status, amount in ((Invoice.Status.PAID, "45.00"), (Invoice.Status.OPEN, "45.00")):
        # Every registration line is for a registration (the database insists).
        registration = Registration.objects.create(
            event=ticket.event,
            ticket_type=ticket,
            contact=ContactFactory(),
            status=Registration.Status.CONFIRMED,
            price_each=Decimal(amount),
            total=Decimal(amount),
        )
        invoice = Invoice.objects.create(
            organization=organization,
            kind=Invoice.Kind.EVENT,
            status=status,
            total=Decimal(amount),
            issue_date=date(2026, 9, 1),
        )
        InvoiceLine.objects.create(
            invoice=invoice,
            kind=InvoiceLine.Kind.REGISTRATION,
            description="Annual dinner",
            amount=Decimal(amount),
            gl_account="4300",
            period_start=date(2026, 10, 8),
            registration=registration,
        )

    assert reports.event_revenue(since=date(2026, 1, 1), until=AS_OF) == [
        {"month": date(2026, 10, 1), "gl_account": "4300", "amount": Decimal("45.00"), "lines": 1}
    ]
