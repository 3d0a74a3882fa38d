"""Public forms mail whatever address was typed: at most MAIL_PER_RECIPIENT_PER_DAY
acknowledgements a day go to one address (the rest are logged as suppressed), and what they say
comes from our own records, never from the submitted free text."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail

from crm.models import EmailLog
from tests.api.public_helpers import INVEST, JOIN, committing_client, invest_body, join_body
from tests.factories import EventFactory, InvestorLevelFactory, PlanFactory, TicketTypeFactory


@pytest.fixture(autouse=True)
def _hartbeat_list(hartbeat):
    """Every test here may sign up to the HartBeat (see tests/conftest.py)."""


pytestmark = pytest.mark.django_db

SPAM = "Cheap pills at spam.example"
VICTIM = "victim@example.org"


@pytest.fixture
def api(django_capture_on_commit_callbacks):
    return committing_client(django_capture_on_commit_callbacks)


def _join(api, n: int, **contact):
    body = join_body("business")
    body["organization"]["name"] = f"{SPAM} {n}"
    body["contact"].update(email=VICTIM, first_name=SPAM, last_name=SPAM, **contact)
    body["message"] = SPAM
    return api.post(JOIN, body, format="json")


def _to_victim():
    return [m for m in mail.outbox if m.to == [VICTIM]]


def _register(api, slug: str):
    body = {
        "ticket_type": "general",
        "quantity": 1,
        "contact": {"first_name": SPAM, "last_name": SPAM, "email": VICTIM},
        "organization": SPAM,
        "attendees": [{"first_name": SPAM, "last_name": SPAM, "email": ""}],
    }
    return api.post(f"/api/v1/public/events/{slug}/registrations/", body, format="json")


def test_it_sends_no_more_than_the_daily_limit_to_one_typed_address(api, settings):
    settings.MAIL_PER_RECIPIENT_PER_DAY = 2
    for n in range(3):
        TicketTypeFactory(event=EventFactory(slug=f"e{n}"), code="general", capacity=10)

    answers = [_register(api, f"e{n}").status_code for n in range(3)]

    assert answers == [201, 201, 201]  # the registrations themselves are taken
    assert len(_to_victim()) == 2
    suppressed = EmailLog.objects.get(status=EmailLog.Status.SUPPRESSED)
    assert suppressed.recipients == VICTIM
    assert suppressed.template == "registration_received"


def test_it_keeps_submitted_text_out_of_the_join_acknowledgement(api):
    PlanFactory(code="business", offered_publicly=True)

    assert _join(api, 1).status_code == 201

    (ack,) = [m for m in _to_victim() if "application" in m.subject]
    assert SPAM not in ack.subject + ack.body
    assert "Cheap" not in ack.body


def test_it_keeps_submitted_text_out_of_the_pledge_acknowledgement(api):
    InvestorLevelFactory(code="partner", minimum_annual_amount=Decimal("5000.00"))
    body = invest_body("partner")
    body["organization"]["name"] = SPAM
    body["contact"].update(email=VICTIM, first_name=SPAM, last_name=SPAM)
    body["message"] = SPAM

    assert api.post(INVEST, body, format="json").status_code == 201

    (ack,) = [m for m in _to_victim() if "commitment" in m.subject]
    assert SPAM not in ack.subject + ack.body


def test_it_keeps_submitted_text_out_of_the_registration_acknowledgement(api):
    event = EventFactory(slug="gala", title="Annual Gala")
    TicketTypeFactory(event=event, code="general", capacity=10)
    body = {
        "ticket_type": "general",
        "quantity": 1,
        "contact": {"first_name": SPAM, "last_name": SPAM, "email": VICTIM},
        "organization": SPAM,
        "attendees": [{"first_name": SPAM, "last_name": SPAM, "email": ""}],
    }

    assert (
        api.post("/api/v1/public/events/gala/registrations/", body, format="json").status_code
        == 201
    )

    (ack,) = _to_victim()
    assert SPAM not in ack.subject + ack.body
    assert "Annual Gala" in ack.body


def test_it_counts_one_address_across_forms_and_letter_cases_including_the_newsletter(
    api, settings
):
    """The count is per address (however it is capitalized) and shared by every public form;
    a newsletter confirmation over the limit is logged as suppressed like the others."""
    settings.MAIL_PER_RECIPIENT_PER_DAY = 1
    TicketTypeFactory(event=EventFactory(slug="gala"), code="general", capacity=10)
    assert _register(api, "gala").status_code == 201

    response = api.post(
        "/api/v1/public/newsletter-subscriptions/",
        {"list": "hartbeat", "email": VICTIM.upper(), "first_name": SPAM, "last_name": SPAM},
        format="json",
    )

    assert response.status_code == 202
    assert len(_to_victim()) == 1
    suppressed = EmailLog.objects.get(status=EmailLog.Status.SUPPRESSED)
    assert suppressed.template == "newsletter_confirm"


def test_it_starts_a_new_count_the_next_day(api, settings):
    import time_machine
    from django.utils import timezone

    settings.MAIL_PER_RECIPIENT_PER_DAY = 1
    for n in range(2):
        TicketTypeFactory(event=EventFactory(slug=f"e{n}"), code="general", capacity=10)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert _register(api, "e0").status_code == 201
        clock.shift(timedelta(days=1))
        assert _register(api, "e1").status_code == 201

    assert len(_to_victim()) == 2
    assert not EmailLog.objects.filter(status=EmailLog.Status.SUPPRESSED).exists()


def test_it_keeps_submitted_text_out_of_the_newsletter_confirmation(api):
    response = api.post(
        "/api/v1/public/newsletter-subscriptions/",
        {"list": "hartbeat", "email": VICTIM, "first_name": SPAM, "last_name": SPAM},
        format="json",
    )

    assert response.status_code == 202
    (confirmation,) = _to_victim()
    assert SPAM not in confirmation.subject + confirmation.body
