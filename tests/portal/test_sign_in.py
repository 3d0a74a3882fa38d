"""Signing in to the portal by emailed link: one-time, short-lived, throttled, the same answer
for every address, and never a way into the admin or the staff API."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from crm.models import EmailLog
from portal.models import PortalAccount
from portal.selectors import last_sign_in_of
from portal.views import SESSION_KEY
from tests.portal.conftest import signed_in

pytestmark = pytest.mark.django_db


def ask_for_link(client: Client, email: str, capture, **extra):  # type: ignore[no-untyped-def]
    with capture(execute=True):
        return client.post("/members/sign-in/", {"email": email}, **extra)


def link_path(message) -> str:  # type: ignore[no-untyped-def]
    match = re.search(r"https?://[^/\s]+(/members/sign-in/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def _page(response, email: str) -> bytes:  # type: ignore[no-untyped-def]
    """The page with the typed address and the form's CSRF token (new each time) left out."""
    content = response.content.replace(email.encode(), b"X")
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", content)


@pytest.fixture
def dana(portal_world):
    return portal_world.primary.contact


def test_it_signs_in_from_the_link_in_the_mail(dana, django_capture_on_commit_callbacks):
    client = Client()
    response = ask_for_link(
        client, "  DANA@frontstreet.example.com ", django_capture_on_commit_callbacks
    )
    assert response.status_code == 200
    assert b"Check your email" in response.content
    (message,) = mail.outbox
    assert message.to == ["dana@frontstreet.example.com"]
    assert "works once, for 15 minutes" in message.body
    path = link_path(message)

    page = client.get(path)  # a mail scanner's GET uses nothing up
    assert page.status_code == 200
    assert b"Sign in as Dana Rivera" in page.content
    assert SESSION_KEY not in client.session

    response = client.post(path)
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == dana.pk
    assert client.get(response["Location"], follow=True).status_code == 200
    # Recorded once, in crm's PortalSignIn (where the engagement score counts it), and read
    # from there as the last sign-in.
    (signed_in_at,) = dana.portal_sign_ins.values_list("signed_in_at", flat=True)
    assert last_sign_in_of(dana) == signed_in_at
    assert PortalAccount.objects.get(contact=dana).user.last_login == signed_in_at
    log = EmailLog.objects.get(template="portal_sign_in")
    assert log.contact == dana and "asked for on the sign-in page" in log.reason


def test_it_answers_the_same_for_an_unknown_address(dana, django_capture_on_commit_callbacks):
    known = ask_for_link(
        Client(), "dana@frontstreet.example.com", django_capture_on_commit_callbacks
    )
    unknown = ask_for_link(
        Client(), "nobody@frontstreet.example.com", django_capture_on_commit_callbacks
    )

    assert known.status_code == unknown.status_code == 200
    assert _page(known, "dana@frontstreet.example.com") == _page(
        unknown, "nobody@frontstreet.example.com"
    )
    assert len(mail.outbox) == 1  # only the known address got mail
    assert not PortalAccount.objects.exclude(contact=dana).exists()


def test_it_refuses_a_used_link(dana, django_capture_on_commit_callbacks):
    ask_for_link(Client(), dana.email, django_capture_on_commit_callbacks)
    path = link_path(mail.outbox[0])
    assert Client().post(path).status_code == 302

    again = Client()
    response = again.post(path)
    assert response.status_code == 400
    assert b"expired or has already been used" in response.content
    assert SESSION_KEY not in again.session
    assert again.get(path).status_code == 400


def test_it_refuses_an_older_link_once_a_newer_one_is_used(
    dana, django_capture_on_commit_callbacks
):
    ask_for_link(Client(), dana.email, django_capture_on_commit_callbacks)
    ask_for_link(Client(), dana.email, django_capture_on_commit_callbacks)
    older, newer = (link_path(message) for message in mail.outbox)
    assert Client().post(newer).status_code == 302
    assert Client().post(older).status_code == 400


def test_it_refuses_an_expired_link(dana, django_capture_on_commit_callbacks):
    ask_for_link(Client(), dana.email, django_capture_on_commit_callbacks)
    path = link_path(mail.outbox[0])
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        client = Client()
        response = client.post(path)
    assert response.status_code == 400
    assert SESSION_KEY not in client.session
    with time_machine.travel(timezone.now() + timedelta(minutes=14)):
        assert Client().post(path).status_code == 302


