"""Brute-force protection of /admin/login/ (issue #17 item 5): failures lock a user name out per
address and, after more, from every address, for a cool-off; the answer is a page, not a 500."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone

from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"
LOGIN = "/admin/login/?next=/admin/"


def _sign_in(client: Client, username: str, password: str, address: str):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def _signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


@pytest.fixture
def staff(db):
    return UserFactory(username="pat")


@pytest.mark.django_db
def test_it_locks_a_user_name_out_from_one_address_until_the_cool_off_passes(staff):
    other = UserFactory(username="lee")
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
            response = _sign_in(client, "pat", "wrong", "203.0.113.5")
            assert response.status_code == 200  # the login form again, with its error
        locked = _sign_in(client, "pat", "wrong", "203.0.113.5")
        assert locked.status_code == 429
        assert b"Sign-in paused" in locked.content
        assert "0:15:00" in locked.content.decode()

        # The right password is refused too, with the same page.
        refused = _sign_in(client, "pat", PASSWORD, "203.0.113.5")
        assert refused.status_code == 429
        assert b"Sign-in paused" in refused.content
        assert "_auth_user_id" not in client.session

        # Another user from that address, and the same user from another address, go on.
        assert _signed_in(_sign_in(Client(), other.username, PASSWORD, "203.0.113.5"))
        assert _signed_in(_sign_in(Client(), "pat", PASSWORD, "198.51.100.7"))

        clock.shift(timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES - 1))
        assert _sign_in(client, "pat", PASSWORD, "203.0.113.5").status_code == 429
        # That failure started the wait again.
        clock.shift(timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES, seconds=1))
        assert _signed_in(_sign_in(client, "pat", PASSWORD, "203.0.113.5"))


@pytest.mark.django_db
def test_it_locks_a_user_name_out_everywhere_after_more_failures_from_many_addresses(staff):
    limit = settings.LOGIN_USERNAME_FAILURE_LIMIT
    per_address = settings.LOGIN_FAILURE_LIMIT - 1  # never enough to lock one address
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for n in range(limit):
            response = _sign_in(Client(), "pat", "wrong", f"192.0.2.{n // per_address + 1}")
        assert response.status_code == 429
        # A fresh address, the right password: still refused. Other users are not.
        assert _sign_in(Client(), "pat", PASSWORD, "198.51.100.99").status_code == 429
        assert _signed_in(_sign_in(Client(), UserFactory().username, PASSWORD, "198.51.100.99"))
        clock.shift(timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES, seconds=1))
        assert _signed_in(_sign_in(Client(), "pat", PASSWORD, "198.51.100.99"))


@pytest.mark.django_db
def test_it_counts_failures_by_the_address_the_trusted_proxy_saw(staff, settings):
    """X-Forwarded-For is read only NUM_PROXIES deep: a caller who writes a new address into it
    on every try is still counted as the proxy's client."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    client = Client()
    for n in range(settings.LOGIN_FAILURE_LIMIT):
        response = client.post(
            LOGIN,
            {"username": "pat", "password": "wrong"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.5",
        )
    assert response.status_code == 429
    # The same user behind the proxy from another client is not locked out.
    other = client.post(
        LOGIN,
        {"username": "pat", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert _signed_in(other)
