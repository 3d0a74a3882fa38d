from datetime import date, timedelta

import pytest
from django.utils import timezone

from billing.models import SavedPaymentMethod
from core.exceptions import InvalidData, ServiceError, TransitionNotAllowed
from crm.models import Membership, MembershipTransition
from crm.services import (
    membership_cancel,
    membership_create,
    membership_enter_grace,
    membership_lapse,
    membership_record_payment,
)
from crm.services.memberships import (
    _membership_approve,
    _membership_reinstate,
    _membership_reject,
)
from tests.factories import MembershipFactory, OrganizationFactory, PlanFactory, UserFactory

pytestmark = pytest.mark.django_db
Status = Membership.Status

# Every transition service: what it needs, where it leads, the statuses it may leave, and the
# reason it records (the history's change reason falls back to the verb when there is none).
TRANSITIONS = {
    "approve": (_membership_approve, {}, Status.APPROVED, {Status.APPLIED}, "", "approved"),
    "reject": (
        _membership_reject,
        {"reason": "Outside our region"},
        Status.REJECTED,
        {Status.APPLIED},
        "Outside our region",
        "Outside our region",
    ),
    "enter_grace": (
        membership_enter_grace,
        {},
        Status.GRACE,
        {Status.ACTIVE},
        "dues past due",
        "dues past due",
    ),
    "lapse": (
        membership_lapse,
        {},
        Status.LAPSED,
        {Status.GRACE},
        "grace period over, dues unpaid",
        "grace period over, dues unpaid",
    ),
    "cancel": (
        membership_cancel,
        {"reason": "Closed the business"},
        Status.CANCELLED,
        {Status.APPLIED, Status.APPROVED, Status.ACTIVE, Status.GRACE},
        "Closed the business",
        "Closed the business",
    ),
}


def _cases():
    for name, (_, _, to, allowed_from, _, _) in TRANSITIONS.items():
        for from_status in Status.values:
            if from_status == to:
                outcome = "repeat"
            elif from_status in allowed_from:
                outcome = "allowed"
            else:
                outcome = "refused"
            yield pytest.param(name, from_status, outcome, id=f"{name}-from-{from_status}")


@pytest.mark.parametrize(("name", "from_status", "outcome"), list(_cases()))
def test_it_applies_each_transition_only_from_the_statuses_that_allow_it(
    name, from_status, outcome
):
    service, kwargs, to, _, reason, change_reason = TRANSITIONS[name]
    user = UserFactory()
    membership = MembershipFactory(status=from_status)
    history_before = membership.history.count()

    if outcome == "refused":
        with pytest.raises(TransitionNotAllowed) as caught:
            service(membership=membership, by=user, **kwargs)
        label = Status(from_status).label.lower()
        assert caught.value.message.startswith(f"A membership that is {label} cannot be ")
        membership.refresh_from_db()
        assert membership.status == from_status
        assert not MembershipTransition.objects.exists()
        assert membership.history.count() == history_before
        return

    result = service(membership=membership, by=user, **kwargs)

    assert result is membership
    assert membership.status == to
    membership.refresh_from_db()
    assert membership.status == to
    if outcome == "repeat":
        assert not MembershipTransition.objects.exists()
        assert membership.history.count() == history_before
        return
    step = MembershipTransition.objects.get()
    assert (step.membership, step.from_status, step.to_status) == (membership, from_status, to)
    assert (step.by, step.reason) == (user, reason)
    assert membership.status_reason == reason
    assert timezone.now() - membership.status_changed_at < timedelta(minutes=5)
    record = membership.history.first()
    assert (record.status, record.history_user) == (to, user)
    assert record.history_change_reason == change_reason


def test_it_says_plainly_why_a_transition_is_refused():
    membership = MembershipFactory(status=Status.LAPSED)

    with pytest.raises(TransitionNotAllowed) as caught:
        _membership_approve(membership=membership)

    assert caught.value.message == "A membership that is lapsed cannot be approved."


def test_it_approves_a_stale_copy_once_and_refuses_the_reject_that_follows():
    membership = MembershipFactory()
    stale = Membership.objects.get(pk=membership.pk)
    _membership_approve(membership=membership)

    # The stale copy still says "applied"; the row is re-read under a lock, so no.
    with pytest.raises(TransitionNotAllowed, match="approved, awaiting payment cannot be rejected"):
        _membership_reject(membership=stale, reason="too late")

    assert MembershipTransition.objects.get().to_status == Status.APPROVED


@pytest.mark.parametrize(
    ("service", "message"),
    [(_membership_reject, "Say why the application is rejected"), (membership_cancel, "Say why")],
)
def test_it_asks_for_a_reason_to_reject_or_drop(service, message):
    membership = MembershipFactory()

    with pytest.raises(ServiceError, match=message) as caught:
        service(membership=membership, reason=" \n")

    assert caught.value.field == "reason"
    membership.refresh_from_db()
    assert membership.status == Status.APPLIED


