"""Editing a task through task_update: what changes, what its history says (who, what, why),
done and reopened, and bad input refused naming the field with nothing changed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.exceptions import InvalidData
from crm.models import Task
from crm.services.pipeline import task_complete, task_create, task_update
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    return UserFactory(username="ed-editor")


@pytest.fixture
def task():
    return task_create(
        title="Call about the gala",
        assignee=UserFactory(username="ann"),
        due_date=timezone.localdate(),
        organization=OrganizationFactory(),
        notes="Ask for two tables.",
    )


def _snapshot(task: Task) -> tuple:
    fresh = Task.objects.get(pk=task.pk)
    return (fresh.title, fresh.notes, fresh.assignee_id, fresh.due_date, fresh.done_at)


def test_it_edits_the_fields_given_and_keeps_the_rest(task, editor):
    bob = UserFactory(username="bob")
    later = task.due_date + timedelta(days=7)

    task_update(
        task=task,
        assignee=bob,
        due_date=later,
        title="  Call about the gala tables ",
        reason="Ann is away next week",
        by=editor,
    )

    fresh = Task.objects.get(pk=task.pk)
    assert (fresh.title, fresh.assignee, fresh.due_date) == (
        "Call about the gala tables",
        bob,
        later,
    )
    assert fresh.notes == "Ask for two tables." and fresh.done_at is None
    assert task.assignee == bob and task.due_date == later  # the caller's copy is current
    record = fresh.history.latest()
    assert record.history_user == editor
    assert record.history_change_reason == (
        f"title; assigned to bob; due {timezone.localdate().isoformat()} → "
        f"{later.isoformat()}: Ann is away next week"
    )


def test_it_marks_done_and_reopens_saying_who_and_why(task, editor):
    task_update(task=task, done=True, by=editor)
    done = Task.objects.get(pk=task.pk)
    assert done.done_at is not None and done.done_by == editor

    task_update(task=task, done=False, reason="They did not answer", by=editor)

    reopened = Task.objects.get(pk=task.pk)
    assert reopened.done_at is None and reopened.done_by is None
    assert [(h.history_change_reason, h.history_user) for h in reopened.history.all()[:2]] == [
        ("reopened: They did not answer", editor),
        ("done", editor),
    ]


def test_completing_goes_through_the_edit_and_stays_done_once(task, editor):
    task_complete(task=task, by=editor)
    first = Task.objects.get(pk=task.pk).done_at

    task_complete(task=task, by=UserFactory())

    fresh = Task.objects.get(pk=task.pk)
    assert fresh.done_at == first and fresh.done_by == editor
    assert fresh.history.count() == 2  # created, done: the second click wrote nothing


def test_an_edit_that_changes_nothing_writes_nothing(task, editor):
    task_update(
        task=task, title=task.title, notes=task.notes, due_date=task.due_date, done=False, by=editor
    )

    assert Task.objects.get(pk=task.pk).history.count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"notes": "x" * 4001}, "notes"),
        ({"assignee": "not staff"}, "assignee"),
        ({"assignee": "inactive"}, "assignee"),
        ({"due_date": "2027-01-04"}, "due_date"),
    ],
)
def test_it_refuses_bad_input_naming_the_field_and_changes_nothing(task, editor, change, field):
    if change.get("assignee") == "not staff":
        change = {"assignee": UserFactory(username="visitor", is_staff=False)}
    elif change.get("assignee") == "inactive":
        change = {"assignee": UserFactory(username="gone", is_active=False)}
    before = _snapshot(task)

    with pytest.raises(InvalidData) as refused:
        # With a good change besides: that one is not saved either.
        task_update(task=task, by=editor, **{"due_date": task.due_date + timedelta(1), **change})

    assert refused.value.field == field
    assert _snapshot(task) == before
    assert Task.objects.get(pk=task.pk).history.count() == 1
