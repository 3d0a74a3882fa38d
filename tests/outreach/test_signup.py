"""The HartBeat sign-up end to end: the website's form posts to the public API, the confirmation
mail goes through a real SMTP server, the link in it confirms, and the one-click unsubscribe
in the list mail's headers takes the address off. Consent is recorded at each step."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.utils import timezone

from crm.models import EmailLog
from outreach.models import ConsentRecord, NewsletterList, Subscriber, Subscription
from tests.factories import AffiliationFactory, ContactFactory

pytestmark = pytest.mark.django_db

SIGN_UP = "/api/v1/public/newsletter-subscriptions/"
BROWSER = "Mozilla/5.0 (Macintosh) Safari/605"


def sign_up(api, email="dana@riverfront.example", **extra):
    body = {"list": "hartbeat", "email": email, "first_name": "Dana", "last_name": "Reyes"}
    body.update(extra)
    return api.post(
        SIGN_UP, body, format="json", REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT=BROWSER
    )


def path_of(url: str) -> str:
    return urlsplit(url).path


def test_it_seeds_the_hartbeat_list():
    hartbeat = NewsletterList.objects.get(code="hartbeat")

    assert hartbeat.is_public
    assert "unsubscribe at any time" in hartbeat.consent_wording


def test_it_signs_up_confirms_through_the_mail_and_unsubscribes_in_one_click(api, inbox, browser):
    response = sign_up(api, email="  Dana@Riverfront.example ")

    assert response.status_code == 202, response.content
    assert response.json()["status"] == "confirmation_sent"
    subscription = Subscription.objects.get()
    assert subscription.status == Subscription.Status.PENDING
    assert subscription.subscriber.email == "dana@riverfront.example"

    # The confirmation mail, as the SMTP server received it.
    (confirmation,) = inbox.to("dana@riverfront.example")
    assert "confirm" in confirmation["Subject"].lower()
    assert confirmation["List-Unsubscribe"] is None  # not a list mail: nothing to leave yet
    link = inbox.link(confirmation, "/newsletters/confirm/")

    visitor = browser()
    page = visitor.get(path_of(link))
    assert page.status_code == 200
    assert b"Yes, subscribe me" in page.content
    subscription.refresh_from_db()
    assert (
        subscription.status == Subscription.Status.PENDING
    )  # a mail scanner's GET confirms nothing

    done = visitor.post(path_of(link), HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="198.51.100.4")
    assert done.status_code == 200
    assert b"You are subscribed" in done.content
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.CONFIRMED
    assert subscription.confirmed_at is not None

    # The welcome mail is a list mail: RFC 8058 headers and the link in its text.
    welcome = inbox.to("dana@riverfront.example")[-1]
    assert welcome["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = welcome["List-Unsubscribe"]
    https, mailto = re.findall(r"<([^>]+)>", header)
    assert https.startswith("http") and "/newsletters/unsubscribe/" in https
    assert mailto.startswith("mailto:")
    assert https in inbox.text(welcome)

    # The mail program's one-click unsubscribe: a POST, no login, no CSRF token.
    one_click = browser(enforce_csrf_checks=True).post(
        path_of(https),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert one_click.status_code == 200
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.UNSUBSCRIBED
    assert subscription.unsubscribed_at is not None

    actions = list(ConsentRecord.objects.order_by("at", "pk").values_list("action", "source"))
    assert actions == [
        ("requested", "website"),
        ("confirmed", "email_link"),
        ("unsubscribed", "one_click"),
    ]


def test_it_records_the_consent_with_when_where_and_the_wording_shown(api, inbox):
    hartbeat = NewsletterList.objects.get(code="hartbeat")

    sign_up(api)

    consent = ConsentRecord.objects.get()
    assert consent.action == ConsentRecord.Action.REQUESTED
    assert consent.source == ConsentRecord.Source.WEBSITE
    assert consent.newsletter == hartbeat
    assert consent.email == "dana@riverfront.example"
    assert consent.wording == hartbeat.consent_wording
    assert consent.ip_address == "203.0.113.7"
    assert consent.user_agent == BROWSER
    assert abs(consent.at - timezone.now()) < timedelta(minutes=1)


def test_it_reads_the_client_address_through_the_trusted_proxy_only(api, inbox, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}

    api.post(
        SIGN_UP,
        {"email": "lee@example.org"},
        format="json",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.44",
    )

    assert ConsentRecord.objects.get().ip_address == "192.0.2.44"


def test_it_sends_an_unconfirmed_address_nothing_more(api, inbox):
    sign_up(api)
    sign_up(api)
    with time_machine.travel(timezone.now() + timedelta(hours=23)):
        again = sign_up(api)

    assert again.status_code == 202
    assert len(inbox.to("dana@riverfront.example")) == 1
    assert Subscription.objects.get().status == Subscription.Status.PENDING
    assert ConsentRecord.objects.filter(action="requested").count() == 3  # each request kept
    assert EmailLog.objects.filter(template="newsletter_confirm").count() == 1


def test_it_answers_the_same_for_an_address_already_subscribed(api, inbox):
    first = sign_up(api)
    Subscription.objects.update(status=Subscription.Status.CONFIRMED)

    second = sign_up(api)

    assert second.status_code == first.status_code == 202
    assert second.json() == first.json()
    assert len(inbox.to("dana@riverfront.example")) == 1


def test_it_links_the_subscriber_to_the_contact_with_that_address(api, inbox):
    contact = ContactFactory(email="dana@riverfront.example")

    sign_up(api, email="DANA@riverfront.example")

    assert Subscriber.objects.get().contact == contact
    assert contact.__class__.objects.count() == 1  # never a second person


def test_it_links_a_subscriber_who_becomes_a_contact_later(api, inbox):
    sign_up(api)

    contact = AffiliationFactory(contact__email="Dana@Riverfront.example").contact

    assert Subscriber.objects.get().contact == contact
    assert list(contact.subscribers.all()) == [Subscriber.objects.get()]


def test_it_shows_a_contacts_subscriptions_on_their_admin_page(api, inbox, client_for):
    contact = ContactFactory(email="dana@riverfront.example")
    sign_up(api)

    page = client_for("Membership").get(f"/admin/crm/contact/{contact.pk}/change/")
    hidden = client_for("Finance").get(f"/admin/crm/contact/{contact.pk}/change/")

    assert page.status_code == hidden.status_code == 200
    assert b"Newsletter subscriptions" in page.content
    assert b"The HartBeat" in page.content
    assert b"Waiting for confirmation" in page.content
    assert b"Newsletter subscriptions" not in hidden.content  # Finance sees no subscriptions


def test_it_refuses_an_unknown_list_and_a_bad_address_in_the_contract_shape(api, inbox):
    unknown = sign_up(api, list="nope")
    bad = sign_up(api, email="not-an-address")

    assert unknown.status_code == bad.status_code == 400
    assert "list" in unknown.json()["errors"]
    assert "email" in bad.json()["errors"]
    assert not Subscription.objects.exists()
    assert not inbox.messages


def test_it_turns_away_a_filled_honeypot(api, inbox):
    response = sign_up(api, company_fax="555-0100")

    assert response.status_code == 400
    assert not Subscriber.objects.exists()
    assert not inbox.messages


def test_it_refuses_an_oversize_body_with_413(api, inbox):
    response = api.post(
        SIGN_UP, {"email": "a@example.org", "organization": "x" * 70_000}, format="json"
    )

    assert response.status_code == 413
    assert not Subscriber.objects.exists()


def test_it_sends_cors_headers_for_the_website(api, inbox, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://www.metrohartford.example"]

    response = api.post(
        SIGN_UP,
        {"email": "a@example.org"},
        format="json",
        HTTP_ORIGIN="https://www.metrohartford.example",
    )

    assert response.status_code == 202
    assert response["Access-Control-Allow-Origin"] == "https://www.metrohartford.example"


def test_it_lists_the_lists_offered_with_their_wording(api):
    NewsletterList.objects.create(
        code="staff-only", name="Board notes", consent_wording="x", is_public=False
    )

    response = api.get("/api/v1/public/newsletters/")

    assert response.status_code == 200
    assert [row["code"] for row in response.json()] == ["hartbeat"]
    assert "unsubscribe at any time" in response.json()[0]["consent_wording"]


def test_it_refuses_a_tampered_or_expired_confirmation_link(api, inbox, browser, settings):
    sign_up(api)
    link = path_of(inbox.link(inbox.messages[0], "/newsletters/confirm/"))

    tampered = browser().post(link[:-3] + "x/")
    with time_machine.travel(timezone.now() + timedelta(days=settings.NEWSLETTER_CONFIRM_DAYS + 1)):
        expired = browser().post(link)

    assert tampered.status_code == expired.status_code == 400
    assert b"expired" in expired.content
    assert Subscription.objects.get().status == Subscription.Status.PENDING


def test_it_confirms_once_however_often_the_link_is_followed(api, inbox, browser):
    sign_up(api)
    link = path_of(inbox.link(inbox.messages[0], "/newsletters/confirm/"))

    browser().post(link)
    browser().post(link)

    assert ConsentRecord.objects.filter(action="confirmed").count() == 1
    assert len(inbox.messages) == 2  # the confirmation and one welcome


def test_it_shows_a_page_that_confirms_before_unsubscribing(api, inbox, browser):
    sign_up(api)
    browser().post(path_of(inbox.link(inbox.messages[0], "/newsletters/confirm/")))
    https = re.findall(r"<([^>]+)>", inbox.messages[-1]["List-Unsubscribe"])[0]

    page = browser().get(path_of(https))
    assert page.status_code == 200
    assert b"Unsubscribe</button>" in page.content
    assert Subscription.objects.get().status == Subscription.Status.CONFIRMED

    browser().post(path_of(https))
    assert Subscription.objects.get().status == Subscription.Status.UNSUBSCRIBED
    assert ConsentRecord.objects.get(action="unsubscribed").source == "email_link"


def test_it_takes_a_new_confirmation_to_come_back_after_unsubscribing(api, inbox, browser):
    sign_up(api)
    confirm = path_of(inbox.link(inbox.messages[0], "/newsletters/confirm/"))
    browser().post(confirm)
    https = re.findall(r"<([^>]+)>", inbox.messages[-1]["List-Unsubscribe"])[0]
    browser().post(
        path_of(https),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    old_link = browser().post(confirm)

    assert old_link.status_code == 409
    assert Subscription.objects.get().status == Subscription.Status.UNSUBSCRIBED
