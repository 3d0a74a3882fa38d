"""Every email extends one base (greeting, footer with the chamber's name and address); the
invoice lines come from one include."""

from pathlib import Path

import pytest
from django.conf import settings

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
