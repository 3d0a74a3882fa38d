"""A role without the check-in permission gets the site's own 403 page saying why, not a bare
"403 Forbidden"."""

import pytest

from crm.roles import READ_ONLY
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db


def test_a_role_without_check_in_gets_a_page_saying_why(client_for):
    event = EventFactory()

    response = client_for(READ_ONLY).get(f"/admin/events/event/{event.pk}/check-in/")

    html = response.content.decode()
    assert response.status_code == 403
    assert "css/site.css" in html and "MetroHartford Alliance" in html
    assert "You are not allowed to open this page" in html
    assert "needs the permission to change registrations" in html
    assert "staff-read-only" in html and 'href="/admin/"' in html
