"""On PostgreSQL, with real concurrent transactions."""

import threading

import pytest
from django.db import connection
from django.test import Client

from billing import services
from billing.gateways import FakeGateway, use_gateway
from billing.models import Invoice, Payment
from billing.money import to_minor_units
from crm.models import Membership
from tests.billing.stripe_payloads import WEBHOOK_SECRET, deliver, event, stripe_object
from tests.factories import MembershipFactory, OrganizationFactory, PlanFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(count: int, work) -> list:
    """Start `count` threads at one barrier; each closes its own connection."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_it_makes_one_payment_from_twenty_deliveries_of_one_invoice_paid(settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    membership = MembershipFactory(status=Membership.Status.APPROVED)
    with use_gateway(FakeGateway()) as fake:
        invoice = services.invoice_issue(
            invoice=services.invoice_create_for_membership(membership=membership)
        )
        fake.pay(invoice.stripe_invoice_id)
        paid = event(
            "invoice.paid",
            stripe_object(
                "invoice",
                id=invoice.stripe_invoice_id,
                status="paid",
                total=to_minor_units(invoice.total),
                metadata={"invoice_id": str(invoice.pk)},
            ),
        )

        results = run_together(20, lambda i: deliver(Client(), paid).status_code)

    assert results == [200] * 20
    assert Payment.objects.count() == 1
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ACTIVE
    assert membership.transitions.filter(to_status="active").count() == 1


def test_it_never_repeats_an_invoice_number_when_issuing_concurrently():
    plan = PlanFactory()
    invoices = [
        services.invoice_create_for_membership(
            membership=MembershipFactory(
                organization=OrganizationFactory(), plan=plan, status=Membership.Status.APPROVED
            )
        )
        for _ in range(20)
    ]

    results = run_together(20, lambda i: services.invoice_issue(invoice=invoices[i]).number)

    assert all(isinstance(number, str) for number in results), results
    assert len(set(results)) == 20
    sequence = sorted(int(number.split("-")[1]) for number in results)
    assert sequence == list(range(1, 21))


def test_it_makes_one_renewal_invoice_and_one_reminder_when_two_daily_runs_race():
    from datetime import date

    import time_machine

    from billing.models import InvoiceReminder
    from crm.models import EmailLog, MembershipTransition
    from crm.services.renewals import renewals_run
    from tests.factories import AffiliationFactory

    def race(day: date) -> list:
        with time_machine.travel(f"{day.isoformat()} 12:00:00-05:00", tick=False):
            return run_together(2, lambda i: renewals_run(today=day))

    members = []
    for n in range(3):
        organization = OrganizationFactory(name=f"Racing {n}")
        AffiliationFactory(organization=organization, contact__email=f"racer{n}@x.example")
        membership = MembershipFactory(
            organization=organization,
            plan=PlanFactory(flat_amount="600.00", reminder_days="-40"),
            status=Membership.Status.ACTIVE,
        )
        Membership.objects.filter(pk=membership.pk).update(paid_through=date(2026, 12, 31))
        members.append(membership)

    results = race(date(2026, 11, 16))

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r.count("renewal invoices") for r in results) >= 3
    assert Invoice.objects.count() == 3
    assert set(Invoice.objects.values_list("status", flat=True)) == {"open"}
    # Reminders come after the day of issue; the next day's two runs send each once.
    results = race(date(2026, 11, 23))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert InvoiceReminder.objects.count() == 3
    assert EmailLog.objects.filter(template="renewal_reminder").count() == 3
    assert sum(r.count("reminders sent") for r in results) == 3

    for membership in members:
        Membership.objects.filter(pk=membership.pk).update(paid_through=date(2026, 11, 1))
    results = race(date(2026, 11, 24))
    assert sum(r.count("into grace") for r in results) == 3
    assert MembershipTransition.objects.filter(to_status="grace").count() == 3
