"""What-if dues planning: a draft schedule compared with today's dues, then applied from a
renewal date."""

import csv
import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from billing import services as billing
from billing.models import Invoice
from core.exceptions import InvalidData, TransitionNotAllowed
from crm import pricing
from crm.dues_planning import csv_safe, dues_what_if, member_rows, what_if_csv_lines
from crm.models import DuesSchedule, Membership, MembershipPlan
from crm.services.dues import (
    DuesRuleInput,
    dues_schedule_apply,
    dues_schedule_draft_from_plans,
    dues_schedule_save,
    dues_schedule_withdraw,
    parse_brackets,
)
from tests.billing.stripe_payloads import committed
from tests.factories import (
    AffiliationFactory,
    BracketPlanFactory,
    MembershipFactory,
    OrganizationFactory,
    PlanFactory,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 20)
RENEWALS = date(2027, 1, 1)


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=ZoneInfo("America/New_York"))


def member(plan, *, name, employees, county="hartford", status=Membership.Status.ACTIVE):
    organization = OrganizationFactory(name=name, employees=employees, county=county)
    return MembershipFactory(
        organization=organization, plan=plan, status=status, paid_through=date(2026, 12, 31)
    )


@pytest.fixture
def plans():
    small = PlanFactory(name="Small Business", flat_amount=Decimal("600.00"))
    corporate = BracketPlanFactory(name="Corporate")  # 10: 495, 50: 895, 100: 1450, 250: 2600
    return small, corporate


@pytest.fixture
def members(plans):
    small, corporate = plans
    return [
        member(small, name="Front Street Bakery", employees=4),
        member(small, name="Elm Tavern", employees=8, county="middlesex"),
        member(corporate, name="Riverside Insurance", employees=40),
        member(corporate, name="=HYPERLINK(evil)", employees=300, county="tolland"),
        member(corporate, name="Gone Ltd", employees=20, status=Membership.Status.LAPSED),
    ]


@pytest.fixture
def schedule(plans):
    small, corporate = plans
    return dues_schedule_save(
        schedule=DuesSchedule(
            name="Dues 2027", member_notice="The board raised dues to fund the new workforce desk."
        ),
        rules=[
            DuesRuleInput(plan=small, flat_amount=Decimal("660.00")),
            DuesRuleInput(
                plan=corporate,
                kind=pricing.BRACKETS,
                brackets=(
                    (10, Decimal("495.00")),
                    (50, Decimal("995.00")),
                    (250, Decimal("2900.00")),
                ),
                per_employee_above=Decimal("6.00"),
                cap=Decimal("3000.00"),
            ),
        ],
    )


def test_it_compares_every_members_dues_in_total_by_plan_and_by_county(members, schedule):
    result = dues_what_if(schedule=schedule, on=RENEWALS, rise_above=Decimal("10"))

    # Today: 600 + 600 + 895 + (2600 + 5 x 50 = 2850); new: 660 + 660 + 995 + min(2900 + 300, 3000)
    assert result.total.members == 4  # the lapsed member is not billed
    assert result.total.current == Decimal("4945.00")
    assert result.total.new == Decimal("5315.00")
    assert result.total.change == Decimal("370.00")
    assert result.by_plan["Small Business"].change == Decimal("120.00")
    assert result.by_plan["Corporate"].new == Decimal("3995.00")
    assert result.by_county["Hartford County"].members == 2
    assert result.by_county["Tolland County"].current == Decimal("2850.00")
    # 895 -> 995 is +11.2%; 600 -> 660 is +10.0% (not more than 10); 2850 -> 3000 is +5.3%.
    assert [(r.organization, r.change_percent) for r in result.rising] == [
        ("Riverside Insurance", Decimal("11.2"))
    ]
    assert result.rising_count == 1


def test_its_totals_equal_the_pure_pricing_function_summed_per_member(members, schedule):
    rules = {rule.plan_id: rule.pricing_rule(rule.plan) for rule in schedule.rules.all()}
    expected_current = expected_new = Decimal("0")
    for m in Membership.objects.filter(status__in=Membership.CURRENT_STATUSES):
        employees = m.organization.employees or 0
        expected_current += pricing.annual_dues(m.plan.pricing_rule(), employees)
        expected_new += pricing.annual_dues(rules[m.plan_id], employees)

    result = dues_what_if(schedule=schedule, on=RENEWALS)

    assert (result.total.current, result.total.new) == (expected_current, expected_new)


def test_it_changes_nothing_while_comparing(members, schedule, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):  # the plans and their rules, then the members
        rows = list(member_rows(schedule=schedule, on=RENEWALS))

    assert len(rows) == 4
    assert schedule.status == DuesSchedule.Status.DRAFT
    assert Invoice.objects.count() == 0


