from datetime import date

import pytest

from crm.models import Membership
from crm.services import membership_reverse_payment
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def active(paid_through: date) -> Membership:
    return MembershipFactory(
        status=Membership.Status.ACTIVE,
        start_date=date(2025, 1, 1),
        member_since=date(2025, 1, 1),
        paid_through=paid_through,
    )


def test_it_moves_the_paid_through_date_back_and_lets_grace_follow():
    membership = active(date(2026, 12, 31))

    said = membership_reverse_payment(
        membership=membership,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
        today=date(2026, 3, 1),
    )

    assert membership.paid_through == date(2025, 12, 31)
    assert membership.status == Membership.Status.GRACE
    assert "paid through 2025-12-31" in said
    assert membership.transitions.get().reason.startswith("dues refunded")


def test_it_leaves_a_later_paid_period_alone():
    membership = active(date(2027, 12, 31))

    said = membership_reverse_payment(
        membership=membership, period_start=date(2026, 1, 1), period_end=date(2026, 12, 31)
    )

    assert membership.paid_through == date(2027, 12, 31)
    assert membership.status == Membership.Status.ACTIVE
    assert "a later period is paid too" in said


def test_it_sends_a_never_paid_member_back_to_approved():
    membership = active(date(2025, 12, 31))

    membership_reverse_payment(
        membership=membership, period_start=date(2025, 1, 1), period_end=date(2025, 12, 31)
    )

    assert membership.status == Membership.Status.APPROVED
    assert membership.paid_through is None
    assert membership.member_since is None
