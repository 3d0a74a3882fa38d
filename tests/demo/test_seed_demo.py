"""`seed_demo` writes a chamber three years in, the same one every time: every membership state,
pledges, benefits, payouts and the books. A fresh demo tells that story in the finance reports at
/admin/reports/ too (issue 18): every report has something to show, the receivables are spread
over their ages as a real chamber's are, and the command prints a short summary and the login,
not the mail it sends.

The demo is written twice in this module, both times as on its own day: once to compare, then
the one the tests read."""

from collections import Counter
from contextlib import redirect_stdout
from datetime import date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from billing.finance_views import REPORTS
from billing.models import Invoice, SavedPaymentMethod
from crm import roles
from crm.models import (
    Affiliation,
    Benefit,
    BenefitGrant,
    BenefitUsage,
    Contact,
    Inquiry,
    Interaction,
    InvestorLevel,
    Membership,
    MembershipPlan,
    MembershipTransition,
    Note,
    Organization,
    Pledge,
    Prospect,
    Task,
)
from crm.selectors import members_at_risk
from crm.selectors.benefits import benefit_usage_by_level
from events.models import Registration

TODAY = date(2026, 11, 29)
NOON = datetime(TODAY.year, TODAY.month, TODAY.day, 12, tzinfo=ZoneInfo("America/New_York"))
MODELS = (
    Organization,
    Contact,
    Affiliation,
    MembershipPlan,
    InvestorLevel,
    Membership,
    MembershipTransition,
    Pledge,
    Note,
    Prospect,
    Task,
    Interaction,
    Inquiry,
    Benefit,
    BenefitGrant,
    BenefitUsage,
)


def seed_demo(*args: str) -> str:
    out = StringIO()
    call_command(
        "seed_demo", "--today", TODAY.isoformat(), "--allow-without-debug", *args, stdout=out
    )
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS} | {
        "users": get_user_model().objects.count()
    }


def snapshot() -> dict:
    return {
        "organizations": sorted(Organization.objects.values_list("name", "city", "employees")),
        "contacts": sorted(Contact.objects.values_list("email", flat=True)),
        "memberships": sorted(
            Membership.objects.values_list(
                "organization__name", "plan__code", "status", "start_date", "paid_through"
            )
        ),
        "pledges": sorted(
            Pledge.objects.values_list("organization__name", "level__code", "status")
        ),
        "benefits used": sorted(
            BenefitUsage.objects.values_list("organization__name", "benefit__code", "quantity")
        ),
    }


