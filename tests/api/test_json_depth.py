"""A deeply nested JSON body (2,000 levels in 4 KB) is a 400 in the API's error shape, not a
RecursionError (500); the signed Stripe webhook refuses it with a 400 and stores nothing."""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from billing.gateways import FakeGateway, use_gateway
from billing.models import StripeEvent
from config.json_depth import MAX_DEPTH, json_too_deep
from crm.roles import MEMBERSHIP
from tests.api.public_helpers import JOIN
from tests.billing.stripe_payloads import WEBHOOK_SECRET, WEBHOOK_URL, sign
from tests.factories import EventFactory, PlanFactory

pytestmark = pytest.mark.django_db

DEEP = "[" * 2000 + "]" * 2000
DEEP_OBJECT = '{"organization": ' + '{"a": ' * 2000 + "1" + "}" * 2001


def test_it_measures_depth_outside_strings_only():
    assert json_too_deep(DEEP.encode())
    assert json_too_deep(DEEP_OBJECT.encode())
    assert not json_too_deep(('{"note": "' + "[" * 5000 + '"}').encode())
    assert not json_too_deep(("[" * MAX_DEPTH + "]" * MAX_DEPTH).encode())
    assert json_too_deep(("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)).encode())


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT])
def test_it_refuses_deep_json_on_the_public_join(body):
    PlanFactory(offered_publicly=True)

    response = APIClient().post(JOIN, data=body, content_type="application/json")

    assert response.status_code == 400
    assert "nested" in response.json()["errors"]["detail"][0]


def test_it_refuses_deep_json_on_a_public_registration():
    event = EventFactory()

    response = APIClient().post(
        f"/api/v1/public/events/{event.slug}/registrations/",
        data=DEEP,
        content_type="application/json",
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["detail"]


def test_it_refuses_deep_json_on_the_staff_notes(make_staff):
    client = APIClient()
    token = Token.objects.create(user=make_staff(MEMBERSHIP))
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = client.post("/api/v1/notes/", data=DEEP_OBJECT, content_type="application/json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["detail"]


def test_it_refuses_a_deep_signed_webhook_and_stores_nothing(settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    with use_gateway(FakeGateway()):
        response = Client().post(
            WEBHOOK_URL,
            data=DEEP_OBJECT,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=sign(DEEP_OBJECT),
        )

    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
