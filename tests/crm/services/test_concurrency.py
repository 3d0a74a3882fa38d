"""Two requests at once: the row locks (PostgreSQL) keep one step from being applied twice."""

import threading
from collections.abc import Callable
from datetime import date

import pytest
from django.db import connection

from core.exceptions import ServiceError
from crm.models import Membership, MembershipTransition
from crm.services import membership_create
from crm.services.memberships import _membership_approve
from tests.factories import MembershipFactory, OrganizationFactory, PlanFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _at_once(*calls: Callable[[], object]) -> list[object]:
    """Run the calls in threads released together; return each one's result or exception."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as exc:
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_it_records_one_approval_when_two_staff_approve_at_once():
    membership = MembershipFactory()
    first, second = UserFactory(), UserFactory()

    outcomes = _at_once(
        lambda: _membership_approve(membership=Membership.objects.get(pk=membership.pk), by=first),
        lambda: _membership_approve(membership=Membership.objects.get(pk=membership.pk), by=second),
    )

    assert not [o for o in outcomes if isinstance(o, Exception)]
    membership.refresh_from_db()
    assert membership.status == Membership.Status.APPROVED
    step = MembershipTransition.objects.get()
    assert step.to_status == Membership.Status.APPROVED
    assert step.by in (first, second)


def test_it_opens_one_membership_when_two_applications_arrive_at_once():
    organization = OrganizationFactory()
    plan = PlanFactory()

    def apply() -> Membership:
        return membership_create(organization=organization, plan=plan, start_date=date(2026, 5, 1))

    outcomes = _at_once(apply, apply)

    created = [o for o in outcomes if isinstance(o, Membership)]
    refused = [o for o in outcomes if isinstance(o, ServiceError)]
    assert (len(created), len(refused)) == (1, 1), outcomes
    assert "already has" in refused[0].message
    assert Membership.objects.filter(organization=organization).count() == 1


def test_a_join_that_waited_on_a_directory_edit_keeps_its_categories_on_its_history_row():
    """Matching reads whether the organization has directory categories with its row, under
    its lock; a subquery of a statement that waited for that lock answers as of the moment the
    statement began, so the edit's new categories are read again for the join's history row."""
    import time

    from django.db import transaction
    from rest_framework.test import APIClient

    from crm.models import DirectoryCategory, Organization
    from crm.services.directory import DirectoryListing, organization_directory_update
    from tests.api.public_helpers import JOIN, join_body
    from tests.factories import BracketPlanFactory

    BracketPlanFactory(code="business", requires_review=False)
    organization = OrganizationFactory(name="Riverfront Bakery LLC", website="")
    bakeries = DirectoryCategory.objects.create(name="Bakeries", slug="bakeries")
    holding, release = threading.Event(), threading.Event()

    def edit() -> None:
        try:
            with transaction.atomic():
                organization_directory_update(
                    organization=organization,
                    listing=DirectoryListing(listed=True, categories=(bakeries,)),
                )
                holding.set()
                release.wait(timeout=30)
        finally:
            holding.set()
            connection.close()

    def join() -> None:
        try:
            holding.wait(timeout=30)
            outcome.append(APIClient().post(JOIN, join_body("business"), format="json"))
        finally:
            connection.close()

    outcome: list = []
    threads = [threading.Thread(target=edit), threading.Thread(target=join)]
    for thread in threads:
        thread.start()
    holding.wait(timeout=30)
    # Until the join waits for the organization's row (the edit holds it).
    with connection.cursor() as cursor:
        for _ in range(600):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                break
            time.sleep(0.05)
        else:
            raise AssertionError("the join never waited for the organization's lock")
    release.set()
    for thread in threads:
        thread.join()

    assert outcome[0].status_code == 201, outcome[0].json()
    latest = Organization.history.filter(id=organization.pk).order_by("-history_id").first()
    assert latest.website  # the form filled the blank: the join's row
    assert [c.directorycategory.name for c in latest.directory_categories.all()] == ["Bakeries"]
