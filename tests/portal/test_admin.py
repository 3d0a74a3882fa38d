"""Staff send a contact a portal sign-in link from the contact's admin page."""

from datetime import datetime

import pytest
from django.contrib.messages import get_messages
from django.core import mail

from crm.models import EmailLog
from crm.roles import MEMBERSHIP, READ_ONLY
from crm.services.benefits import portal_sign_in_record
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_it_sends_a_sign_in_link_from_the_contacts_page(
    client_for, django_capture_on_commit_callbacks
):
    contact = ContactFactory(first_name="Ana", email="ana@riverfront.example.com")
    client = client_for(MEMBERSHIP)
    page = client.get(f"/admin/crm/contact/{contact.pk}/change/").content.decode()
    assert "never signed in" in page
    assert f"/admin/crm/contact/{contact.pk}/portal-link/" in page
    confirm = client.get(f"/admin/crm/contact/{contact.pk}/portal-link/")
    assert b"ana@riverfront.example.com" in confirm.content

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/crm/contact/{contact.pk}/portal-link/")
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["ana@riverfront.example.com"]
    assert "/members/sign-in/" in message.body
    log = EmailLog.objects.get(template="portal_sign_in")
    assert log.reason == "portal sign-in link sent by staff-membership"


def test_it_says_why_no_link_goes_to_a_contact_without_an_address(client_for):
    contact = ContactFactory(email="")
    client = client_for(MEMBERSHIP)
    response = client.post(f"/admin/crm/contact/{contact.pk}/portal-link/")
    assert response.status_code == 302
    (message,) = get_messages(response.wsgi_request)
    assert "has no email address" in str(message)
    assert not EmailLog.objects.exists()


def test_it_refuses_read_only_staff(client_for):
    contact = ContactFactory()
    response = client_for(READ_ONLY).post(f"/admin/crm/contact/{contact.pk}/portal-link/")
    assert response.status_code == 403
    assert not EmailLog.objects.exists()


def test_the_contacts_page_says_when_they_last_signed_in(client_for, settings):
    settings.TIME_ZONE = "America/New_York"
    contact = ContactFactory()
    for moment in ("2026-11-02T15:04:00+00:00", "2026-11-20T14:30:00+00:00"):
        portal_sign_in_record(contact=contact, at=datetime.fromisoformat(moment))
    portal_sign_in_record(
        contact=ContactFactory(), at=datetime.fromisoformat("2026-12-01T10:00:00+00:00")
    )

    page = client_for(MEMBERSHIP).get(f"/admin/crm/contact/{contact.pk}/change/")

    assert "last signed in Nov 20, 2026 09:30" in page.content.decode()  # the latest, local
