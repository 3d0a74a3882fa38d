"""The admin's actions and forms, driven through the test client as membership staff: each one
goes through its service, and a refusal shows the reason and changes nothing."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from crm.models import Affiliation, Membership, MembershipPlan, MembershipTransition, PlanBracket
from tests.crm.admin_forms import add_inline_row, form_data
from tests.factories import (
    AffiliationFactory,
    BracketPlanFactory,
    ContactFactory,
    MembershipFactory,
    OrganizationFactory,
    PlanFactory,
)

pytestmark = pytest.mark.django_db
Status = Membership.Status
CHANGELIST = "/admin/crm/membership/"


@pytest.fixture
def staff(make_staff):
    return make_staff("Membership")


@pytest.fixture
def client(client, staff):
    client.force_login(staff)
    return client


def _act(client, action, memberships, **extra):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [m.pk for m in memberships], **extra},
        follow=True,
    )


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_it_approves_applications_as_the_staff_member(client, staff):
    applications = [MembershipFactory(), MembershipFactory()]

    response = _act(client, "approve", applications)

    assert response.status_code == 200
    assert "2 approved." in _messages(response)
    for membership in applications:
        membership.refresh_from_db()
        assert membership.status == Status.APPROVED
        assert membership.transitions.get().by == staff
        assert membership.history.first().history_user == staff


def test_it_approves_what_it_can_and_says_why_it_refused_the_rest(client):
    application = MembershipFactory()
    lapsed = MembershipFactory(status=Status.LAPSED)

    response = _act(client, "approve", [application, lapsed])

    assert _messages(response) == [
        f"{lapsed}: A membership that is lapsed cannot be approved.",
        "1 approved.",
    ]
    lapsed.refresh_from_db()
    assert lapsed.status == Status.LAPSED
    assert not lapsed.transitions.exists()


def test_it_asks_for_a_reason_before_rejecting(client):
    application = MembershipFactory()

    response = _act(client, "reject", [application])

    assert response.status_code == 200
    assert response.templates[0].name == "admin/action_reason.html"
    content = response.content.decode()
    assert "The applicant is told the reason." in content
    assert str(application) in content
    application.refresh_from_db()
    assert application.status == Status.APPLIED


def test_it_rejects_with_the_reason_given_on_the_intermediate_page(client, staff):
    application = MembershipFactory()

    response = _act(client, "reject", [application], apply="1", reason="Outside our region")

    assert "1 rejected." in _messages(response)
    application.refresh_from_db()
    assert (application.status, application.status_reason) == (
        Status.REJECTED,
        "Outside our region",
    )
    step = application.transitions.get()
    assert (step.by, step.reason) == (staff, "Outside our region")


def test_it_shows_the_reason_page_again_when_the_reason_is_blank(client):
    application = MembershipFactory()

    response = _act(client, "reject", [application], apply="1", reason="")

    assert response.templates[0].name == "admin/action_reason.html"
    assert "This field is required." in response.content.decode()
    application.refresh_from_db()
    assert application.status == Status.APPLIED


def test_it_drops_members_with_a_reason(client, staff):
    members = [MembershipFactory(status=Status.ACTIVE), MembershipFactory(status=Status.GRACE)]

    response = _act(client, "drop", members, apply="1", reason="Stopped paying")

    assert "2 dropped." in _messages(response)
    for membership in members:
        membership.refresh_from_db()
        assert membership.status == Status.CANCELLED
        assert membership.transitions.get().reason == "Stopped paying"


def test_it_refuses_to_drop_a_rejected_application(client):
    rejected = MembershipFactory(status=Status.REJECTED)

    response = _act(client, "drop", [rejected], apply="1", reason="Tidy up")

    assert _messages(response) == [f"{rejected}: A membership that is rejected cannot be dropped."]
    rejected.refresh_from_db()
    assert rejected.status == Status.REJECTED


def test_it_reinstates_members_active_or_awaiting_payment_by_what_they_have_paid(client, staff):
    today = timezone.localdate()
    still_covered = MembershipFactory(status=Status.LAPSED, paid_through=today + timedelta(30))
    unpaid = MembershipFactory(status=Status.CANCELLED, paid_through=today - timedelta(30))

    response = _act(client, "reinstate", [still_covered, unpaid])

    assert "2 reinstated." in _messages(response)
    still_covered.refresh_from_db()
    unpaid.refresh_from_db()
    assert (still_covered.status, unpaid.status) == (Status.ACTIVE, Status.APPROVED)
    assert still_covered.transitions.get().by == staff


def test_it_refuses_to_reinstate_an_application_and_changes_nothing(client):
    application = MembershipFactory()

    response = _act(client, "reinstate", [application])

    assert _messages(response) == [
        f"{application}: A membership that is applied cannot be reinstated."
    ]
    application.refresh_from_db()
    assert application.status == Status.APPLIED
    assert not MembershipTransition.objects.exists()


@pytest.mark.parametrize("role", ["Finance", "Events", "Read-only"])
def test_it_offers_no_membership_actions_to_other_roles(client_for, role):
    application = MembershipFactory()
    client = client_for(role)

    page = client.get(CHANGELIST).content.decode()
    response = client.post(CHANGELIST, {"action": "approve", "_selected_action": [application.pk]})

    # The lifecycle actions are not offered to them (exporting may be), and posting one anyway
    # does nothing.
    assert 'value="approve"' not in page
    assert 'value="drop"' not in page
    assert response.status_code in (200, 302)
    application.refresh_from_db()
    assert application.status == Status.APPLIED


# --- Adding memberships -----------------------------------------------------------------------


def test_it_adds_a_membership_through_the_service(client, staff):
    organization = OrganizationFactory()
    plan = PlanFactory()

    data = form_data(client.get("/admin/crm/membership/add/"))
    data.update(organization=organization.pk, plan=plan.pk, start_date="2026-04-01")

    response = client.post("/admin/crm/membership/add/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    membership = Membership.objects.get()
    assert (membership.organization, membership.status) == (organization, Status.APPLIED)
    step = membership.transitions.get()
    assert (step.from_status, step.to_status, step.by) == ("", Status.APPLIED, staff)


def test_it_refuses_a_second_open_membership_from_the_add_form(client):
    existing = MembershipFactory(status=Status.ACTIVE)

    data = form_data(client.get("/admin/crm/membership/add/"))
    data.update(
        organization=existing.organization.pk, plan=PlanFactory().pk, start_date="2026-04-01"
    )

    response = client.post("/admin/crm/membership/add/", data, follow=True)

    assert (
        f"This organization already has a membership that is active on the {existing.plan} plan."
        in _messages(response)
    )
    assert Membership.objects.count() == 1


def test_it_refuses_automatic_renewal_from_the_add_form_without_a_saved_payment_method(client):
    data = form_data(client.get("/admin/crm/membership/add/"))
    data.update(
        organization=OrganizationFactory().pk,
        plan=PlanFactory().pk,
        start_date="2026-04-01",
        auto_renew="on",
    )

    response = client.post("/admin/crm/membership/add/", data, follow=True)

    assert "Automatic renewal needs a saved card or bank account: save one first." in _messages(
        response
    )
    assert not Membership.objects.exists()


# --- Organizations and affiliations -----------------------------------------------------------


def test_it_moves_the_primary_role_when_an_organization_names_a_new_one(client, staff):
    current = AffiliationFactory(is_primary=True)
    organization = current.organization
    newcomer = ContactFactory()
    url = f"/admin/crm/organization/{organization.pk}/change/"
    data = form_data(client.get(url))
    data["name"] = "Acme Renamed"
    add_inline_row(data, "affiliations", contact=newcomer.pk, is_primary=True, title="CEO")

    response = client.post(url, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    organization.refresh_from_db()
    assert organization.name == "Acme Renamed"
    current.refresh_from_db()
    assert not current.is_primary
    primary = Affiliation.objects.get(organization=organization, is_primary=True)
    assert (primary.contact, primary.title) == (newcomer, "CEO")
    assert primary.history.get().history_user == staff
    assert current.history.first().history_user == staff


def test_it_shows_each_affiliated_contact_by_name_on_the_organization_page(client):
    affiliation = AffiliationFactory()

    response = client.get(f"/admin/crm/organization/{affiliation.organization.pk}/change/")

    assert (
        f'<option value="{affiliation.contact.pk}" selected>{affiliation.contact}</option>'
        in response.content.decode()
    )


def test_it_moves_the_primary_role_when_an_affiliation_is_added_as_primary(client, staff):
    current = AffiliationFactory(is_primary=True)
    newcomer = ContactFactory()

    response = client.post(
        "/admin/crm/affiliation/add/",
        {
            "contact": newcomer.pk,
            "organization": current.organization.pk,
            "title": "Director",
            "is_primary": "on",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    current.refresh_from_db()
    assert not current.is_primary
    assert Affiliation.objects.get(organization=current.organization, is_primary=True).contact == (
        newcomer
    )


def test_it_writes_a_note_from_the_organization_page_signed_by_the_staff_member(client, staff):
    organization = OrganizationFactory()
    url = f"/admin/crm/organization/{organization.pk}/change/"
    data = form_data(client.get(url))
    add_inline_row(data, "notes", body="Asked about sponsoring the golf outing.")

    response = client.post(url, data)

    assert response.status_code == 302
    note = organization.notes.get()
    assert (note.body, note.author) == ("Asked about sponsoring the golf outing.", staff)


# --- Plans ------------------------------------------------------------------------------------


def test_it_refuses_plan_brackets_whose_dues_go_down(client):
    plan = BracketPlanFactory(brackets=[(10, "500.00"), (50, "900.00")])
    url = f"/admin/crm/membershipplan/{plan.pk}/change/"
    data = form_data(client.get(url))
    data["brackets-1-amount"] = "400.00"

    response = client.post(url, data)

    assert response.status_code == 200
    assert "costs less than the one up to 10" in response.content.decode()
    assert PlanBracket.objects.get(plan=plan, max_employees=50).amount == 900


def test_it_reports_a_bad_bracket_row_as_a_form_error(client):
    plan = BracketPlanFactory(brackets=[(10, "500.00"), (50, "900.00")])
    url = f"/admin/crm/membershipplan/{plan.pk}/change/"
    data = form_data(client.get(url))
    data["brackets-1-amount"] = "a lot"

    response = client.post(url, data)

    assert response.status_code == 200
    assert "Enter a number." in response.content.decode()


def test_it_refuses_a_bracket_plan_without_brackets(client):
    response = client.post(
        "/admin/crm/membershipplan/add/",
        {
            "code": "corporate",
            "name": "Corporate",
            "pricing_kind": "brackets",
            "flat_amount": "0",
            "per_employee_above": "5",
            "billing_cycle": "calendar",
            "proration": "monthly",
            "grace_days": "30",
            "renewal_lead_days": "45",
            "gl_revenue_account": "4000",
            "sort_order": "0",
            "brackets-TOTAL_FORMS": "0",
            "brackets-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "needs at least one bracket" in response.content.decode()
    assert not MembershipPlan.objects.exists()
