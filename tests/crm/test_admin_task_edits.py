"""Editing a task on its admin page: membership staff change its title, notes, assignee and due
date, mark it done or reopen it, with a reason kept in its history; other roles may not; bad
input is shown on its field and changes nothing."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from crm.models import Task
from crm.services.pipeline import task_complete, task_create
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def task():
    return task_create(
        title="Send the proposal",
        assignee=UserFactory(username="ann"),
        due_date=timezone.localdate(),
        organization=OrganizationFactory(name="Nutmeg Robotics"),
        notes="Two tables.",
    )


def _form(task: Task, **changes) -> dict:
    form = {
        "title": task.title,
        "notes": task.notes,
        "assignee": task.assignee_id,
        "due_date": task.due_date.isoformat(),
        "reason": "",
    }
    if task.is_done:
        form["done"] = "on"
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def _url(task: Task) -> str:
    return f"/admin/crm/task/{task.pk}/change/"


def test_membership_staff_edit_a_task_with_a_reason(client_for, task):
    client = client_for("Membership")
    bob = UserFactory(username="bob")
    later = task.due_date + timedelta(days=7)

    page = client.get(_url(task)).content.decode()
    response = client.post(
        _url(task),
        _form(
            task,
            title="Send the revised proposal",
            assignee=bob.pk,
            due_date=later.isoformat(),
            reason="Ann is away",
        ),
    )

    assert 'name="reason"' in page and 'name="done"' in page
    assert response.status_code == 302
    fresh = Task.objects.get(pk=task.pk)
    assert (fresh.title, fresh.assignee, fresh.due_date) == (
        "Send the revised proposal",
        bob,
        later,
    )
    assert fresh.organization.name == "Nutmeg Robotics" and fresh.notes == "Two tables."
    record = fresh.history.latest()
    assert record.history_user == get_user_model().objects.get(username="staff-membership")
    assert record.history_change_reason.startswith("title; assigned to bob; due ")
    assert record.history_change_reason.endswith(": Ann is away")


def test_membership_staff_mark_done_and_reopen_a_task(client_for, task):
    client = client_for("Membership")

    client.post(_url(task), _form(task, done="on"))
    done = Task.objects.get(pk=task.pk)
    client.post(_url(task), _form(done, done=None, reason="No answer yet"))

    assert done.is_done and done.done_by.username == "staff-membership"
    reopened = Task.objects.get(pk=task.pk)
    assert not reopened.is_done and reopened.done_by is None
    assert reopened.history.latest().history_change_reason == "reopened: No answer yet"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"assignee": "outsider"}, "assignee"),
        ({"due_date": "soon"}, "due_date"),
    ],
)
def test_bad_input_is_shown_on_its_field_and_changes_nothing(client_for, task, change, field):
    if change.get("assignee") == "outsider":
        change = {"assignee": UserFactory(username="outsider", is_staff=False).pk}
    client = client_for("Membership")

    response = client.post(_url(task), _form(task, notes="Changed too", **change))

    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    fresh = Task.objects.get(pk=task.pk)
    assert (fresh.title, fresh.notes) == ("Send the proposal", "Two tables.")
    assert fresh.history.count() == 1


@pytest.mark.parametrize(("role", "sees"), [("Finance", 200), ("Read-only", 200), ("Events", 403)])
def test_other_roles_may_not_edit_a_task(client_for, task, role, sees):
    client = client_for(role)

    page = client.get(_url(task))
    response = client.post(_url(task), _form(task, title="Mine now", done="on"))

    assert page.status_code == sees
    assert 'name="reason"' not in page.content.decode()
    assert response.status_code == 403
    fresh = Task.objects.get(pk=task.pk)
    assert fresh.title == "Send the proposal" and not fresh.is_done


def test_a_done_task_shows_as_done_on_its_page(client_for, task):
    task_complete(task=task)

    page = client_for("Membership").get(_url(task))

    assert page.context["adminform"].form["done"].value() is True
    assert 'id="id_done" checked' in page.content.decode()
