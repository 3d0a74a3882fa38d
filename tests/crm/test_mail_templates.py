"""Every email extends one base (greeting, footer with the chamber's name and address); the
invoice lines come from one include."""

import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from core.mail import render_templated

EMAILS = Path(settings.BASE_DIR) / "templates" / "emails"
MAILS = sorted(path for path in EMAILS.iterdir() if not path.name.startswith(("_", "base.")))


def test_it_finds_the_mails():
    assert len(MAILS) > 30  # the glob found the folder


@pytest.mark.parametrize("path", MAILS, ids=lambda path: path.name)
def test_it_extends_the_base(path):
    base = f'{{% extends "emails/base{path.suffix}" %}}'
    assert path.read_text().startswith(base), f"{path.name} does not start with {base}"


@pytest.mark.parametrize("path", MAILS, ids=lambda path: path.name)
def test_it_takes_the_invoice_lines_from_the_include(path):
    assert "{% for line in lines %}" not in path.read_text()


# --- money in mails ----------------------------------------------------------------------------

# Every amount a mail can name: each is 4500 in the test context, so a mail that writes one
# without the one money format ($4,500.00) shows "4500.00", "$4500.00" or "4,500.00".
MONEY_NAMES = {
    "amount",
    "total",
    "amount_due",
    "annual_amount",
    "total_commitment",
    "benefits_value",
    "taken_back",
    "still_due",
    "total_paid",
    "credited",
    "refunded",
}
AMOUNT = Decimal("4500.00")


class Anything:
    """Whatever a template asks of it: an amount for a money name, text for anything else,
    another Anything for a relation; one of itself when iterated (the invoice lines)."""

    def __init__(self, name: str = "") -> None:
        self._name = name

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _value(name)

    def __getitem__(self, key: Any) -> Any:
        return self.__getattr__(str(key))

    def __iter__(self):
        return iter([Anything(self._name)])

    def __call__(self, *args: Any, **kwargs: Any) -> "Anything":
        return self

    def __str__(self) -> str:
        return f"<{self._name}>"


WHEN = datetime(2026, 3, 5, 13, 0, tzinfo=UTC)
COUNTS = {"days", "grace_days", "term_years", "quantity", "number", "pk", "seats"}


def _value(name: str) -> Any:
    """What a template finds under a name: an amount, a time, a count or anything else."""
    if name in MONEY_NAMES:
        return AMOUNT
    if name in COUNTS:
        return 3
    if "date" in name or name.endswith(
        ("_on", "_at", "_through", "deadline", "starts", "ends", "_start")
    ):
        return WHEN
    return Anything(name)


TEMPLATE_NAMES = sorted(
    path.stem for path in EMAILS.iterdir() if path.suffix == ".txt" and path.name[0] != "_"
)


@pytest.mark.parametrize("template", TEMPLATE_NAMES)
def test_money_in_mails_is_written_one_way(template):
    from tests.core.test_money_display import assert_money_formatted, visible_text

    text, html = render_templated(template=template, context=_context())
    for body in filter(None, (text, html and visible_text(html))):
        # The amount in the one format, and nowhere another way.
        assert "4500" not in body and "4,500.00" not in body.replace("$4,500.00", "")
        assert_money_formatted(body, template)


def test_the_mails_name_their_amounts():
    """The test context reaches the money: the receipt shows each of its three amounts."""
    text, _html = render_templated(template="payment_receipt", context=_context())
    assert text.count("$4,500.00") >= 3


def _context() -> dict[str, Any]:
    """Every name the mails and their includes use (render_templated copies the context into a
    plain dict, so each must be there)."""
    names = {
        name
        for path in EMAILS.iterdir()
        for name in re.findall(r"\{[{%][^}]*?\b([a-z_]+)[.|} ]", path.read_text())
    }
    return {name: _value(name) for name in names}