def seed_on_its_day() -> tuple[str, str]:
    """The demo written as `make demo` writes it, on the demo's own day: what the command
    printed, and what else reached the terminal (the console backend, DEBUG's, would print
    every mail the story sends)."""
    terminal = StringIO()
    with (
        time_machine.travel(NOON, tick=False),
        override_settings(
            MAILERS={"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
        ),
        redirect_stdout(terminal),
    ):
        printed = seed_demo()
    return printed, terminal.getvalue()


@pytest.fixture(scope="module")
def first_demo(module_transaction) -> tuple[dict, bool]:
    """The demo written once into the fresh database and rolled back: what it wrote, and whether
    anything was left behind. (The demo the tests read is the second one, written after it.)"""
    with transaction.atomic():
        seed_on_its_day()
        written = snapshot()
        transaction.set_rollback(True)
    return written, Organization.objects.exists()


@pytest.fixture(scope="module")
def demo(first_demo) -> tuple[str, str]:
    """The demo loaded once for the module (into the database the first one left empty)."""
    return seed_on_its_day()


@pytest.fixture
def seeded(demo, db) -> str:
    return demo[0]


def test_it_loads_a_chamber_and_prints_the_admin_login(seeded):
    assert Organization.objects.count() == 300
    assert MembershipPlan.objects.filter(offered_publicly=False).count() == 1
    assert set(MembershipPlan.objects.values_list("pricing_kind", flat=True)) == {
        "flat",
        "brackets",
    }
    assert InvestorLevel.objects.count() == 3
    assert "URL:       http://127.0.0.1:8000/admin/" in seeded
    assert "user name: admin" in seeded
    assert "password:  chamber-demo" in seeded


def test_it_writes_the_same_chamber_twice_in_fresh_databases(first_demo, seeded):
    first, left_behind = first_demo

    assert not left_behind
    assert len(first["organizations"]) == 300
    assert snapshot() == first


def test_it_has_memberships_in_every_state_most_of_them_active(seeded):
    by_status = Counter(Membership.objects.values_list("status", flat=True))
    assert set(by_status) == set(Membership.Status.values)
    assert by_status[Membership.Status.ACTIVE] > Organization.objects.count() / 2


def test_its_members_renewing_automatically_have_saved_a_card(seeded):
    renewing = Membership.objects.filter(auto_renew=True)
    assert renewing.count() > 10
    assert not renewing.filter(organization__saved_payment_method__isnull=True).exists()
    saved = SavedPaymentMethod.objects.select_related("organization").first()
    assert saved is not None and str(saved) == "Visa ending in 4242, expires 12/2030"
    assert saved.organization.stripe_customer_id.startswith("cus_fake")


def test_it_dates_memberships_so_their_states_make_sense_on_the_day(seeded):
    for membership in Membership.objects.select_related("plan"):
        grace = timedelta(days=membership.plan.grace_days)
        if membership.status == Membership.Status.ACTIVE:
            assert membership.paid_through >= TODAY, membership
        elif membership.status == Membership.Status.GRACE:
            assert TODAY - grace <= membership.paid_through < TODAY, membership
        elif membership.status == Membership.Status.LAPSED:
            assert membership.paid_through + grace < TODAY, membership
        elif membership.status in (Membership.Status.APPLIED, Membership.Status.APPROVED):
            assert membership.paid_through is None
            assert membership.start_date >= TODAY - timedelta(days=31), membership


def test_it_records_every_membership_step_through_the_services(seeded):
    reinstated = Membership.objects.filter(
        status=Membership.Status.ACTIVE, transitions__to_status=Membership.Status.LAPSED
    ).first()
    assert reinstated is not None
    steps = [(t.from_status, t.to_status) for t in reinstated.transitions.all()]
    assert steps[:3] == [("", "applied"), ("applied", "approved"), ("approved", "active")]
    assert ("grace", "lapsed") in steps
    assert ("lapsed", "approved") in steps
    assert steps[-1] == ("approved", "active")
    assert reinstated.transitions.exclude(by=None).filter(to_status="approved").exists()
    assert reinstated.history.count() == len(steps)


def test_it_gives_organizations_contacts_in_every_role(seeded):
    for flag in ("is_primary", "is_billing", "is_event_contact"):
        with_role = Organization.objects.filter(**{f"affiliations__{flag}": True}).distinct()
        assert with_role.count() == 300, flag
    separate_billing = Affiliation.objects.filter(is_billing=True, is_primary=False)
    separate_events = Affiliation.objects.filter(is_event_contact=True, is_primary=False)
    assert separate_billing.exists()
    assert separate_events.exists()


def test_it_has_contacts_at_two_organizations(seeded):
    shared = Contact.objects.annotate(n=Count("affiliations")).filter(n__gt=1)
    assert shared.count() >= 5


def test_it_lists_some_active_members_in_the_directory(seeded):
    listed = Organization.objects.filter(
        directory_listed=True, memberships__status=Membership.Status.ACTIVE
    )
    assert listed.count() > 50
    assert not listed.filter(directory_text="").exists()


def test_it_has_pledges_in_several_states(seeded):
    states = set(Pledge.objects.values_list("status", flat=True))
    assert {"submitted", "confirmed", "completed"} <= states
    for pledge in Pledge.objects.select_related("level"):
        assert pledge.annual_amount >= pledge.level.minimum_annual_amount
        assert sum(i.amount for i in pledge.installments.all()) == pledge.total_commitment


def test_it_creates_a_superuser_and_a_user_in_each_role(seeded):
    User = get_user_model()
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert admin.check_password("chamber-demo")
    for username, role in [
        ("membership", roles.MEMBERSHIP),
        ("finance", roles.FINANCE),
        ("events", roles.EVENTS),
        ("readonly", roles.READ_ONLY),
    ]:
        user = User.objects.get(username=username)
        assert user.is_staff and not user.is_superuser
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert user.check_password("chamber-demo")


def test_it_adds_nothing_when_run_again(seeded):
    before = counts()

    output = seed_demo()

    assert counts() == before
    assert "0 created" in output
    assert "nothing added" in output


def test_it_sets_the_password_given_by_option_or_environment(seeded, monkeypatch):
    seed_demo("--password", "harbor-lights-7")
    assert get_user_model().objects.get(username="finance").check_password("harbor-lights-7")

    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "riverfront-9")
    output = seed_demo()

    assert get_user_model().objects.get(username="admin").check_password("riverfront-9")
    assert "password:  riverfront-9" in output


