from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm import pricing
from crm.pricing import Bracket, PricingRule

D = Decimal

FLAT_600_MONTHLY = PricingRule(
    kind=pricing.FLAT,
    flat_amount=D("600.00"),
    proration=pricing.PRORATE_MONTHLY,
    plan_name="Business",
)
BRACKETS = (
    Bracket(10, D("495.00")),
    Bracket(50, D("895.00")),
    Bracket(100, D("1450.00")),
    Bracket(250, D("2600.00")),
)
BY_EMPLOYEES = PricingRule(
    kind=pricing.BRACKETS,
    brackets=BRACKETS,
    per_employee_above=D("5.00"),
    cap=D("25000.00"),
    proration=pricing.PRORATE_NONE,
    plan_name="Corporate",
)


def _amounts(quote: pricing.Quote) -> list[Decimal]:
    return [line.amount for line in quote.lines]


# --- Hand-computed examples -------------------------------------------------------------------


def test_it_prorates_a_calendar_year_by_month_counting_the_start_month():
    quote = pricing.quote(FLAT_600_MONTHLY, employees=5, start=date(2026, 3, 15))

    # March to December: 10 of 12 months of $600.
    assert quote.annual_dues == D("600.00")
    assert quote.prorated_amount == D("500.00")
    assert (quote.period_start, quote.period_end) == (date(2026, 3, 15), date(2026, 12, 31))
    assert _amounts(quote) == [D("600.00"), D("-100.00")]
    assert quote.total == D("500.00")
    assert (quote.covered_units, quote.total_units, quote.unit) == (10, 12, "month")
    assert quote.explanation == (
        "Annual dues on the Business plan are $600.00; starting 2026-03-15 covers 10 of 12 "
        "months of the 2026 calendar year, so $500.00 is due for 2026-03-15 to 2026-12-31."
    )


def test_it_charges_the_full_year_when_a_monthly_prorated_member_starts_in_january():
    quote = pricing.quote(FLAT_600_MONTHLY, employees=5, start=date(2026, 1, 20))

    assert quote.prorated_amount == D("600.00")
    assert _amounts(quote) == [D("600.00")]
    assert "the start date covers the whole year" in quote.explanation


def test_it_bills_one_month_for_a_december_start():
    quote = pricing.quote(FLAT_600_MONTHLY, employees=5, start=date(2026, 12, 31))

    assert quote.prorated_amount == D("50.00")
    assert _amounts(quote) == [D("600.00"), D("-550.00")]


def test_it_prorates_a_calendar_year_by_day():
    rule = PricingRule(flat_amount=D("600.00"), proration=pricing.PRORATE_DAILY)

    quote = pricing.quote(rule, employees=5, start=date(2026, 3, 15))

    # 15 March to 31 December 2026 is 292 of 365 days: 600 * 292 / 365 = 480 exactly.
    assert (quote.covered_units, quote.total_units, quote.unit) == (292, 365, "day")
    assert quote.prorated_amount == D("480.00")
    assert _amounts(quote) == [D("600.00"), D("-120.00")]
    assert "73 of 365 days of 2026 before the start date" in quote.lines[1].description


def test_it_counts_366_days_in_a_leap_year():
    rule = PricingRule(flat_amount=D("600.00"), proration=pricing.PRORATE_DAILY)

    after_february = pricing.quote(rule, employees=5, start=date(2028, 3, 15))
    on_leap_day = pricing.quote(rule, employees=5, start=date(2028, 2, 29))

    # 600 * 292 / 366 = 478.688… and 600 * 307 / 366 = 503.278…, rounded half up to the cent.
    assert (after_february.covered_units, after_february.total_units) == (292, 366)
    assert after_february.prorated_amount == D("478.69")
    assert (on_leap_day.covered_units, on_leap_day.total_units) == (307, 366)
    assert on_leap_day.prorated_amount == D("503.28")
    assert on_leap_day.total == D("503.28")


def test_it_charges_a_full_year_on_the_anniversary_cycle_whatever_the_proration():
    rule = PricingRule(
        flat_amount=D("600.00"),
        billing_cycle=pricing.ANNIVERSARY,
        proration=pricing.PRORATE_MONTHLY,
        plan_name="Business",
    )

    quote = pricing.quote(rule, employees=5, start=date(2026, 3, 15))

    assert (quote.period_start, quote.period_end) == (date(2026, 3, 15), date(2027, 3, 14))
    assert quote.prorated_amount == D("600.00")
    assert _amounts(quote) == [D("600.00")]
    assert quote.explanation == (
        "Annual dues on the Business plan are $600.00, due for the membership year "
        "2026-03-15 to 2027-03-14."
    )


