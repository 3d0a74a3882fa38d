import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_it_documents_every_public_endpoint_in_the_schema():
    response = APIClient().get("/api/v1/schema/", {"format": "json"})

    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/v1/public/membership-plans/",
        "/api/v1/public/membership-plans/{code}/quote/",
        "/api/v1/public/join/",
        "/api/v1/public/join/{reference}/",
        "/api/v1/public/investor-levels/",
        "/api/v1/public/invest/",
        "/api/v1/public/invest/{reference}/",
        "/api/v1/public/directory/",
    ]:
        assert path in paths, path
    join = response.json()["components"]["schemas"]["ApplicationOut"]["properties"]
    assert {"reference", "status", "organization", "plan", "quote", "invoice"} <= set(join)