def test_it_records_a_transition_made_without_a_user_as_made_by_nobody():
    membership = MembershipFactory(status=Status.ACTIVE)

    membership_enter_grace(membership=membership)

    step = MembershipTransition.objects.get()
    assert (step.by, step.reason) == (None, "dues past due")
    assert membership.history.first().history_user is None


# --- Payment ----------------------------------------------------------------------------------


def test_it_records_dues_paid_before_review_and_activates_on_approval():
    membership = MembershipFactory(status=Status.APPLIED, start_date=date(2026, 3, 1))

    membership_record_payment(membership=membership, period_end=date(2026, 12, 31))
    membership.refresh_from_db()
    assert membership.status == Status.APPLIED
    assert membership.paid_through == date(2026, 12, 31)

    _membership_approve(membership=membership)
    membership.refresh_from_db()
    assert membership.status == Status.ACTIVE
    assert membership.member_since == date(2026, 3, 1)
    assert list(membership.transitions.values_list("to_status", flat=True)) == [
        Status.APPLIED,
        Status.ACTIVE,
    ]


@pytest.mark.parametrize("from_status", [Status.APPROVED, Status.GRACE, Status.LAPSED])
def test_it_activates_a_membership_when_its_dues_are_paid(from_status):
    user = UserFactory()
    membership = MembershipFactory(status=from_status, start_date=date(2026, 3, 1))

    membership_record_payment(membership=membership, period_end=date(2026, 12, 31), by=user)

    membership.refresh_from_db()
    assert membership.status == Status.ACTIVE
    assert membership.paid_through == date(2026, 12, 31)
    assert membership.member_since == date(2026, 3, 1)
    step = MembershipTransition.objects.get()
    assert (step.from_status, step.to_status, step.by) == (from_status, Status.ACTIVE, user)
    assert step.reason == "dues paid; paid through 2026-12-31"
    assert membership.history.first().history_user == user


@pytest.mark.parametrize("from_status", [Status.CANCELLED, Status.REJECTED])
def test_it_refuses_a_payment_for_a_closed_membership(from_status):
    membership = MembershipFactory(status=from_status)

    with pytest.raises(TransitionNotAllowed, match="cannot be activated by a payment"):
        membership_record_payment(membership=membership, period_end=date(2026, 12, 31))

    membership.refresh_from_db()
    assert (membership.status, membership.paid_through) == (from_status, None)


def test_it_extends_an_active_membership_and_never_moves_paid_through_back():
    membership = MembershipFactory(status=Status.ACTIVE, paid_through=date(2026, 12, 31))
    membership.member_since = date(2020, 1, 1)
    membership.save()

    membership_record_payment(membership=membership, period_end=date(2027, 12, 31))
    membership_record_payment(membership=membership, period_end=date(2025, 12, 31))

    membership.refresh_from_db()
    assert membership.paid_through == date(2027, 12, 31)
    assert membership.member_since == date(2020, 1, 1)
    steps = MembershipTransition.objects.all()
    assert [s.reason for s in steps] == ["dues paid; paid through 2027-12-31"]


def test_it_records_the_same_payment_twice_harmlessly():
    membership = MembershipFactory(status=Status.APPROVED)

    membership_record_payment(membership=membership, period_end=date(2026, 12, 31))
    membership_record_payment(membership=membership, period_end=date(2026, 12, 31))

    assert MembershipTransition.objects.count() == 1


# --- Reinstatement ----------------------------------------------------------------------------

TODAY = date(2026, 6, 15)


@pytest.mark.parametrize("from_status", [Status.LAPSED, Status.CANCELLED])
@pytest.mark.parametrize(
    ("paid_through", "to"),
    [
        (TODAY + timedelta(days=200), Status.ACTIVE),
        (TODAY, Status.ACTIVE),
        (TODAY - timedelta(days=1), Status.APPROVED),
        (None, Status.APPROVED),
    ],
)
def test_it_reinstates_as_active_only_while_the_dues_still_cover_today(
    from_status, paid_through, to
):
    user = UserFactory()
    membership = MembershipFactory(status=from_status, paid_through=paid_through)

    _membership_reinstate(membership=membership, by=user, reason="paid by check", today=TODAY)

    membership.refresh_from_db()
    assert membership.status == to
    step = MembershipTransition.objects.get()
    assert (step.from_status, step.to_status, step.by, step.reason) == (
        from_status,
        to,
        user,
        "paid by check",
    )
    assert membership.history.first().history_user == user


@pytest.mark.parametrize(
    ("from_status", "outcome"),
    [
        (Status.APPLIED, "refused"),
        (Status.APPROVED, "repeat"),
        (Status.ACTIVE, "repeat"),
        (Status.GRACE, "refused"),
        (Status.REJECTED, "refused"),
    ],
)
def test_it_reinstates_only_lapsed_or_dropped_members(from_status, outcome):
    membership = MembershipFactory(status=from_status)

    if outcome == "refused":
        label = Status(from_status).label.lower()
        with pytest.raises(TransitionNotAllowed) as caught:
            _membership_reinstate(membership=membership, today=TODAY)
        assert caught.value.message == f"A membership that is {label} cannot be reinstated."
    else:
        _membership_reinstate(membership=membership, today=TODAY)

    membership.refresh_from_db()
    assert membership.status == from_status
    assert not MembershipTransition.objects.exists()


