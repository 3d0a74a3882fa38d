"""Editing a task over the staff API: PATCH /tasks/<id>/ changes its title, notes, assignee or
due date, marks it done or reopens it, with a reason kept in its history; bad input is a 400
naming the field with nothing changed; a PATCH runs a fixed number of queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.models import Task
from crm.services.pipeline import task_create
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def task():
    return task_create(
        title="Renewal call",
        assignee=UserFactory(username="ann"),
        due_date=timezone.localdate(),
        organization=OrganizationFactory(),
    )


def _url(task: Task) -> str:
    return f"/api/v1/tasks/{task.pk}/"


def test_it_edits_a_task_and_keeps_who_and_why(membership_api, make_staff, task):
    bob = make_staff("Membership", username="bob")
    later = task.due_date + timedelta(days=14)

    response = membership_api.patch(
        _url(task),
        {
            "title": "Renewal call (second try)",
            "notes": "Ask for Dana.",
            "assignee": bob.pk,
            "due_date": later.isoformat(),
            "reason": "Ann is on leave",
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["title"], body["notes"], body["assignee"], body["due_date"]) == (
        "Renewal call (second try)",
        "Ask for Dana.",
        bob.pk,
        later.isoformat(),
    )
    assert "reason" not in body
    record = Task.objects.get(pk=task.pk).history.latest()
    assert record.history_user.username == "staff-membership"
    assert record.history_change_reason.startswith("title; notes; assigned to bob; due ")
    assert record.history_change_reason.endswith(": Ann is on leave")


def test_it_marks_a_task_done_and_reopens_it(membership_api, task):
    done = membership_api.patch(_url(task), {"done": True}, format="json")
    reopened = membership_api.patch(
        _url(task), {"done": False, "reason": "No answer"}, format="json"
    )

    assert done.json()["done"] is True and done.json()["done_by"] == "staff-membership"
    assert reopened.status_code == 200
    assert reopened.json()["done"] is False and reopened.json()["done_by"] is None
    assert Task.objects.get(pk=task.pk).history.latest().history_change_reason == (
        "reopened: No answer"
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"assignee": "outsider"}, "assignee"),
        ({"due_date": "next week"}, "due_date"),
        ({"organization": "other"}, "organization"),
    ],
)
def test_it_refuses_bad_input_naming_the_field_and_changes_nothing(
    membership_api, task, body, field
):
    if body.get("assignee") == "outsider":
        body = {"assignee": UserFactory(username="outsider", is_staff=False).pk}
    elif body.get("organization") == "other":
        body = {"organization": OrganizationFactory().pk}
    before = Task.objects.get(pk=task.pk)

    response = membership_api.patch(
        _url(task), {"due_date": "2031-01-06", **body, "reason": "typo"}, format="json"
    )

    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    after = Task.objects.get(pk=task.pk)
    assert (after.title, after.assignee_id, after.due_date, after.organization_id) == (
        before.title,
        before.assignee_id,
        before.due_date,
        before.organization_id,
    )
    assert after.history.count() == 1


def test_it_creates_a_task_open(membership_api, make_staff):
    response = membership_api.post(
        "/api/v1/tasks/",
        {
            "title": "Call",
            "assignee": make_staff("Finance").pk,
            "due_date": "2031-01-06",
            "done": True,
        },
        format="json",
    )

    assert response.status_code == 400 and "done" in response.json()["errors"]
    assert not Task.objects.exists()


@pytest.mark.parametrize("role", ["Finance", "Read-only", "Events"])
def test_only_membership_staff_edit_tasks(api_for, task, role):
    response = api_for(role).patch(_url(task), {"title": "Mine now"}, format="json")

    assert response.status_code == 403
    assert Task.objects.get(pk=task.pk).title == "Renewal call"


def _patch_queries(client, task: Task, body: dict) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.patch(_url(task), body, format="json")
    assert response.status_code == 200, response.content
    return len(queries)


def test_it_edits_in_a_fixed_number_of_queries(membership_api, make_staff, task):
    bob = make_staff("Membership", username="bob")
    title_only = _patch_queries(membership_api, task, {"title": "Renewal call, again"})
    everything = _patch_queries(
        membership_api,
        task,
        {
            "title": "Renewal call, third",
            "notes": "Long story.",
            "assignee": bob.pk,
            "due_date": "2031-01-06",
            "done": True,
            "reason": "All at once",
        },
    )

    # The token with the user's permissions (1), the task read, the savepoint, the lock (with
    # the related users and organization joined), the update, its history row, the release and
    # the task re-read for the answer; naming an assignee adds the check that it exists.
    assert (title_only, everything) == (8, 9)