def test_it_refuses_to_run_with_debug_off_unless_told(db):
    before = counts()

    with pytest.raises(CommandError, match="DEBUG=true"):
        call_command("seed_demo", stdout=StringIO())

    assert counts() == before


def test_it_runs_the_daily_job_so_renewals_show(seeded):
    from billing.models import Invoice

    assert "renewals: the daily job ran as of 2026-11-29" in seeded
    assert Invoice.objects.filter(kind="dues", status="open").exists()
    assert "failed" not in seeded.split("renewals:")[1].splitlines()[0]


def test_it_backs_paid_memberships_with_payouts_a_deposit_and_a_journal(seeded):
    from billing.models import BalanceTransaction, BankDeposit, Invoice, JournalBatch, Payout
    from billing.reports import dashboard

    assert "10 dues invoices paid by card in 2 payouts" in seeded
    clean, mixed = Payout.objects.order_by("arrival_date")
    assert clean.reviewed_at is not None
    # The books exported through last month, then the reviewed payout on its own.
    history, payout_batch = JournalBatch.objects.order_by("number")
    assert "the books exported through" in seeded
    assert history.lines.exists() and history.date_to < clean.arrival_date
    assert clean.journal_batch == payout_batch
    assert mixed.transactions.filter(match=BalanceTransaction.Match.UNMATCHED).count() == 1
    assert mixed.transactions.filter(type="refund", match="matched").count() == 1
    deposit = BankDeposit.objects.get(reference="Demo deposit 1")
    assert deposit.items.count() == 4
    # The checks of the years before, deposited month by month, all reconciled.
    assert BankDeposit.objects.count() > 24
    assert not BankDeposit.objects.filter(reviewed_at=None).exists()
    assert Invoice.objects.filter(status=Invoice.Status.OPEN).exists()
    # The demo's story is dated as of TODAY, but invoices are issued and paid on the clock's
    # day (invoice_issue): the year so far as of the later of the two holds them.
    figures = dashboard(today=max(TODAY, timezone.localdate()))
    assert figures["dues_billed"] > 0
    assert figures["dues_collected"] > 0
    assert figures["active_members"] > 150


def test_it_shows_a_pipeline_with_owners_tasks_and_members_at_risk(seeded):
    by_stage = Counter(Prospect.objects.values_list("stage", flat=True))
    assert set(by_stage) == set(Prospect.Stage.values)
    assert Prospect.objects.filter(stage="proposal", amount_proposed__isnull=True).count() == 0
    assert Prospect.objects.filter(source="website").count() == Inquiry.objects.count() > 0
    owned = Organization.objects.filter(account_owner__username="membership").count()
    assert owned > 50
    assert not Organization.objects.filter(
        memberships__status__in=Membership.CURRENT_STATUSES, account_owner=None
    ).exists()
    open_tasks = Task.objects.filter(assignee__username="membership", done_at=None)
    assert open_tasks.filter(due_date__lt=TODAY).exists()
    assert open_tasks.filter(due_date__gte=TODAY).exists()
    assert Interaction.objects.count() >= 5
    assert members_at_risk(today=TODAY)


def test_it_enters_back_dated_pledges_paid_on_schedule_since_the_history_years(seeded):
    """The demo's pledges were paid outside this system before the years it invoices (January 1
    two years back); since then each installment was invoiced and paid about when due, and only
    a few recent ones are still open: none is left uninvoiced in the past for the daily run to
    bill all at once."""
    from billing.models import Invoice, InvoiceLine
    from crm.models import PledgeInstallment
    from demo.history import history_start

    first_day = history_start(TODAY)
    before = PledgeInstallment.objects.filter(due_date__lt=first_day)
    since = PledgeInstallment.objects.filter(
        due_date__gte=first_day, due_date__lt=TODAY, pledge__status="confirmed"
    )
    assert before.exists() and not before.filter(settled_outside=False).exists()
    assert since.count() > 20
    assert not since.filter(settled_outside=True).exists()
    invoiced = InvoiceLine.objects.filter(pledge_installment__in=since)
    assert invoiced.count() == since.count()
    assert not InvoiceLine.objects.filter(pledge_installment__settled_outside=True).exists()
    lines = invoiced.values_list("invoice__status", "pledge_installment__due_date")
    open_ones = [due for status, due in lines if status == Invoice.Status.OPEN]
    assert 0 < len(open_ones) < since.count() / 4
    assert all(due > TODAY - timedelta(days=90) for due in open_ones)


