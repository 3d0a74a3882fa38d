from datetime import date

import pytest

from crm.models import Membership
from crm.services import membership_cancel, membership_create
from tests.factories import OrganizationFactory, PlanFactory


@pytest.mark.django_db
def test_it_keeps_a_long_reason_whole_on_the_record_and_short_in_the_history():
    membership = membership_create(
        organization=OrganizationFactory(), plan=PlanFactory(), start_date=date(2026, 1, 1)
    )
    reason = "The business closed its Hartford office and asked us to stop billing. " * 10
    membership_cancel(membership=membership, reason=reason)

    membership.refresh_from_db()
    assert membership.status == Membership.Status.CANCELLED
    assert membership.status_reason == reason.strip()
    assert membership.transitions.last().reason == reason.strip()
    history_reason = membership.history.first().history_change_reason
    assert len(history_reason) == 100
    assert history_reason.startswith("The business closed its Hartford office")
