"""Abuse of the public API: oversize bodies, bursts from one address, bots filling the honeypot.
Each is refused in the contract's error shape and leaves no rows behind but those accepted."""

import json
from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from api.models import IdempotencyRecord
from api.throttling import PublicRateThrottle
from billing.models import Invoice
from crm.models import Contact, Membership, Organization
from events.models import Registration
from tests.api.public_helpers import JOIN, committing_client, join_body
from tests.factories import EventFactory, PlanFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.9"
REGISTER = "/api/v1/public/events/gala/registrations/"


@pytest.fixture
def api(django_capture_on_commit_callbacks):
    return committing_client(django_capture_on_commit_callbacks)


@pytest.fixture
def plan():
    return PlanFactory(code="business", flat_amount=Decimal("600.00"), requires_review=False)


@pytest.fixture
def gala():
    event = EventFactory(slug="gala", title="Gala")
    TicketTypeFactory(event=event, code="general", non_member_price=Decimal("95.00"), capacity=500)
    return event


@pytest.fixture
def rate(monkeypatch):
    def set_rate(value: str) -> None:
        monkeypatch.setattr(PublicRateThrottle, "THROTTLE_RATES", {"public": value})

    return set_rate


def counts() -> dict[str, int]:
    return {
        "organizations": Organization.objects.count(),
        "contacts": Contact.objects.count(),
        "memberships": Membership.objects.count(),
        "invoices": Invoice.objects.count(),
        "registrations": Registration.objects.count(),
        "idempotency records": IdempotencyRecord.objects.count(),
    }


def applicant(number: int) -> dict:
    return join_body(
        "business",
        organization={
            **join_body("business")["organization"],
            "name": f"Burst Bakery {number}",
            "website": f"https://burst{number}.example",
        },
        contact={**join_body("business")["contact"], "email": f"owner{number}@burst.example"},
    )


def registrant(number: int, **extra) -> dict:
    return {
        "ticket_type": "general",
        "quantity": 1,
        "contact": {"first_name": "Pat", "last_name": f"Doe{number}", "email": f"p{number}@x.ex"},
        **extra,
    }


def assert_too_large(response) -> None:
    assert response.status_code == 413
    assert list(response.json()) == ["errors"]
    assert "too large" in response.json()["errors"]["detail"][0]


# --- Size limits ---------------------------------------------------------------------------


@pytest.mark.parametrize("key", [None, "retry-1"])
def test_it_refuses_an_oversize_join_with_413_and_creates_nothing(api, plan, settings, key):
    before = counts()
    body = join_body("business", message="x" * settings.PUBLIC_API_MAX_BODY_BYTES)
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}

    response = api.post(JOIN, body, format="json", **headers)

    assert_too_large(response)
    assert f"{settings.PUBLIC_API_MAX_BODY_BYTES:,} bytes" in response.json()["errors"]["detail"][0]
    assert counts() == before


def test_it_refuses_an_oversize_registration(api, gala, settings):
    body = registrant(1, attendees=[{"first_name": "A" * 100, "last_name": "B" * 100}] * 400)
    assert len(json.dumps(body)) > settings.PUBLIC_API_MAX_BODY_BYTES

    assert_too_large(api.post(REGISTER, body, format="json"))
    assert Registration.objects.count() == 0


def test_it_refuses_a_body_over_djangos_limit_on_the_staff_api(make_staff, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    staff = APIClient()
    token = Token.objects.create(user=make_staff("Membership"))
    staff.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    body = {"name": "Oversize Org", "directory_text": "x" * 20_000}

    response = staff.post("/api/v1/organizations/", body, format="json")

    assert_too_large(response)
    assert "10,000 bytes" in response.json()["errors"]["detail"][0]
    assert not Organization.objects.exists()
    assert (
        staff.post("/api/v1/organizations/", {"name": "Fine Org"}, format="json").status_code == 201
    )


# --- Bursts from one address ----------------------------------------------------------------


def test_it_throttles_a_burst_of_applications_from_one_address_and_keeps_only_the_accepted(
    api, plan, rate
):
    rate("5/minute")
    before = counts()

    answers = [
        # A forged X-Forwarded-For changes nothing: the address is the connection's.
        api.post(
            JOIN,
            applicant(n),
            format="json",
            REMOTE_ADDR=ADDRESS,
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )
        for n in range(12)
    ]

    codes = [answer.status_code for answer in answers]
    assert codes == [201] * 5 + [429] * 7
    throttled = answers[-1]
    assert list(throttled.json()) == ["errors"]
    assert throttled.json()["errors"]["detail"]
    assert int(throttled["Retry-After"]) > 0
    after = counts()
    assert after["organizations"] - before["organizations"] == 5
    assert after["contacts"] - before["contacts"] == 5
    assert after["memberships"] - before["memberships"] == 5
    assert after["invoices"] - before["invoices"] == 5
    # Another address is not held back by this one.
    other = api.post(JOIN, applicant(99), format="json", REMOTE_ADDR="203.0.113.10")
    assert other.status_code == 201


def test_it_throttles_a_burst_of_registrations_from_one_address(api, gala, rate):
    rate("4/minute")

    codes = [
        api.post(REGISTER, registrant(n), format="json", REMOTE_ADDR=ADDRESS).status_code
        for n in range(10)
    ]

    assert codes == [201] * 4 + [429] * 6
    assert Registration.objects.count() == 4
    assert Invoice.objects.count() == 4
    assert sum(r.quantity for r in Registration.objects.all()) == 4


# --- The honeypot ----------------------------------------------------------------------------


def test_it_turns_away_a_registration_that_fills_the_honeypot(api, gala):
    response = api.post(REGISTER, registrant(1, company_fax="+1 860 555 0100"), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["errors"]
    assert "company_fax" not in json.dumps(response.json())
    assert counts() == {key: 0 for key in counts()}
    assert api.post(REGISTER, registrant(1, company_fax=""), format="json").status_code == 201


def test_it_creates_nothing_for_a_bot_burst_that_fills_the_honeypot(api, plan, gala, rate):
    rate("6/minute")
    bot = {"REMOTE_ADDR": ADDRESS}

    codes = [
        api.post(JOIN, {**applicant(n), "company_fax": "555"}, format="json", **bot).status_code
        for n in range(4)
    ] + [
        api.post(REGISTER, registrant(n, company_fax="555"), format="json", **bot).status_code
        for n in range(4)
    ]

    assert codes == [400] * 4 + [400] * 2 + [429] * 2
    assert counts() == {key: 0 for key in counts()}