@pytest.mark.parametrize(
    ("start", "period_end", "renewal"),
    [
        # A year begun on leap day ends on 28 February; its renewal starts on 1 March.
        (date(2024, 2, 29), date(2025, 2, 28), (date(2025, 3, 1), date(2026, 2, 28))),
        # A year that contains a leap day ends the day before the anniversary.
        (date(2023, 3, 1), date(2024, 2, 29), (date(2024, 3, 1), date(2025, 2, 28))),
        (date(2025, 2, 28), date(2026, 2, 27), (date(2026, 2, 28), date(2027, 2, 27))),
    ],
)
def test_it_ends_an_anniversary_year_the_day_before_the_anniversary(start, period_end, renewal):
    rule = PricingRule(flat_amount=D("600.00"), billing_cycle=pricing.ANNIVERSARY)

    assert pricing.membership_period(rule, start) == (start, period_end)
    assert pricing.next_period(rule, period_end) == renewal


def test_it_renews_a_calendar_year_member_for_the_next_calendar_year():
    assert pricing.next_period(FLAT_600_MONTHLY, date(2026, 12, 31)) == (
        date(2027, 1, 1),
        date(2027, 12, 31),
    )


@pytest.mark.parametrize(
    ("employees", "dues"),
    [
        (0, "495.00"),
        (1, "495.00"),
        (10, "495.00"),
        (11, "895.00"),
        (50, "895.00"),
        (100, "1450.00"),
        (250, "2600.00"),
        # Above the top bracket: $2,600 plus $5 for each of the 50 employees above 250.
        (300, "2850.00"),
        (4730, "25000.00"),
        # 2,600 + 5 * 4,750 = 26,350, held at the $25,000 cap.
        (5000, "25000.00"),
    ],
)
def test_it_prices_by_employee_brackets(employees, dues):
    assert pricing.annual_dues(BY_EMPLOYEES, employees) == D(dues)


def test_it_explains_a_bracket_price_with_the_number_of_employees():
    quote = pricing.quote(BY_EMPLOYEES, employees=300, start=date(2026, 9, 1))

    # No proration: the whole year's dues whatever the start date.
    assert quote.prorated_amount == D("2850.00")
    assert quote.lines == (pricing.QuoteLine("Corporate annual dues for 300 employees", D("2850")),)
    assert quote.explanation == (
        "Annual dues for 300 employees on the Corporate plan are $2,850.00; the full year's "
        "dues are due whatever the start date, so $2,850.00 is due for 2026-09-01 to 2026-12-31."
    )


def test_it_caps_a_flat_plan_too():
    rule = PricingRule(flat_amount=D("900.00"), cap=D("750.00"))

    assert pricing.annual_dues(rule, 3) == D("750.00")


def test_it_refuses_a_negative_number_of_employees():
    with pytest.raises(ValueError, match="cannot be negative"):
        pricing.annual_dues(BY_EMPLOYEES, -1)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (PricingRule(kind=pricing.BRACKETS), "needs at least one bracket"),
        (PricingRule(flat_amount=D("-1")), "flat amount cannot be negative"),
        (PricingRule(per_employee_above=D("-1")), "amount per employee cannot be negative"),
        (PricingRule(cap=D("-0.01")), "cap cannot be negative"),
        (
            PricingRule(kind=pricing.BRACKETS, brackets=(Bracket(0, D("10")),)),
            "at least 1",
        ),
        (
            PricingRule(kind=pricing.BRACKETS, brackets=(Bracket(10, D("-10")),)),
            "dues cannot be negative",
        ),
        (
            PricingRule(
                kind=pricing.BRACKETS, brackets=(Bracket(10, D("10")), Bracket(10, D("20")))
            ),
            "each above the last",
        ),
        (
            PricingRule(
                kind=pricing.BRACKETS, brackets=(Bracket(10, D("500")), Bracket(50, D("400")))
            ),
            "costs less than the one up to 10",
        ),
    ],
)
def test_it_refuses_a_rule_that_could_price_a_bigger_business_lower(rule, message):
    with pytest.raises(ValueError, match=message):
        pricing.validate_rule(rule)


def test_it_accepts_the_standard_bracket_rule():
    pricing.validate_rule(BY_EMPLOYEES)


