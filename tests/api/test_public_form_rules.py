"""The rules of the public forms, over HTTP: which plan asks for what, messages that name their
field, text over a limit refused (never cut), as the API and the server-rendered pages say it."""

import pytest
from django.test import Client

from crm.models import Membership, Organization
from tests.api.public_helpers import JOIN, committing_client, join_body
from tests.factories import BracketPlanFactory, PlanFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(django_capture_on_commit_callbacks):
    return committing_client(django_capture_on_commit_callbacks)


def person_only(plan_code: str) -> dict:
    body = join_body(plan_code)
    del body["organization"]
    return body


def test_the_plans_say_what_the_form_needs(api):
    BracketPlanFactory(code="business")
    PlanFactory(code="nonprofit")
    PlanFactory(code="individual")

    rows = {row["code"]: row for row in api.get("/api/v1/public/membership-plans/").json()}

    assert rows["business"]["organization_required"] is True
    assert rows["business"]["employees_required"] is True
    assert rows["nonprofit"]["organization_required"] is True
    assert rows["nonprofit"]["employees_required"] is False
    assert rows["individual"]["organization_required"] is False
    assert rows["individual"]["employees_required"] is False


def test_a_person_joins_the_individual_plan_without_an_organization_or_employees(api):
    PlanFactory(code="individual", requires_review=False)

    response = api.post(JOIN, person_only("individual"), format="json")

    assert response.status_code == 201, response.json()
    membership = Membership.objects.get()
    assert membership.organization.name == "Ana Lopez"
    assert response.json()["organization"] == "Ana Lopez"


def test_a_nonprofit_joins_without_employees_but_with_its_name(api):
    PlanFactory(code="nonprofit")
    body = join_body("nonprofit")
    del body["organization"]["employees"]

    assert api.post(JOIN, body, format="json").status_code == 201

    response = api.post(JOIN, person_only("nonprofit"), format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "organization.name": ["Organization name: this field is required."]
    }


def test_a_business_plan_still_needs_the_number_of_employees(api):
    BracketPlanFactory(code="business")
    body = join_body("business")
    del body["organization"]["employees"]

    response = api.post(JOIN, body, format="json")

    assert response.status_code == 400
    [message] = response.json()["errors"]["organization.employees"]
    assert message.startswith("Number of employees: this field is required")
    assert not Membership.objects.exists()


def test_an_empty_join_names_each_missing_field(api):
    response = api.post(JOIN, {}, format="json")

    errors = response.json()["errors"]
    assert response.status_code == 400
    assert errors["plan"] == ["Plan: this field is required."]
    assert errors["contact.first_name"] == ["First name: this field is required."]
    assert errors["contact.email"] == ["Email: this field is required."]


def test_blank_names_are_named_not_this_field_may_not_be_blank(api):
    PlanFactory(code="nonprofit")
    body = join_body("nonprofit")
    body["contact"].update(first_name="", last_name="")

    errors = api.post(JOIN, body, format="json").json()["errors"]

    assert errors["contact.first_name"] == ["First name: this field is required."]
    assert errors["contact.last_name"] == ["Last name: this field is required."]


def test_text_over_a_limit_is_refused_naming_the_field(api):
    PlanFactory(code="nonprofit")
    body = join_body("nonprofit")
    body["organization"]["name"] = "A" * 201

    response = api.post(JOIN, body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "organization.name": ["Organization name: use at most 200 characters."]
    }
    assert not Organization.objects.exists()


def test_an_empty_registration_names_each_field_once(api):
    ticket = TicketTypeFactory()
    url = f"/api/v1/public/events/{ticket.event.slug}/registrations/"
    blank = {"first_name": "", "last_name": "", "email": ""}

    # As the page's script sends an empty form: the registrant is also the first attendee.
    response = api.post(
        url,
        {"ticket_type": ticket.code, "quantity": 1, "contact": blank, "attendees": [blank]},
        format="json",
    )

    errors = response.json()["errors"]
    assert response.status_code == 400
    assert errors["contact.first_name"] == ["First name: this field is required."]
    assert errors["contact.last_name"] == ["Last name: this field is required."]
    assert errors["contact.email"] == ["Email: this field is required."]
    assert all(":" in message for messages in errors.values() for message in messages)


# --- the server-rendered join page, without JavaScript ---------------------------------------


def test_the_join_page_posts_an_individual_without_organization_fields():
    PlanFactory(code="individual", name="Individual / Associate")
    form = {
        "plan": "individual",
        "organization.address.state": "CT",  # the field's default is always posted
        "contact.first_name": "Ana",
        "contact.last_name": "Lopez",
        "contact.email": "ana@example.org",
    }

    response = Client().post("/join/", form)

    assert response.status_code == 303, response.content.decode()[:2000]
    assert Membership.objects.get().organization.name == "Ana Lopez"


def test_the_join_page_names_each_missing_field_beside_it():
    BracketPlanFactory(code="business")

    response = Client().post("/join/", {"plan": "business"})

    page = response.content.decode()
    assert response.status_code == 400
    for message in (
        "Organization name: this field is required.",
        "Number of employees: this field is required",
        "First name: this field is required.",
        "Email: this field is required.",
    ):
        assert message in page
    assert "may not be blank" not in page


def test_the_join_page_marks_the_fields_a_chosen_plan_does_not_need():
    PlanFactory(code="individual")

    page = Client().get("/join/?plan=individual").content.decode()

    assert 'data-organization-required="false"' in page
    assert 'data-employees-required="false"' in page
    assert 'id="org-employees"' in page
    employees_input = page.split('id="org-employees"')[1].split(">")[0]
    assert " required" not in employees_input
    name_input = page.split('id="org-name"')[1].split(">")[0]
    assert " required" not in name_input
    assert 'maxlength="200"' in name_input
