"""``?ordering=`` on the staff lists ends in the record's id when the fields asked for do not:
rows that tie come in one order on every page, so paging through a list shows each row once."""

import pytest
from rest_framework.test import APIClient

from billing.gateways import FakeGateway, use_gateway
from tests.api.staff.events_data import make_confirmed_registration
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(superuser) -> APIClient:
    api = APIClient()
    api.force_authenticate(superuser)
    return api


def _ids(client, url: str) -> list[int]:
    found, page = [], 1
    while True:
        answer = client.get(f"{url}&page_size=2&page={page}").json()
        found += [row["id"] for row in answer["results"]]
        if answer["next"] is None:
            return found
        page += 1


def test_rows_that_tie_come_by_id_in_the_direction_of_the_last_field(client):
    with use_gateway(FakeGateway()):
        made = [make_confirmed_registration().pk for _ in range(5)]  # none checked in

    newest_first = _ids(client, "/api/v1/registrations/?ordering=-checked_in_at")
    oldest_first = _ids(client, "/api/v1/registrations/?ordering=quantity")

    assert newest_first == sorted(made, reverse=True)
    assert oldest_first == sorted(made)


def test_contacts_that_share_a_name_come_by_id(client):
    contacts = [ContactFactory(last_name="Same").pk for _ in range(4)]

    assert _ids(client, "/api/v1/contacts/?ordering=-last_name") == sorted(contacts, reverse=True)
    assert _ids(client, "/api/v1/contacts/?ordering=last_name") == sorted(contacts)
