"""What the website needs to send people to the member portal: `portal_url` in the answers of
joining, investing and registering, and POST portal/sign-in-link/, which mails a sign-in link
(the portal's own service) and answers the same whether or not the address is on file."""

import pytest
from django.core import mail
from django.test import override_settings

from tests.api.public_helpers import INVEST, JOIN, committing_client, invest_body, join_body
from tests.factories import (
    BracketPlanFactory,
    ContactFactory,
    InvestorLevelFactory,
    TicketTypeFactory,
)

pytestmark = pytest.mark.django_db
LINK = "/api/v1/public/portal/sign-in-link/"
PORTAL = "http://127.0.0.1:8000/members/sign-in/"


@pytest.fixture
def api(django_capture_on_commit_callbacks):
    return committing_client(django_capture_on_commit_callbacks)


@override_settings(SITE_URL="http://127.0.0.1:8000")
def test_it_answers_the_same_for_a_known_and_an_unknown_address(api):
    ContactFactory(first_name="Ana", email="ana@riverfront.example")
    known = api.post(LINK, {"email": "Ana@Riverfront.example"}, format="json")
    unknown = api.post(LINK, {"email": "nobody@nowhere.example"}, format="json")
    assert known.status_code == unknown.status_code == 202
    assert known.content == unknown.content
    assert known.json()["portal_url"] == PORTAL
    assert [m.to for m in mail.outbox] == [["ana@riverfront.example"]]
    assert "http://127.0.0.1:8000/members/sign-in/" in mail.outbox[0].body  # the link itself
    # no staff data: nothing of the contact in the answer
    assert b"Ana" not in known.content


@override_settings(PORTAL_LINK_REQUESTS_PER_ADDRESS=2)
def test_it_is_throttled_per_address_like_the_sign_in_page(api):
    ContactFactory(email="ana@riverfront.example")
    for _ in range(2):
        assert api.post(LINK, {"email": "ana@riverfront.example"}, format="json").status_code == 202
    refused = api.post(LINK, {"email": "ana@riverfront.example"}, format="json")
    assert refused.status_code == 429
    assert refused["Retry-After"]
    assert "Too many sign-in links" in refused.json()["errors"]["detail"][0]
    assert len(mail.outbox) == 2
    # an unknown address counts alike, so the limit reveals nothing either
    for _ in range(2):
        api.post(LINK, {"email": "nobody@nowhere.example"}, format="json")
    assert api.post(LINK, {"email": "nobody@nowhere.example"}, format="json").status_code == 429


def test_it_refuses_a_bad_address_naming_the_field(api):
    response = api.post(LINK, {"email": "not an address"}, format="json")
    assert response.status_code == 400
    assert "email" in response.json()["errors"]
    assert mail.outbox == []


def test_the_honeypot_sends_nothing(api):
    ContactFactory(email="ana@riverfront.example")
    response = api.post(
        LINK, {"email": "ana@riverfront.example", "company_fax": "555"}, format="json"
    )
    assert response.status_code == 400
    assert mail.outbox == []


@override_settings(SITE_URL="http://127.0.0.1:8000")
def test_join_invest_and_register_answers_say_where_the_portal_is(api):
    BracketPlanFactory(code="business", name="Business", proration="none")
    joined = api.post(JOIN, join_body("business"), format="json")
    assert joined.status_code == 201
    assert joined.json()["portal_url"] == PORTAL
    assert api.get(f"{JOIN}{joined.json()['reference']}/").json()["portal_url"] == PORTAL

    InvestorLevelFactory(code="leadership")
    invested = api.post(INVEST, invest_body("leadership"), format="json")
    assert invested.status_code == 201, invested.json()
    assert invested.json()["portal_url"] == PORTAL

    ticket = TicketTypeFactory()
    registered = api.post(
        f"/api/v1/public/events/{ticket.event.slug}/registrations/",
        {
            "ticket_type": ticket.code,
            "quantity": 1,
            "contact": {"first_name": "Ana", "last_name": "Lopez", "email": "ana@x.example"},
        },
        format="json",
    )
    assert registered.status_code == 201, registered.json()
    assert registered.json()["portal_url"] == PORTAL
