from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm.schedule import installment_schedule, total_commitment

D = Decimal


def _schedule(amount: str, *, start=date(2026, 1, 31), years=1, per_year=12):
    return installment_schedule(
        annual_amount=D(amount), start=start, term_years=years, installments_per_year=per_year
    )


def test_it_splits_a_commitment_giving_the_odd_cents_to_the_first_installments():
    schedule = _schedule("1000.00", per_year=12)

    # 100,000 cents / 12 = 8,333 remainder 4: four installments of $83.34, eight of $83.33.
    assert [i.amount for i in schedule] == [D("83.34")] * 4 + [D("83.33")] * 8
    assert sum(i.amount for i in schedule) == D("1000.00")
    assert [i.number for i in schedule] == list(range(1, 13))


def test_it_keeps_a_month_end_start_on_the_last_day_of_shorter_months():
    schedule = _schedule("1200.00", start=date(2026, 1, 31), per_year=12)

    assert [i.due_date for i in schedule[:5]] == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 5, 31),
    ]


def test_it_falls_on_29_february_in_a_leap_year():
    schedule = _schedule("1200.00", start=date(2027, 11, 30), per_year=4, years=2)

    assert [i.due_date for i in schedule] == [
        date(2027, 11, 30),
        date(2028, 2, 29),
        date(2028, 5, 30),
        date(2028, 8, 30),
        date(2028, 11, 30),
        date(2029, 2, 28),
        date(2029, 5, 30),
        date(2029, 8, 30),
    ]
    assert sum(i.amount for i in schedule) == D("2400.00")


def test_it_bills_a_multi_year_annual_pledge_once_a_year_on_the_start_date():
    schedule = _schedule("5000.00", start=date(2024, 2, 29), years=3, per_year=1)

    assert [(i.due_date, i.amount) for i in schedule] == [
        (date(2024, 2, 29), D("5000.00")),
        (date(2025, 2, 28), D("5000.00")),
        (date(2026, 2, 28), D("5000.00")),
    ]
    assert total_commitment(D("5000.00"), 3) == D("15000.00")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"per_year": 3}, "must be one of"),
        ({"years": 0}, "at least one year"),
        ({"amount": "0.00"}, "above zero"),
        ({"amount": "-5.00"}, "above zero"),
        ({"amount": "0.11", "per_year": 12}, r"\$0.11 cannot be split into 12 installments"),
    ],
)
def test_it_refuses_a_schedule_it_cannot_make(kwargs, message):
    args = {"amount": "1200.00", **kwargs}
    with pytest.raises(ValueError, match=message):
        _schedule(args.pop("amount"), **args)


amounts = st.integers(min_value=1, max_value=10_000_000_00).map(lambda c: D(c) / 100)


@given(
    amount=amounts,
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
    years=st.integers(1, 10),
    per_year=st.sampled_from([1, 2, 4, 12]),
)
def test_it_always_adds_up_to_the_commitment_to_the_cent(amount, start, years, per_year):
    count = years * per_year
    if amount * years * 100 < count:
        with pytest.raises(ValueError, match="cannot be split"):
            _schedule(str(amount), start=start, years=years, per_year=per_year)
        return

    schedule = _schedule(str(amount), start=start, years=years, per_year=per_year)

    assert len(schedule) == count
    assert sum(i.amount for i in schedule) == total_commitment(amount, years)
    assert all(i.amount > 0 and i.amount.as_tuple().exponent == -2 for i in schedule)
    assert max(i.amount for i in schedule) - min(i.amount for i in schedule) <= D("0.01")
    dates = [i.due_date for i in schedule]
    assert dates[0] == start
    assert dates == sorted(dates) and len(set(dates)) == count
    months_apart = 12 // per_year
    for index, due in enumerate(dates):
        months = start.month - 1 + index * months_apart
        assert (due.year, due.month) == (start.year + months // 12, months % 12 + 1)
        # Same day of the month, or the month's last day when it is shorter.
        assert due.day == start.day or (due.day < start.day and _is_month_end(due))


def _is_month_end(day: date) -> bool:
    return (day + timedelta(days=1)).day == 1
