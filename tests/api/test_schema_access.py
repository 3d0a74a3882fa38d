"""The whole API schema and its docs need a staff login; the website's part stays open; a
browser opening a schema address gets its readable docs, not a download."""

import pytest
from rest_framework.test import APIClient

from crm.roles import READ_ONLY

pytestmark = pytest.mark.django_db
BROWSER = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8"}


def test_the_staff_schema_and_docs_need_a_staff_login(client):
    assert APIClient().get("/api/v1/schema/", {"format": "json"}).status_code in (401, 403)
    docs = client.get("/api/v1/docs/")
    browsing = client.get("/api/v1/schema/", **BROWSER)

    assert docs.status_code == 302 and docs["Location"].startswith("/admin/login/")
    assert browsing.status_code == 302 and browsing["Location"].startswith("/admin/login/")


def test_staff_read_the_schema_in_a_browser(client, make_staff):
    client.force_login(make_staff(READ_ONLY))

    browsing = client.get("/api/v1/schema/", **BROWSER)
    docs = client.get(browsing["Location"])
    schema = client.get("/api/v1/schema/", {"format": "json"})

    assert browsing["Location"] == "/api/v1/docs/"
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
    assert "/api/v1/organizations/" in schema.json()["paths"]


def test_the_website_part_stays_open_and_holds_only_the_public_endpoints(client):
    schema = APIClient().get("/api/v1/public/schema/", {"format": "json"})
    docs = client.get("/api/v1/public/docs/")
    browsing = client.get("/api/v1/public/schema/", **BROWSER)

    assert schema.status_code == 200
    assert schema.json()["paths"] and all(
        path.startswith("/api/v1/public/") for path in schema.json()["paths"]
    )
    assert docs.status_code == 200
    assert browsing["Location"] == "/api/v1/public/docs/"
    script = client.get("/api/v1/public/docs/?script=")
    assert b"/api/v1/public/schema/" in script.content
