"""Pledges that renew, through the daily run: installment invoices reminded like dues, a renewal
proposed before the last installment and accepted (once) or declined, and back-dated pledges
whose past installments were paid outside this system."""

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail

from billing.models import Invoice, InvoiceReminder
from billing.services import invoice_create_for_installment
from core.exceptions import InvalidData, ServiceError
from crm.models import Pledge, PledgeInstallment, PledgeRenewalProposal, Task
from crm.services import pledge_create
from crm.services.applications import investment_confirm
from crm.services.renewals import pledge_renewal_accept, pledge_renewal_decline
from tests.billing.test_renewals import mails_to, on, pay, run, run_twice
from tests.factories import (
    AffiliationFactory,
    ContactFactory,
    InvestorLevelFactory,
    OrganizationFactory,
    PledgeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pledge(settings) -> Pledge:
    settings.PLEDGE_INVOICE_LEAD_DAYS = 30
    settings.PLEDGE_REMINDER_DAYS = [-7, 7, 21]
    settings.PLEDGE_RENEWAL_LEAD_DAYS = 60
    organization = OrganizationFactory(name="Capitol Insurance")
    contact = ContactFactory(first_name="Lee", email="lee@capitol.example.com")
    AffiliationFactory(organization=organization, contact=contact, is_primary=True)
    return PledgeFactory(
        organization=organization,
        contact=contact,
        level=InvestorLevelFactory(name="Partner", minimum_annual_amount=Decimal("5000.00")),
        annual_amount=Decimal("6000.00"),
        start_date=date(2026, 1, 15),
        installments_per_year=4,
        status=Pledge.Status.CONFIRMED,
    )


# --- reminders ---------------------------------------------------------------------------------


def test_it_reminds_an_open_installment_invoice_on_the_pledge_schedule_once_each(pledge):
    assert run_twice(date(2025, 12, 16)).count("pledge installments invoiced") == 1
    pay(Invoice.objects.get(), date(2026, 1, 10))
    assert run_twice(date(2026, 3, 16)).count("pledge installments invoiced") == 1
    invoice = Invoice.objects.get(lines__pledge_installment__number=2)
    assert invoice.due_date == date(2026, 4, 15)

    report = run_twice(date(2026, 4, 8))
    assert report.count("reminders sent") == 1, report.lines()
    assert InvoiceReminder.objects.filter(invoice=invoice, kind="due-7").exists()
    [upcoming] = mails_to("pledge_reminder")
    assert upcoming.recipients == "lee@capitol.example.com"
    assert "installment 2 of the Partner investment" in mail.outbox[-1].body

    assert run_twice(date(2026, 4, 22)).count("reminders sent") == 1
    assert len(mails_to("pledge_overdue")) == 1
    assert "7 days ago" in mail.outbox[-1].body

    pay(invoice, date(2026, 4, 23))
    assert run_twice(date(2026, 5, 6)).count("reminders sent") == 0
    assert InvoiceReminder.objects.filter(invoice=invoice).count() == 2


def test_it_sends_no_installment_reminders_when_the_schedule_is_empty(pledge, settings):
    settings.PLEDGE_REMINDER_DAYS = []
    run_twice(date(2026, 3, 16))

    assert run_twice(date(2026, 4, 8)).count("reminders sent") == 0
    assert not InvoiceReminder.objects.exists()


# --- renewal proposals -------------------------------------------------------------------------


def test_it_proposes_the_renewal_before_the_last_installment_and_accepting_makes_one_pledge(
    pledge,
):
    # The last installment is due 2026-10-15: the proposal comes 60 days before.
    assert run_twice(date(2026, 8, 15)).count("pledge renewals proposed") == 0
    report = run_twice(date(2026, 8, 16))
    assert report.count("pledge renewals proposed") == 1, report.lines()

    proposal = PledgeRenewalProposal.objects.get(pledge=pledge)
    assert (proposal.level, proposal.annual_amount) == (pledge.level, Decimal("6000.00"))
    assert proposal.start_date == date(2027, 1, 15)
    assert proposal.status == PledgeRenewalProposal.Status.PROPOSED
    assert "Partner level again at $6,000.00 a year" in proposal.explanation
    [sent] = mails_to("pledge_renewal_proposal")
    assert sent.recipients == "lee@capitol.example.com"
    body = mail.outbox[-1].body
    assert "the Partner level at $6,000.00 a year" in body and proposal.explanation in body

    with on(date(2026, 8, 20)):
        first = pledge_renewal_accept(proposal=proposal)
        again = pledge_renewal_accept(proposal=proposal)

    assert first == again
    assert Pledge.objects.count() == 2
    first.refresh_from_db()
    assert (first.status, first.start_date, first.term_years, first.installments_per_year) == (
        Pledge.Status.CONFIRMED,
        date(2027, 1, 15),
        1,
        4,
    )
    assert (first.level, first.annual_amount, first.contact) == (
        pledge.level,
        Decimal("6000.00"),
        pledge.contact,
    )
    assert first.installments.count() == 4
    proposal.refresh_from_db()
    assert (proposal.status, proposal.next_pledge) == ("accepted", first)
    with pytest.raises(ServiceError, match="that is accepted cannot be declined"):
        pledge_renewal_decline(proposal=proposal, reason="changed our mind")


def test_it_gives_the_account_owner_a_follow_up_task_with_the_proposal(pledge):
    owner = UserFactory(username="dana", is_staff=True)
    pledge.organization.account_owner = owner
    pledge.organization.save(update_fields=["account_owner"])

    run_twice(date(2026, 8, 16))

    [task] = Task.objects.all()
    assert (task.assignee, task.organization, task.due_date) == (
        owner,
        pledge.organization,
        date(2026, 10, 15),
    )
    assert task.title == "Renewal of the Partner investment of Capitol Insurance"
    assert "Proposed: Partner at $6,000.00 a year from January 15, 2027." in task.notes


def test_it_proposes_the_next_level_when_the_organizations_giving_reached_it(pledge):
    upper = InvestorLevelFactory(name="Chairman's Circle", minimum_annual_amount=Decimal("10000"))
    PledgeFactory(
        organization=pledge.organization,
        level=pledge.level,
        annual_amount=Decimal("5000.00"),
        start_date=date(2025, 6, 1),
        term_years=3,
        status=Pledge.Status.CONFIRMED,
    )

    run(date(2026, 8, 16))

    proposal = PledgeRenewalProposal.objects.get(pledge=pledge)
    assert (proposal.level, proposal.annual_amount) == (upper, Decimal("10000.00"))
    assert proposal.explanation == (
        "Capitol Insurance gives $11,000.00 a year across its pledges, which reaches the "
        "Chairman's Circle level (from $10,000.00 a year): we propose Chairman's Circle at "
        "$10,000.00 a year, the level's minimum."
    )


def test_it_declines_a_proposal_with_a_reason_and_makes_no_pledge(pledge):
    run(date(2026, 8, 16))
    proposal = PledgeRenewalProposal.objects.get()

    with pytest.raises(ServiceError, match="Say why"):
        pledge_renewal_decline(proposal=proposal, reason=" ")
    pledge_renewal_decline(proposal=proposal, reason="Budget cut for next year.")

    proposal.refresh_from_db()
    assert (proposal.status, proposal.status_reason) == ("declined", "Budget cut for next year.")
    with pytest.raises(ServiceError, match="was declined: it cannot be accepted"):
        pledge_renewal_accept(proposal=proposal)
    assert Pledge.objects.count() == 1
    assert run_twice(date(2026, 8, 17)).count("pledge renewals proposed") == 0


def test_it_proposes_nothing_for_a_pledge_that_is_not_confirmed_or_whose_term_is_over(pledge):
    Pledge.objects.filter(pk=pledge.pk).update(status=Pledge.Status.CANCELLED)
    PledgeFactory(start_date=date(2024, 1, 1), status=Pledge.Status.CONFIRMED)  # ended 2025

    assert run_twice(date(2026, 8, 16)).count("pledge renewals proposed") == 0
    assert not PledgeRenewalProposal.objects.exists()


# --- back-dated pledges ------------------------------------------------------------------------


def _back_dated(past_installments: str) -> Pledge:
    return pledge_create(
        organization=OrganizationFactory(),
        level=InvestorLevelFactory(minimum_annual_amount=Decimal("5000.00")),
        annual_amount=Decimal("12000.00"),
        start_date=date(2024, 1, 1),
        term_years=3,
        installments_per_year=12,
        past_installments=past_installments,
        today=date(2026, 1, 15),
    )


def test_it_records_a_back_dated_pledges_past_installments_as_settled_and_never_invoices_them(
    settings,
):
    settings.PLEDGE_REMINDER_DAYS = [-7, 7, 21]
    with on(date(2026, 1, 15)):
        pledge = _back_dated("settled")
        settled = pledge.installments.filter(settled_outside=True)
        assert settled.count() == 25  # January 2024 to January 2026
        assert not pledge.installments.filter(settled_outside=True, due_date__gte=date(2026, 1, 15))
        investment_confirm(pledge=pledge, today=date(2026, 1, 15))

    invoiced = Invoice.objects.filter(lines__pledge_installment__pledge=pledge)
    assert invoiced.count() == 11  # February to December 2026, as drafts until due
    assert not invoiced.filter(lines__pledge_installment__settled_outside=True).exists()
    assert invoiced.filter(status="open").count() == 1  # February's, due within 30 days
    with pytest.raises(ServiceError, match="paid outside this system"):
        invoice_create_for_installment(installment=settled.first())

    run_twice(date(2026, 1, 16))
    assert invoiced.count() == 11
    assert not InvoiceReminder.objects.exists()


def test_it_invoices_a_back_dated_pledges_past_installments_when_asked_to():
    pledge = _back_dated("invoice")

    assert not pledge.installments.filter(settled_outside=True).exists()


def test_it_refuses_an_unknown_choice_for_past_installments_and_stores_nothing():
    with pytest.raises(InvalidData, match="either 'invoice' or 'settled'") as caught:
        _back_dated("ignore")

    assert caught.value.field == "past_installments"
    assert not Pledge.objects.exists()


def test_it_completes_a_pledge_whose_installments_were_all_paid_outside(settings):
    with on(date(2026, 1, 15)):
        pledge = pledge_create(
            organization=OrganizationFactory(),
            level=InvestorLevelFactory(minimum_annual_amount=Decimal("5000.00")),
            annual_amount=Decimal("5000.00"),
            start_date=date(2025, 1, 1),
            term_years=1,
            installments_per_year=4,
            past_installments="settled",
        )
        investment_confirm(pledge=pledge)

    assert run_twice(date(2026, 1, 16)).count("pledges completed") == 1
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.COMPLETED
    assert not Invoice.objects.exists()
    assert PledgeInstallment.objects.filter(settled_outside=True).count() == 4
