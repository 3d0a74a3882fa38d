"""A fresh demo tells a chamber's story three years in (issue 18): every finance report at
/admin/reports/ has something to show, the receivables are spread over their ages as a real
chamber's are, and `seed_demo` prints a short summary and the login, not the mail it sends."""

from contextlib import redirect_stdout
from datetime import datetime
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings

from billing.finance_views import REPORTS
from billing.models import Invoice
from tests.demo.test_seed_demo import TODAY

NOON = datetime(TODAY.year, TODAY.month, TODAY.day, 12, tzinfo=ZoneInfo("America/New_York"))


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo written once, on its own day, into the fresh database (rolled back at the end):
    what the command printed, and what else reached the terminal."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            out, terminal = StringIO(), StringIO()
            # The console backend (DEBUG's) would print every mail the story sends.
            with (
                time_machine.travel(NOON, tick=False),
                override_settings(
                    MAILERS={
                        "default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
                    }
                ),
                redirect_stdout(terminal),
            ):
                call_command(
                    "seed_demo", "--today", TODAY.isoformat(), "--allow-without-debug", stdout=out
                )
            yield out.getvalue(), terminal.getvalue()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


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