def test_it_writes_a_csv_a_spreadsheet_cannot_run(members, schedule):
    text = "".join(what_if_csv_lines(schedule=schedule, on=RENEWALS))
    rows = list(csv.reader(io.StringIO(text)))

    assert rows[0][:3] == ["organization", "county", "plan"]
    assert len(rows) == 5
    names = [row[0] for row in rows[1:]]
    assert "'=HYPERLINK(evil)" in names
    riverside = next(row for row in rows if row[0] == "Riverside Insurance")
    assert riverside[3:] == ["40", "895.00", "995.00", "100.00", "11.2"]
    for value in ("=1", "+1", "-1", "@x", "\tx", "\rx"):
        assert csv_safe(value) == "'" + value


def test_it_reads_brackets_as_staff_write_them():
    assert parse_brackets("10: 450, 25=695.50\n50: $1000") == (
        (10, Decimal("450")),
        (25, Decimal("695.50")),
        (50, Decimal("1000")),
    )
    for bad in ("10 450", "ten: 5", "10: 4.005", "10: 1, 10: 2"):
        with pytest.raises(ValueError):
            parse_brackets(bad)


def test_it_refuses_a_rule_that_prices_a_bigger_business_lower(plans):
    _, corporate = plans
    bad = DuesRuleInput(
        plan=corporate,
        kind=pricing.BRACKETS,
        brackets=((10, Decimal("900.00")), (50, Decimal("500.00"))),
    )

    with pytest.raises(InvalidData, match="dues must not go down"):
        dues_schedule_save(schedule=DuesSchedule(name="Bad"), rules=[bad])

    assert DuesSchedule.objects.count() == 0


def test_it_drafts_from_todays_plans(plans, members):
    draft = dues_schedule_draft_from_plans(name="Start")

    result = dues_what_if(schedule=draft, on=RENEWALS)
    assert result.total.change == Decimal("0.00")
    assert draft.rules.count() == 2


# --- applying -----------------------------------------------------------------------------------


def test_it_prices_renewals_from_the_date_and_explains_the_change(members, schedule, time_machine):
    time_machine.move_to(noon(TODAY))
    riverside = Membership.objects.get(organization__name="Riverside Insurance")
    AffiliationFactory(
        organization=riverside.organization,
        contact__email="ap@riverside.example.com",
        is_billing=True,
    )

    dues_schedule_apply(schedule=schedule, effective_from=RENEWALS)

    schedule.refresh_from_db()
    assert schedule.status == DuesSchedule.Status.SCHEDULED
    assert schedule.effective_from == RENEWALS
    # A period before the date keeps today's dues; the renewal from the date has the new ones.
    earlier = billing.invoice_create_for_membership(
        membership=riverside, period_start=date(2026, 12, 1)
    )
    assert earlier.total < Decimal("895.00")  # prorated on today's rule
    invoice, _ = renewal_invoice(riverside)
    assert invoice.total == Decimal("995.00")
    assert "Dues changed for renewals from January 1, 2027" in invoice.explanation
    assert "new workforce desk" in invoice.explanation
    sent = [m for m in mail.outbox if "renewal" in m.subject.lower()]
    assert sent and "new workforce desk" in sent[-1].body


def renewal_invoice(membership):
    from crm.services.renewals import membership_renewal_invoice

    with committed():
        return membership_renewal_invoice(membership=membership)


def test_it_refuses_a_date_in_the_past_and_a_second_apply(schedule, time_machine):
    time_machine.move_to(noon(TODAY))

    with pytest.raises(InvalidData, match="has passed"):
        dues_schedule_apply(schedule=schedule, effective_from=TODAY - timedelta(days=1))
    schedule.refresh_from_db()
    assert schedule.status == DuesSchedule.Status.DRAFT

    dues_schedule_apply(schedule=schedule, effective_from=RENEWALS)
    with pytest.raises(TransitionNotAllowed):
        dues_schedule_apply(schedule=schedule, effective_from=RENEWALS)
    with pytest.raises(TransitionNotAllowed):
        dues_schedule_save(schedule=schedule, rules=[])


def test_it_refuses_two_schedules_for_a_plan_on_one_date(plans, schedule, time_machine):
    time_machine.move_to(noon(TODAY))
    dues_schedule_apply(schedule=schedule, effective_from=RENEWALS)
    other = dues_schedule_draft_from_plans(name="Another", plans=[plans[0]])

    with pytest.raises(InvalidData, match="already prices"):
        dues_schedule_apply(schedule=other, effective_from=RENEWALS)