def test_it_does_not_reinstate_a_member_that_has_joined_again_since():
    dropped = MembershipFactory(status=Status.CANCELLED)
    MembershipFactory(organization=dropped.organization, status=Status.APPLIED)

    with pytest.raises(ServiceError, match="already has a membership that is applied"):
        _membership_reinstate(membership=dropped, today=TODAY)

    dropped.refresh_from_db()
    assert dropped.status == Status.CANCELLED


# --- Applications and the one-open-membership rule -------------------------------------------


def test_it_creates_an_application_and_records_its_first_step():
    user = UserFactory()
    organization = OrganizationFactory()
    plan = PlanFactory()
    SavedPaymentMethod.objects.create(organization=organization, stripe_payment_method_id="pm_1")

    membership = membership_create(
        organization=organization,
        plan=plan,
        start_date=date(2026, 4, 1),
        by=user,
        source=Membership.Source.WEBSITE,
        message="We would like to join.",
        auto_renew=True,
    )

    membership.refresh_from_db()
    assert membership.status == Status.APPLIED
    assert (membership.source, membership.application_message, membership.auto_renew) == (
        "website",
        "We would like to join.",
        True,
    )
    step = MembershipTransition.objects.get()
    assert (step.from_status, step.to_status, step.by, step.reason) == (
        "",
        "applied",
        user,
        "applied",
    )
    assert membership.history.get().history_user == user


@pytest.mark.parametrize(
    "open_status", [Status.APPLIED, Status.APPROVED, Status.ACTIVE, Status.GRACE]
)
def test_it_refuses_a_second_open_membership(open_status):
    existing = MembershipFactory(status=open_status)

    with pytest.raises(ServiceError) as caught:
        membership_create(
            organization=existing.organization, plan=PlanFactory(), start_date=date(2026, 5, 1)
        )

    label = Status(open_status).label.lower()
    assert caught.value.message == (
        f"This organization already has a membership that is {label} on the {existing.plan} plan."
    )
    assert Membership.objects.count() == 1


@pytest.mark.parametrize("closed_status", [Status.LAPSED, Status.CANCELLED, Status.REJECTED])
def test_it_accepts_a_new_application_once_the_old_membership_is_closed(closed_status):
    old = MembershipFactory(status=closed_status)

    new = membership_create(
        organization=old.organization, plan=PlanFactory(), start_date=date(2026, 5, 1)
    )

    assert new.pk != old.pk
    assert new.status == Status.APPLIED


def test_it_refuses_an_application_renewing_automatically_without_a_saved_payment_method():
    with pytest.raises(InvalidData, match="needs a saved card or bank account") as refused:
        membership_create(
            organization=OrganizationFactory(),
            plan=PlanFactory(),
            start_date=date(2026, 4, 1),
            auto_renew=True,
        )
    assert refused.value.field == "auto_renew"
    assert not Membership.objects.exists()


def test_it_refuses_a_plan_that_is_no_longer_offered():
    plan = PlanFactory(is_active=False)

    with pytest.raises(ServiceError, match="no longer offered") as caught:
        membership_create(
            organization=OrganizationFactory(), plan=plan, start_date=date(2026, 5, 1)
        )

    assert caught.value.field == "plan"
    assert not Membership.objects.exists()


def test_it_keeps_the_whole_life_of_a_membership_in_order():
    user = UserFactory()
    membership = membership_create(
        organization=OrganizationFactory(), plan=PlanFactory(), start_date=date(2026, 1, 1), by=user
    )
    _membership_approve(membership=membership, by=user)
    membership_record_payment(membership=membership, period_end=date(2026, 12, 31), by=user)
    membership_enter_grace(membership=membership)
    membership_lapse(membership=membership)
    _membership_reinstate(membership=membership, by=user, today=date(2027, 3, 1))

    assert [(s.from_status, s.to_status) for s in membership.transitions.all()] == [
        ("", "applied"),
        ("applied", "approved"),
        ("approved", "active"),
        ("active", "grace"),
        ("grace", "lapsed"),
        ("lapsed", "approved"),
    ]
    assert [r.status for r in membership.history.order_by("history_date", "history_id")] == [
        "applied",
        "approved",
        "active",
        "grace",
        "lapsed",
        "approved",
    ]


def test_it_refuses_a_payment_that_would_reopen_a_lapsed_membership_beside_a_new_one():
    lapsed = MembershipFactory(status=Status.LAPSED)
    MembershipFactory(organization=lapsed.organization, status=Status.APPLIED)

    with pytest.raises(ServiceError, match="already has a membership that is applied"):
        membership_record_payment(membership=lapsed, period_end=date(2026, 12, 31))

    lapsed.refresh_from_db()
    assert (lapsed.status, lapsed.paid_through) == (Status.LAPSED, None)
