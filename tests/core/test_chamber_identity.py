"""The chamber's address (185 Asylum St., Ste. 111, Hartford) in the payment instructions and
every mail's footer; the favicon on the public and admin pages."""

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client, override_settings

from core.mail import render_templated

ADDRESS = "185 Asylum St., Ste. 111, Hartford, CT 06103"


def test_the_defaults_name_the_chambers_address():
    assert settings.CHAMBER_ADDRESS == ADDRESS
    assert ADDRESS in settings.BILLING_PAYMENT_INSTRUCTIONS


def test_nothing_names_the_old_address():
    base = Path(settings.BASE_DIR)
    for folder in ("templates", "config", "billing", "crm", "events", "core", "docs"):
        for path in (base / folder).rglob("*"):
            if path.is_file() and path.suffix in {".py", ".html", ".txt", ".md"}:
                assert "Church Street" not in path.read_text(), path


@override_settings(CHAMBER_ADDRESS="1 Main St., Springfield, MA 01103")
def test_every_mail_signs_with_the_configured_address():
    text, html = render_templated(template="newsletter_welcome", context={})
    assert text.rstrip().endswith("1 Main St., Springfield, MA 01103")
    text, html = render_templated(template="payment_receipt", context={})
    assert "1 Main St., Springfield, MA 01103" in text and "1 Main St., Springfield" in html


def test_the_favicon_is_a_static_file():
    found = finders.find("favicon.svg")
    assert found and Path(found).read_text().startswith("<svg")


@pytest.mark.django_db
def test_public_and_admin_pages_link_the_favicon(admin_user):
    client = Client()
    assert 'rel="icon" href="/static/favicon.svg"' in client.get("/join/").content.decode()
    assert 'rel="icon" href="/static/favicon.svg"' in client.get("/admin/login/").content.decode()
    client.force_login(admin_user)
    assert 'rel="icon" href="/static/favicon.svg"' in client.get("/admin/").content.decode()