def test_it_grants_benefits_and_shows_some_used_and_some_not(seeded):
    assert BenefitGrant.objects.filter(level__isnull=False).exists()
    assert BenefitGrant.objects.filter(plan__isnull=False).exists()
    assert BenefitUsage.objects.filter(source="staff").exists()
    comp = Registration.objects.filter(comp_seats__gt=0)
    assert comp.exists()
    assert comp.count() == BenefitUsage.objects.filter(source="registration").count()
    rows = [row for row in benefit_usage_by_level(today=TODAY) if row.organizations]
    assert rows and 0 < sum(row.used for row in rows) < sum(row.granted for row in rows)
    least = [benefits for row in rows for _, benefits in row.least]
    assert any(all(e.used == 0 for e in b.counted) for b in least)  # some used nothing


# --- the finance reports of a fresh demo ----------------------------------------------------


@pytest.fixture
def staff(demo, db, time_machine) -> Client:
    time_machine.move_to(NOON, tick=False)
    client = Client()
    client.force_login(get_user_model().objects.get(username="admin"))
    return client


def report(client: Client, slug: str) -> dict:
    response = client.get(f"/admin/reports/{slug}/")
    assert response.status_code == 200, slug
    return response.context


def amounts(row: list) -> list:
    return [v for v in row if isinstance(v, (int, Decimal)) and not isinstance(v, bool)]


@pytest.mark.parametrize("slug", list(REPORTS))
def test_every_report_has_data(staff, slug):
    context = report(staff, slug)

    assert context["rows"], slug
    assert any(any(amounts(row)) for row in context["rows"]), slug


def test_the_monthly_reports_show_most_months_of_the_year(staff):
    members = report(staff, "members")["rows"]
    dues = report(staff, "dues")["rows"]

    assert sum(1 for _, new, _ in members if new) >= 6
    assert sum(1 for _, _, lapsed in members if lapsed) >= 3
    billed, collected, recognised = zip(*(row[-3:] for row in dues), strict=True)
    assert sum(1 for amount in billed if amount) >= 8
    assert sum(1 for amount in collected if amount) >= 8
    assert sum(1 for amount in recognised if amount) >= 8  # the books exported through last month


def test_retention_covers_three_years_of_renewals(staff):
    rows = report(staff, "retention")["rows"]

    years = {row[1] for row in rows if row[3]}  # renewed terms, by the year they ended
    assert {TODAY.year - 2, TODAY.year - 1} <= years


def test_the_receivables_are_spread_over_their_ages(staff):
    totals = report(staff, "aging")["totals"]
    buckets, total = totals[1:-1], totals[-1]

    assert total > 0
    assert sum(1 for amount in buckets if amount > 0) >= 3, totals
    assert max(buckets) <= total * Decimal("0.8"), totals


def test_pledges_are_billed_and_paid_on_schedule(staff):
    rows = report(staff, "pledges")["rows"]

    billed = sum(row[2] for row in rows)
    paid = sum(row[3] for row in rows)
    assert paid > 0 and billed > paid
    # No back-dated installments all due at once: what is open is recent.
    open_pledges = Invoice.objects.filter(kind=Invoice.Kind.PLEDGE, status=Invoice.Status.OPEN)
    assert open_pledges.count() < Invoice.objects.filter(kind=Invoice.Kind.PLEDGE).count() / 4


def test_it_prints_a_short_summary_and_the_login_not_the_mail(demo):
    printed, terminal = demo

    assert len(printed.splitlines()) < 25, printed
    assert "mails written, not sent" in printed
    assert "user name: admin" in printed
    assert "Subject:" not in terminal
