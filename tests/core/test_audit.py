"""The audit trail in the admin: every lifecycle step and every edit staff make there is on the
record's History page with who made it, when and why (the staff API's side is in
tests/api/staff/test_audit.py, billing's in tests/billing/test_audit.py)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from django.utils.html import escape

from core.audit import audit_source
from crm.models import Membership, MembershipPlan, Pledge
from crm.services import membership_create
from events.models import Event, Registration
from events.services import registration_create
from tests.crm.admin_forms import add_inline_row, form_data
from tests.factories import (
    BracketPlanFactory,
    ContactFactory,
    MembershipFactory,
    OrganizationFactory,
    PlanFactory,
    PledgeFactory,
    TicketTypeFactory,
)

pytestmark = pytest.mark.django_db
Status = Membership.Status


def registration(**ticket: Any) -> Registration:
    ticket_type = TicketTypeFactory(member_price=Decimal(0), non_member_price=Decimal(0), **ticket)
    return registration_create(
        event=ticket_type.event,
        ticket_type=ticket_type,
        contact=ContactFactory(),
        organization_name="",
        quantity=1,
    )


def checked_in() -> Registration:
    from events.services import registration_check_in

    return registration_check_in(registration=registration())


def history_url(obj: Any) -> str:
    opts = obj._meta
    return f"/admin/{opts.app_label}/{opts.model_name}/{obj.pk}/history/"


@dataclass
class Step:
    """One admin action on one record: what to post, and the reason its history must show."""

    role: str
    make: Callable[[], Any]
    action: str
    reason: str
    data: dict[str, Any] = field(default_factory=dict)
    status: str | None = None


STEPS = {
    "membership approve": Step("Membership", MembershipFactory, "approve", "approved"),
    "membership reject": Step(
        "Membership",
        MembershipFactory,
        "reject",
        "Outside our three counties",
        {"apply": "1", "reason": "Outside our three counties"},
        Status.REJECTED,
    ),
    "membership drop": Step(
        "Membership",
        lambda: MembershipFactory(status=Status.ACTIVE),
        "drop",
        "Asked to leave by phone",
        {"apply": "1", "reason": "Asked to leave by phone"},
        Status.CANCELLED,
    ),
    "membership reinstate": Step(
        "Membership",
        lambda: MembershipFactory(status=Status.LAPSED, paid_through=date(2030, 12, 31)),
        "reinstate_with_fee",
        "Board waived the gap",
        {"apply": "1", "reason": "Board waived the gap", "fee": ""},
        Status.ACTIVE,
    ),
    "pledge confirm": Step("Membership", PledgeFactory, "confirm", "confirmed"),
    "pledge decline": Step(
        "Membership",
        PledgeFactory,
        "decline",
        "Budget not approved",
        {"apply": "1", "reason": "Budget not approved"},
        Pledge.Status.DECLINED,
    ),
    "pledge cancel": Step(
        "Membership",
        lambda: PledgeFactory(status=Pledge.Status.CONFIRMED),
        "cancel",
        "Company sold",
        {"apply": "1", "reason": "Company sold"},
        Pledge.Status.CANCELLED,
    ),
    "registration check-in": Step(
        "Events", registration, "check_in", "checked in", status=Registration.Status.CHECKED_IN
    ),
    "registration undo check-in": Step(
        "Events", checked_in, "undo_check_in", "undone", status=Registration.Status.CONFIRMED
    ),
    "registration cancel": Step(
        "Events",
        registration,
        "cancel_registrations",
        "Double booked",
        {"apply": "1", "reason": "Double booked", "refund": "none"},
        Registration.Status.CANCELLED,
    ),
    "event cancel": Step(
        "Events",
        lambda: TicketTypeFactory().event,
        "cancel_events",
        "Snowstorm",
        {"apply": "1", "reason": "Snowstorm"},
        Event.Status.CANCELLED,
    ),
}


@pytest.mark.parametrize("name", list(STEPS))
def test_it_shows_who_took_each_lifecycle_step_in_the_admin_and_why(make_staff, client, name):
    step = STEPS[name]
    staff = make_staff(step.role)
    client.force_login(staff)
    record = step.make()
    opts = record._meta
    before = timezone.now()

    response = client.post(
        f"/admin/{opts.app_label}/{opts.model_name}/",
        {"action": step.action, "_selected_action": [record.pk], **step.data},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    record.refresh_from_db()
    if step.status:
        assert record.status == step.status
    latest = record.history.first()
    assert latest.history_user == staff
    assert step.reason.lower() in latest.history_change_reason.lower()
    assert latest.history_date >= before
    page = client.get(history_url(record)).content.decode()
    assert staff.username in page
    assert escape(latest.history_change_reason) in page


def test_it_shows_who_edited_a_field_in_the_admin(make_staff, client):
    staff = make_staff("Membership")
    client.force_login(staff)
    organization = OrganizationFactory(name="Riverfront Bakery")
    url = f"/admin/crm/organization/{organization.pk}/change/"
    data = form_data(client.get(url))
    data["name"] = "Riverfront Bakery & Cafe"

    response = client.post(url, data)

    assert response.status_code == 302
    latest = organization.history.first()
    assert (latest.history_user, latest.history_change_reason) == (staff, "In the admin")
    assert [c.field for c in latest.diff_against(latest.prev_record).changes] == ["name"]
    page = client.get(history_url(organization)).content.decode()
    assert staff.username in page
    assert "In the admin" in page
    assert escape("Riverfront Bakery & Cafe") in page


def test_it_lists_changes_to_inline_rows_on_the_parent_page(make_staff, client):
    staff = make_staff("Membership")
    client.force_login(staff)
    plan = BracketPlanFactory()
    url = f"/admin/crm/membershipplan/{plan.pk}/change/"
    data = form_data(client.get(url))
    top = max(plan.brackets.all(), key=lambda b: b.max_employees)
    add_inline_row(
        data,
        "brackets",
        max_employees=top.max_employees + 500,
        amount=top.amount + Decimal("1000.00"),
    )

    response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(url).content.decode()
    assert f"up to {top.max_employees + 500} employees" in page
    assert staff.username in page
    assert "In the admin" in page


def test_it_shows_who_changed_the_plan_of_a_member(make_staff, client):
    staff = make_staff("Membership")
    client.force_login(staff)
    cheap = PlanFactory(flat_amount="600.00")
    membership = MembershipFactory(
        status=Status.ACTIVE, plan=cheap, paid_through=date.today() + timedelta(days=200)
    )
    dearer = PlanFactory(flat_amount="1200.00")

    client.post(
        "/admin/crm/membership/",
        {
            "action": "change_plan",
            "_selected_action": [membership.pk],
            "apply": "1",
            "plan": dearer.pk,
        },
    )

    change = membership.plan_changes.get()
    assert change.by == staff
    page = client.get(f"/admin/crm/membership/{membership.pk}/change/").content.decode()
    assert staff.username in page


def test_it_names_the_command_that_made_a_change(settings):
    membership = membership_create(
        organization=OrganizationFactory(),
        plan=PlanFactory(grace_days=30),
        start_date=date(2025, 1, 1),
    )
    Membership.objects.filter(pk=membership.pk).update(
        status=Status.ACTIVE, paid_through=date(2025, 12, 31)
    )

    call_command("run_daily", date=date(2026, 1, 5), stdout=StringIO())

    membership.refresh_from_db()
    assert membership.status == Status.GRACE
    latest = membership.history.first()
    assert latest.history_user is None
    assert latest.history_change_reason.startswith("manage.py run_daily: ")


def test_it_leads_a_reason_with_its_source_and_keeps_it_within_100_characters():
    plan = MembershipPlan.objects.create(
        name="Audit", code="audit", flat_amount="100.00", gl_revenue_account="4010"
    )
    with audit_source("Stripe evt_1NG8Du2eZvKYlo2CUI79vXWy (invoice.payment_succeeded)"):
        plan.name = "Audited"
        plan._change_reason = "A reason long enough to need cutting " * 3  # type: ignore[attr-defined]
        plan.save()

    reason = plan.history.first().history_change_reason
    assert reason.startswith("Stripe evt_1NG8Du2eZvKYlo2CUI79vXWy (invoice.payment_succeeded): A")
    assert len(reason) == 100