@pytest.mark.parametrize("where", [0, 5, -3])
def test_it_refuses_a_tampered_link(dana, where, django_capture_on_commit_callbacks):
    ask_for_link(Client(), dana.email, django_capture_on_commit_callbacks)
    path = link_path(mail.outbox[0])
    token = path.removeprefix("/members/sign-in/").removesuffix("/")
    swapped = "B" if token[where] != "B" else "C"
    tampered = token[:where] + swapped + token[where + 1 :]
    assert tampered != token and len(tampered) == len(token)
    client = Client()
    assert client.post(f"/members/sign-in/{tampered}/").status_code == 400
    assert SESSION_KEY not in client.session
    assert Client().post(path).status_code == 302  # the real one still works


def test_it_throttles_requests_for_one_address(dana, settings, django_capture_on_commit_callbacks):
    settings.PORTAL_LINK_REQUESTS_PER_ADDRESS = 3
    for n in range(3):
        client = Client(REMOTE_ADDR=f"203.0.113.{n}")
        assert (
            ask_for_link(client, dana.email, django_capture_on_commit_callbacks).status_code == 200
        )
    refused = ask_for_link(
        Client(REMOTE_ADDR="203.0.113.9"), dana.email, django_capture_on_commit_callbacks
    )
    assert refused.status_code == 429
    assert b"Too many sign-in links" in refused.content
    assert len(mail.outbox) == 3
    # An unknown address is counted the same way, so the limit tells nobody which exist.
    for n in range(3):
        client = Client(REMOTE_ADDR=f"198.51.100.{n}")
        ask_for_link(client, "ghost@example.com", django_capture_on_commit_callbacks)
    ghost = ask_for_link(
        Client(REMOTE_ADDR="198.51.100.9"), "ghost@example.com", django_capture_on_commit_callbacks
    )
    assert ghost.status_code == 429
    assert _page(ghost, "ghost@example.com") == _page(refused, dana.email)


def test_it_throttles_requests_from_one_client(dana, settings, django_capture_on_commit_callbacks):
    settings.PORTAL_LINK_REQUESTS_PER_CLIENT = 5
    client = Client(REMOTE_ADDR="203.0.113.7")
    for n in range(5):
        assert (
            ask_for_link(
                client, f"guess{n}@example.com", django_capture_on_commit_callbacks
            ).status_code
            == 200
        )
    response = ask_for_link(client, dana.email, django_capture_on_commit_callbacks)
    assert response.status_code == 429
    assert mail.outbox == []
    other = Client(REMOTE_ADDR="203.0.113.8")
    assert ask_for_link(other, dana.email, django_capture_on_commit_callbacks).status_code == 200


def test_it_explains_a_bad_address(db):
    response = Client().post("/members/sign-in/", {"email": "not an address"})
    assert response.status_code == 400
    assert b"Enter an email address" in response.content


def test_it_never_grants_staff_rights(dana):
    client = signed_in(dana)
    user = PortalAccount.objects.get(contact=dana).user
    assert not user.is_staff and not user.is_superuser and not user.has_usable_password()
    assert user.groups.count() == 0
    admin = client.get("/admin/")
    assert admin.status_code == 302 and "/admin/login/" in admin["Location"]
    assert client.get("/api/v1/organizations/").status_code in (401, 403)
    assert "_auth_user_id" not in client.session


def test_it_refuses_links_and_ends_sessions_of_a_portal_user_made_staff(
    dana, django_capture_on_commit_callbacks
):
    ask_for_link(Client(), dana.email, django_capture_on_commit_callbacks)
    path = link_path(mail.outbox[0])
    client = signed_in(dana)
    PortalAccount.objects.get(contact=dana).user.__class__.objects.filter(
        portal_account__contact=dana
    ).update(is_staff=True)

    assert Client().post(path).status_code == 400
    response = client.get(f"/members/{dana.affiliations.get().organization_id}/")
    assert response.status_code == 302 and response["Location"].startswith("/members/sign-in/")


def test_it_signs_out(dana):
    client = signed_in(dana)
    response = client.post("/members/sign-out/")
    assert response.status_code == 302
    assert SESSION_KEY not in client.session
    assert client.get("/members/me/").status_code == 302
    assert client.get("/members/sign-out/").status_code == 405  # a link cannot sign anyone out


def test_it_refuses_to_take_over_a_login_that_happens_to_have_the_portal_name(dana):
    from core.exceptions import ServiceError
    from portal.services import portal_send_sign_in_link
    from tests.factories import UserFactory

    staff = UserFactory(username=f"portal-contact-{dana.pk}")
    with pytest.raises(ServiceError, match="already exists"):
        portal_send_sign_in_link(contact=dana)
    assert not PortalAccount.objects.filter(user=staff).exists()
    assert mail.outbox == []
