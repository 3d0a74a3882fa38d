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


# --- Logged once sent: outside any transaction, tasks run at once (the immediate backend) ------


def _logs():
    from crm.models import EmailLog

    return list(EmailLog.objects.order_by("pk").values_list("recipients", "status", "error"))


@pytest.mark.django_db(transaction=True)
def test_it_sends_first_and_writes_the_log_row_once_sent_outside_a_transaction(
    django_assert_num_queries,
):
    with django_assert_num_queries(1):  # the row, written sent: no queued row, no update
        assert _send(to=["a@example.org"]) is True

    assert [m.to for m in mail.outbox] == [["a@example.org"]]
    assert _logs() == [("a@example.org", "sent", "")]


@pytest.mark.django_db(transaction=True)
def test_it_logs_a_refused_mail_as_failed_once_and_the_caller_goes_on(monkeypatch):
    def refused(*args, **kwargs):
        raise ConnectionRefusedError("SMTP down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refused)

    assert _send(to=["a@example.org"]) is True

    assert _logs() == [("a@example.org", "failed", "ConnectionRefusedError: SMTP down")]


@pytest.mark.django_db(transaction=True)
def test_a_batch_outside_a_transaction_is_sent_then_logged_in_one_insert(
    monkeypatch, django_assert_num_queries
):
    from core.mail import mail_batch

    real_send = mail.EmailMultiAlternatives.send

    def refuse_b(message, *args, **kwargs):
        if message.to == ["b@example.org"]:
            raise ConnectionRefusedError("SMTP down")
        return real_send(message, *args, **kwargs)

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse_b)

    with django_assert_num_queries(1), mail_batch():
        for address in ("a@example.org", "b@example.org", "c@example.org"):
            _send(to=[address])
        assert mail.outbox == []  # sent when the block ends

    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.org", "c@example.org"]
    assert _logs() == [
        ("a@example.org", "sent", ""),
        ("b@example.org", "failed", "ConnectionRefusedError: SMTP down"),
        ("c@example.org", "sent", ""),
    ]


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_the_row_is_written_queued_with_it_then_marked_sent():
    from crm.models import EmailLog

    with transaction.atomic():
        _send(to=["a@example.org"])
        assert _logs() == [("a@example.org", "queued", "")]  # with the change that caused it
        assert mail.outbox == []

    assert len(mail.outbox) == 1
    assert EmailLog.objects.get().status == EmailLog.Status.SENT
