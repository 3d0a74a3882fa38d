import pytest
from django.core import mail
from django.db import transaction

from core.mail import send_templated
from tests.billing.stripe_payloads import committed

pytestmark = pytest.mark.django_db


def _send(**kwargs):
    from billing.models import Invoice

    invoice = Invoice(number="2026-00042", total="10.00")
    return send_templated(
        template="invoice_issued",
        subject="Invoice  2026-00042\n",
        context={"invoice": invoice, "organization": {"name": "Acme"}, "lines": []},
        reason="test",
        **kwargs,
    )


def test_it_sends_text_and_html_once_the_transaction_commits():
    with committed():
        assert _send(to=["a@example.org", "a@example.org", ""]) is True
        assert mail.outbox == []

    (message,) = mail.outbox
    assert message.to == ["a@example.org"]
    assert message.subject == "Invoice 2026-00042"
    assert "2026-00042" in message.body
    assert message.alternatives[0][1] == "text/html"


def test_it_sends_nothing_when_the_transaction_rolls_back():
    with committed():
        try:
            with transaction.atomic():
                _send(to=["a@example.org"])
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass

    assert mail.outbox == []


def test_it_sends_nothing_without_a_recipient():
    with committed():
        assert _send(to=[]) is False

    assert mail.outbox == []