def test_it_describes_a_rule_as_a_price_table():
    assert pricing.describe_rule(BY_EMPLOYEES) == {
        "kind": "brackets",
        "cap": "25000.00",
        "proration": "none",
        "brackets": [
            {"min_employees": 1, "max_employees": 10, "amount": "495.00"},
            {"min_employees": 11, "max_employees": 50, "amount": "895.00"},
            {"min_employees": 51, "max_employees": 100, "amount": "1450.00"},
            {"min_employees": 101, "max_employees": 250, "amount": "2600.00"},
        ],
        "per_employee_above": "5.00",
    }
    assert pricing.describe_rule(FLAT_600_MONTHLY) == {
        "kind": "flat",
        "cap": None,
        "proration": "monthly",
        "amount": "600.00",
    }


# --- Invariants -------------------------------------------------------------------------------

cents = st.integers(min_value=0, max_value=10_000_000).map(lambda c: D(c) / 100)


@st.composite
def rules(draw) -> PricingRule:
    kind = draw(st.sampled_from([pricing.FLAT, pricing.BRACKETS]))
    brackets: tuple[Bracket, ...] = ()
    if kind == pricing.BRACKETS:
        tops = sorted(draw(st.sets(st.integers(1, 5000), min_size=1, max_size=6)))
        amounts = sorted(draw(st.lists(cents, min_size=len(tops), max_size=len(tops))))
        brackets = tuple(Bracket(t, a) for t, a in zip(tops, amounts, strict=True))
    rule = PricingRule(
        kind=kind,
        flat_amount=draw(cents),
        brackets=brackets,
        per_employee_above=draw(st.integers(0, 100_000).map(lambda c: D(c) / 100)),
        cap=draw(st.none() | cents),
        billing_cycle=draw(st.sampled_from([pricing.CALENDAR, pricing.ANNIVERSARY])),
        proration=draw(
            st.sampled_from([pricing.PRORATE_NONE, pricing.PRORATE_MONTHLY, pricing.PRORATE_DAILY])
        ),
    )
    pricing.validate_rule(rule)
    return rule


employee_counts = st.integers(min_value=0, max_value=100_000)
start_dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@given(rule=rules(), employees=employee_counts, start=start_dates)
def test_it_never_quotes_a_negative_amount_nor_more_than_the_annual_dues(rule, employees, start):
    quote = pricing.quote(rule, employees=employees, start=start)

    assert quote.annual_dues >= 0
    assert D(0) <= quote.prorated_amount <= quote.annual_dues
    if rule.cap is not None:
        assert quote.annual_dues <= rule.cap


@given(rule=rules(), employees=employee_counts, start=start_dates)
def test_it_quotes_lines_that_add_up_to_the_total_to_the_cent(rule, employees, start):
    quote = pricing.quote(rule, employees=employees, start=start)

    for amount in [quote.annual_dues, quote.prorated_amount, *_amounts(quote)]:
        assert amount == amount.quantize(D("0.01"))
        assert amount.as_tuple().exponent == -2
    assert quote.total == quote.prorated_amount
    assert quote.lines[0].amount == quote.annual_dues


@given(rule=rules(), employees=employee_counts, more=st.integers(0, 10_000), start=start_dates)
def test_it_never_charges_a_bigger_business_less(rule, employees, more, start):
    smaller = pricing.quote(rule, employees=employees, start=start)
    bigger = pricing.quote(rule, employees=employees + more, start=start)

    assert smaller.annual_dues <= bigger.annual_dues
    assert smaller.prorated_amount <= bigger.prorated_amount


@given(rule=rules(), start=start_dates)
def test_it_covers_a_period_from_the_start_date_to_at_most_a_year_later(rule, start):
    period_start, period_end = pricing.membership_period(rule, start)

    assert period_start == start
    assert start <= period_end < start + timedelta(days=366)
    renewal_start, renewal_end = pricing.next_period(rule, period_end)
    assert renewal_start == period_end + timedelta(days=1)
    assert timedelta(days=364) <= renewal_end - renewal_start <= timedelta(days=365)


@given(rule=rules(), employees=employee_counts, start=start_dates)
def test_it_explains_the_quote_in_one_sentence_naming_the_amount_due(rule, employees, start):
    quote = pricing.quote(rule, employees=employees, start=start)

    assert quote.explanation.endswith(".")
    assert "\n" not in quote.explanation
    assert pricing.format_usd(quote.prorated_amount) in quote.explanation
