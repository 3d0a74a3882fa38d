import email
import email.policy
import re
import socket
import threading
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings

from tests.api.public_helpers import committing_client


@pytest.fixture(autouse=True)
def _hartbeat_list(hartbeat):
    """Every test here may sign up to the HartBeat (see tests/conftest.py)."""


class Inbox:
    """What a real SMTP server on 127.0.0.1 received, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]

    @staticmethod
    def text(message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("plain",))
        assert part is not None
        return part.get_content()

    @classmethod
    def link(cls, message: EmailMessage, pattern: str) -> str:
        found = re.search(rf"https?://\S*{pattern}\S*/", cls.text(message))
        assert found, cls.text(message)
        return found.group(0)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    """An SMTP server in this process, and Django's SMTP backend pointed at it."""
    handler = Inbox()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    mailer = {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
    }
    try:
        with override_settings(MAILERS={"default": mailer}):
            yield handler
    finally:
        controller.stop()


@pytest.fixture
def api(django_capture_on_commit_callbacks):
    return committing_client(django_capture_on_commit_callbacks)


@pytest.fixture
def browser(django_capture_on_commit_callbacks):
    """A browser (Django's test client, CSRF checks on as in a real one) whose requests run
    their on-commit work (mail, webhooks) as a real commit would."""
    from django.test import Client

    class Browser(Client):
        def request(self, **request):  # type: ignore[no-untyped-def]
            with django_capture_on_commit_callbacks(execute=True):
                return super().request(**request)

    return Browser
