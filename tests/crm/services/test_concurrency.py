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
