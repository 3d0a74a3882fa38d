"""Events and hand-recorded payments carry sane dates: the services refuse the rest, naming the
field, for the staff API and the admin alike."""

import pytest
from django.urls import reverse

from crm.roles import EVENTS
from events.models import Event
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db

EVENTS_URL = "/api/v1/events/"


def _body(**overrides) -> dict:
    return {
        "slug": "annual-dinner",
        "title": "Annual Dinner",
        "starts_at": "2027-03-04T18:00:00-05:00",
        "ends_at": "2027-03-04T21:30:00-05:00",
        **overrides,
    }


@pytest.fixture
def events_api(make_staff):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=make_staff(EVENTS))}")
    return client


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"starts_at": "0347-03-04T18:00:00-05:00"}, "starts_at"),
        (
            {"starts_at": "1999-12-31T18:00:00-05:00", "ends_at": "1999-12-31T21:00:00-05:00"},
            "starts_at",
        ),
        (
            {"starts_at": "2099-03-04T18:00:00-05:00", "ends_at": "2099-03-04T21:00:00-05:00"},
            "starts_at",
        ),
        ({"ends_at": "7083-03-04T21:30:00-05:00"}, "ends_at"),
        # A year 1490 once came back with the zone's local mean time offset (-04:56:02), which
        # is not a date-time the schema allows.
        ({"registration_closes_at": "1490-01-01T00:00:00Z"}, "registration_closes_at"),
        ({"registration_opens_at": "0999-06-01T09:00:00-05:00"}, "registration_opens_at"),
    ],
)
def test_it_refuses_an_event_outside_the_sane_range_over_the_api(events_api, overrides, field):
    response = events_api.post(EVENTS_URL, _body(**overrides), format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert not Event.objects.exists()


def test_it_accepts_an_event_within_the_range(events_api):
    assert events_api.post(EVENTS_URL, _body(), format="json").status_code == 201


def test_it_refuses_an_event_ending_in_7083_in_the_admin(client_for):
    event = EventFactory(title="Breakfast")
    url = reverse("admin:events_event_change", args=[event.pk])
    client = client_for(EVENTS)
    from tests.crm.admin_forms import form_data

    data = form_data(client.get(url))
    data["ends_at_0"] = "7083-01-01"

    response = client.post(url, data, follow=True)

    event.refresh_from_db()
    assert event.ends_at.year != 7083
    assert "ends within 31 days" in response.content.decode()
