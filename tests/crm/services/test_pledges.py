from datetime import date
from decimal import Decimal

import pytest

from core.exceptions import ServiceError, TransitionNotAllowed
from crm.models import Pledge
from crm.services import (
    pledge_cancel,
    pledge_complete,
    pledge_create,
)
from crm.services.pledges import _pledge_confirm, _pledge_decline
from tests.factories import InvestorLevelFactory, OrganizationFactory, PledgeFactory, UserFactory

pytestmark = pytest.mark.django_db
Status = Pledge.Status


def _create(**overrides):
    args = {
        "organization": OrganizationFactory(),
        "level": InvestorLevelFactory(minimum_annual_amount=Decimal("5000.00")),
        "annual_amount": Decimal("10000.00"),
        "start_date": date(2026, 1, 31),
        "term_years": 3,
        "installments_per_year": 4,
        **overrides,
    }
    return pledge_create(**args)


def test_it_creates_a_submitted_pledge_with_its_schedule():
    user = UserFactory()

    pledge = _create(by=user)

    assert pledge.status == Status.SUBMITTED
    assert pledge.total_commitment == Decimal("30000.00")
    installments = list(pledge.installments.all())
    assert len(installments) == 12
    assert sum(i.amount for i in installments) == Decimal("30000.00")
    assert [i.due_date for i in installments[:3]] == [
        date(2026, 1, 31),
        date(2026, 4, 30),
        date(2026, 7, 31),
    ]
    assert pledge.history.get().history_user == user


def test_it_refuses_an_amount_below_the_level_minimum_and_stores_nothing():
    with pytest.raises(ServiceError, match=r"starts at \$5,000.00 a year") as caught:
        _create(annual_amount=Decimal("4999.99"))

    assert caught.value.field == "annual_amount"
    assert not Pledge.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"installments_per_year": 3}, "must be one of"),
        ({"term_years": 0}, "at least one year"),
        ({"term_years": 11}, "less than or equal to 10"),
    ],
)
def test_it_refuses_a_term_or_schedule_it_cannot_keep(overrides, message):
    with pytest.raises(ServiceError, match=message):
        _create(**overrides)

    assert not Pledge.objects.exists()


def test_it_confirms_a_submitted_pledge_recording_who_and_when():
    user = UserFactory()
    pledge = PledgeFactory()

    _pledge_confirm(pledge=pledge, by=user, reason="signed letter received")

    pledge.refresh_from_db()
    assert pledge.status == Status.CONFIRMED
    assert pledge.confirmed_by == user
    assert pledge.confirmed_at is not None
    assert pledge.status_reason == "signed letter received"
    latest = pledge.history.first()
    assert (latest.history_user, latest.history_change_reason) == (user, "signed letter received")


def test_it_confirms_twice_harmlessly():
    pledge = PledgeFactory()
    _pledge_confirm(pledge=pledge)
    first_confirmed_at = pledge.confirmed_at
    records = pledge.history.count()

    _pledge_confirm(pledge=pledge)

    pledge.refresh_from_db()
    assert pledge.confirmed_at == first_confirmed_at
    assert pledge.history.count() == records


@pytest.mark.parametrize(
    ("service", "kwargs", "allowed_from", "to"),
    [
        (_pledge_confirm, {}, {Status.SUBMITTED}, Status.CONFIRMED),
        (_pledge_decline, {"reason": "no budget"}, {Status.SUBMITTED}, Status.DECLINED),
        (
            pledge_cancel,
            {"reason": "company sold"},
            {Status.SUBMITTED, Status.CONFIRMED},
            Status.CANCELLED,
        ),
        (pledge_complete, {}, {Status.CONFIRMED}, Status.COMPLETED),
    ],
    ids=["confirm", "decline", "cancel", "complete"],
)
@pytest.mark.parametrize("from_status", Status.values)
def test_it_allows_only_the_pledge_transitions_that_make_sense(
    service, kwargs, allowed_from, to, from_status
):
    pledge = PledgeFactory(status=from_status)

    if from_status in allowed_from or from_status == to:
        service(pledge=pledge, **kwargs)
        pledge.refresh_from_db()
        assert pledge.status == to
    else:
        with pytest.raises(TransitionNotAllowed, match=r"A pledge that is .* cannot be"):
            service(pledge=pledge, **kwargs)
        pledge.refresh_from_db()
        assert pledge.status == from_status


@pytest.mark.parametrize("service", [_pledge_decline, pledge_cancel])
def test_it_asks_why_a_pledge_is_declined_or_cancelled(service):
    pledge = PledgeFactory()

    with pytest.raises(ServiceError, match="Say why") as caught:
        service(pledge=pledge, reason="  ")

    assert caught.value.field == "reason"
    pledge.refresh_from_db()
    assert pledge.status == Status.SUBMITTED