def test_it_withdraws_a_schedule_before_its_date_only(members, schedule, time_machine):
    time_machine.move_to(noon(TODAY))
    dues_schedule_apply(schedule=schedule, effective_from=RENEWALS)

    def small():
        return MembershipPlan.objects.get(name="Small Business")

    assert small().pricing_rule(on=RENEWALS).flat_amount == Decimal("660.00")
    dues_schedule_withdraw(schedule=schedule, reason="The board changed its mind")
    assert small().pricing_rule(on=RENEWALS).flat_amount == Decimal("600.00")

    again = dues_schedule_draft_from_plans(name="Again", plans=[small()])
    dues_schedule_apply(schedule=again, effective_from=RENEWALS)
    time_machine.move_to(noon(RENEWALS))
    with pytest.raises(TransitionNotAllowed, match="prices renewals since"):
        dues_schedule_withdraw(schedule=again, reason="too late")


# --- the admin ----------------------------------------------------------------------------------


def test_it_shows_the_what_if_page_and_applies_from_it(client_for, members, schedule, time_machine):
    time_machine.move_to(noon(TODAY))
    client = client_for("Finance")
    url = f"/admin/crm/duesschedule/{schedule.pk}/what-if/"

    page = client.get(url, {"on": "2027-01-01", "rise_above": "10"})

    assert page.status_code == 200
    html = page.content.decode()
    assert "$4,945.00" in html and "$5,315.00" in html  # today and new, in total
    assert "Riverside Insurance" in html and "Tolland County" in html
    csv_response = client.get(f"/admin/crm/duesschedule/{schedule.pk}/what-if.csv?on=2027-01-01")
    assert b"'=HYPERLINK(evil)" in b"".join(csv_response.streaming_content)

    refused = client.post(url, {"effective_from": "2026-01-01"})
    assert refused.status_code == 200 and b"has passed" in refused.content
    schedule.refresh_from_db()
    assert schedule.status == DuesSchedule.Status.DRAFT

    applied = client.post(url, {"effective_from": "2027-01-01"})
    assert applied.status_code == 302
    schedule.refresh_from_db()
    assert (schedule.status, schedule.effective_from) == (DuesSchedule.Status.SCHEDULED, RENEWALS)


def test_it_lets_read_only_staff_compare_but_not_apply(client_for, schedule):
    client = client_for("Read-only")
    url = f"/admin/crm/duesschedule/{schedule.pk}/what-if/"

    assert client.get(url).status_code == 200
    assert b"Apply the schedule" not in client.get(url).content
    assert client.post(url, {"effective_from": "2030-01-01"}).status_code == 403
    schedule.refresh_from_db()
    assert schedule.status == DuesSchedule.Status.DRAFT


def test_it_saves_a_draft_with_its_rules_from_the_admin(client_for, plans):
    small, corporate = plans
    response = client_for("Membership").post(
        "/admin/crm/duesschedule/add/",
        {
            "name": "Dues 2028",
            "member_notice": "",
            "rules-TOTAL_FORMS": "2",
            "rules-INITIAL_FORMS": "0",
            "rules-0-plan": small.pk,
            "rules-0-pricing_kind": "flat",
            "rules-0-flat_amount": "650.00",
            "rules-0-per_employee_above": "0",
            "rules-1-plan": corporate.pk,
            "rules-1-pricing_kind": "brackets",
            "rules-1-flat_amount": "0",
            "rules-1-brackets_text": "10: 500, 50: 900",
            "rules-1-per_employee_above": "4.00",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    schedule = DuesSchedule.objects.get(name="Dues 2028")
    rule = schedule.rules.get(plan=corporate)
    assert [(b.max_employees, b.amount) for b in rule.brackets.all()] == [
        (10, Decimal("500.00")),
        (50, Decimal("900.00")),
    ]


def test_it_refuses_brackets_that_go_down_in_the_admin(client_for, plans):
    _, corporate = plans
    response = client_for("Membership").post(
        "/admin/crm/duesschedule/add/",
        {
            "name": "Bad",
            "rules-TOTAL_FORMS": "1",
            "rules-INITIAL_FORMS": "0",
            "rules-0-plan": corporate.pk,
            "rules-0-pricing_kind": "brackets",
            "rules-0-flat_amount": "0",
            "rules-0-brackets_text": "10: 900, 50: 500",
            "rules-0-per_employee_above": "0",
        },
    )

    assert response.status_code == 200
    assert b"dues must not go down" in response.content
    assert not DuesSchedule.objects.exists()


def test_the_public_quote_uses_the_schedule_from_its_date(plans, schedule, time_machine):
    from rest_framework.test import APIClient

    time_machine.move_to(noon(TODAY))
    small = plans[0]
    dues_schedule_apply(schedule=schedule, effective_from=RENEWALS)
    url = f"/api/v1/public/membership-plans/{small.code}/quote/"

    before = APIClient().get(url, {"start": "2026-12-01"}).json()
    after = APIClient().get(url, {"start": "2027-01-01"}).json()

    assert before["annual_dues"] == "600.00"
    assert after["annual_dues"] == "660.00"
    assert "new workforce desk" in after["explanation"]
