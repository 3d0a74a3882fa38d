"""One money format in words: $1,450.00, negatives -$6,875.00, in the formatter, the upgrade
quote and the invoice lines a mail prints; chart legends that fit their chart."""

import re
from datetime import date
from decimal import Decimal

from django.template.loader import render_to_string

from billing.charts import bar_chart
from billing.money import format_usd
from crm import pricing
from crm.services.renewals.plan_changes import upgrade_quote


def test_format_usd_puts_the_sign_before_the_dollar():
    assert format_usd(Decimal("1450")) == "$1,450.00"
    assert format_usd(Decimal("-6875")) == "-$6,875.00"
    assert format_usd(Decimal("-0.004")) == "$0.00"
    assert format_usd(Decimal("1234567.891")) == "$1,234,567.89"


def test_an_upgrade_quote_writes_its_credit_line_as_negative_money():
    small = pricing.PricingRule(flat_amount=Decimal("1450.00"), plan_name="Small Business")
    business = pricing.PricingRule(
        flat_amount=Decimal("10000.00"),
        plan_name="Business",
        proration=pricing.PRORATE_MONTHLY,
    )
    quote = upgrade_quote(
        old_rule=small,
        new_rule=business,
        employees=3,
        effective=date(2026, 12, 5),
        paid_through=date(2027, 2, 28),
    )
    assert quote.amount == Decimal("2137.50")  # 8,550.00 times 3/12
    credit = quote.lines[1].amount
    assert credit == Decimal("-6412.50")
    assert "$8,550.00 × 3/12 = $2,137.50" in quote.explanation
    lines = render_to_string(
        "emails/_invoice_lines.txt",
        {"lines": quote.lines, "invoice": {"total": quote.amount}, "paid": False},
    )
    assert ": -$6,412.50" in lines and "$-" not in lines
    assert "Total: $2,137.50" in lines


def test_a_long_legend_wraps_inside_the_chart():
    names = ["Small Business", "Business", "Corporate Leadership", "Nonprofit", "Individual"]
    svg = str(
        bar_chart(["Jan"], [(name, [Decimal(10)]) for name in names], title="Members", width=420)
    )
    width = int(re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).group(1))
    for name in names:
        x = float(re.search(rf'<text x="([\d.]+)"[^>]*>{name}</text>', svg).group(1))
        assert x + 7 * len(name) <= width, f"{name} runs off the chart"
    assert svg.count('fill="#333">') > len(names)  # the title and every legend entry


def test_chart_labels_put_the_sign_first():
    svg = str(bar_chart(["Jan"], [("Net", [Decimal("-1500")])], title="Net"))
    assert "-$1.5k" in svg and "$-" not in svg
