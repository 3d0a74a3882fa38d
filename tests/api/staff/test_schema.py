"""The OpenAPI schema is valid and describes every staff endpoint, filter, action and error."""

import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from drf_spectacular.validation import validate_schema
from openapi_spec_validator import validate as validate_spec
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        response = staff_client().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def _staff_paths(schema: dict) -> dict:
    return {p: ops for p, ops in schema["paths"].items() if not p.startswith("/api/v1/public/")}


def test_it_serves_a_valid_openapi_3_schema(schema):
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)  # against the OpenAPI JSON schema
    validate_spec(schema)  # and the semantic checks: references resolve, parameters match


def test_it_describes_every_staff_route(schema):
    documented = _staff_paths(schema)
    for resource in (
        "organizations",
        "contacts",
        "affiliations",
        "notes",
        "membership-plans",
        "investor-levels",
        "memberships",
        "pledges",
    ):
        assert {"get", "post"} <= set(documented[f"/api/v1/{resource}/"])
        assert {"get", "put", "patch"} <= set(documented[f"/api/v1/{resource}/{{id}}/"])
    for action in ("approve", "reject", "drop", "reinstate", "change-plan"):
        assert "post" in documented[f"/api/v1/memberships/{{id}}/{action}/"]
    for action in ("confirm", "decline", "cancel"):
        assert "post" in documented[f"/api/v1/pledges/{{id}}/{action}/"]
    assert set(documented["/api/v1/pledge-renewals/"]) == {"get"}
    assert set(documented["/api/v1/pledge-renewals/{id}/"]) == {"get"}
    for action in ("accept", "decline"):
        assert set(documented[f"/api/v1/pledge-renewals/{{id}}/{action}/"]) == {"post"}
    for resource in ("invoices", "payments", "refunds"):
        assert set(documented[f"/api/v1/{resource}/"]) == {"get"}
        assert set(documented[f"/api/v1/{resource}/{{id}}/"]) == {"get"}
    for action in ("issue", "resend", "void", "write-off", "record-payment", "refund"):
        assert set(documented[f"/api/v1/invoices/{{id}}/{action}/"]) == {"post"}


def test_it_describes_the_filters(schema):
    parameters = {p["name"] for p in schema["paths"]["/api/v1/organizations/"]["get"]["parameters"]}
    assert {
        "status",
        "plan",
        "county",
        "industry",
        "paid_through_after",
        "paid_through_before",
        "overdue",
        "created_after",
        "modified_since",
        "search",
        "ordering",
        "page",
        "page_size",
    } <= parameters
    membership_parameters = {
        p["name"] for p in schema["paths"]["/api/v1/memberships/"]["get"]["parameters"]
    }
    assert {"organization", "status", "plan", "overdue", "modified_since"} <= membership_parameters


def test_it_describes_the_billing_filters(schema):
    def parameters(path: str) -> set[str]:
        return {p["name"] for p in schema["paths"][path]["get"]["parameters"]}

    assert {
        "status",
        "kind",
        "organization",
        "overdue",
        "issued_after",
        "issued_before",
        "due_after",
        "due_before",
        "number",
        "created_after",
        "created_before",
        "modified_since",
        "search",
    } <= parameters("/api/v1/invoices/")
    assert {
        "status",
        "method",
        "organization",
        "invoice",
        "received_after",
        "received_before",
    } <= parameters("/api/v1/payments/")
    assert {"status", "method", "payment", "invoice", "organization"} <= parameters(
        "/api/v1/refunds/"
    )


def _component(schema: dict, ref: str) -> dict:
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]


def test_it_describes_the_invoice_actions(schema):
    def body(action: str) -> dict:
        post = schema["paths"][f"/api/v1/invoices/{{id}}/{action}/"]["post"]
        return _component(
            schema, post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        )

    def answer(action: str, code: str) -> dict:
        post = schema["paths"][f"/api/v1/invoices/{{id}}/{action}/"]["post"]
        return _component(
            schema, post["responses"][code]["content"]["application/json"]["schema"]["$ref"]
        )

    assert body("void")["required"] == ["reason"]
    assert body("write-off")["required"] == ["reason"]
    assert set(body("record-payment")["required"]) == {"method", "amount"}
    assert set(body("refund")["required"]) == {"payment", "reason"}
    assert "requestBody" not in schema["paths"]["/api/v1/invoices/{id}/issue/"]["post"]
    assert "lines" in answer("issue", "200")["properties"]
    assert "refundable" in answer("record-payment", "201")["properties"]
    assert "outcome" in answer("refund", "201")["properties"]


def test_it_describes_the_action_bodies(schema):
    reject = schema["paths"]["/api/v1/memberships/{id}/reject/"]["post"]
    body = reject["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    component = schema["components"]["schemas"][body.rsplit("/", 1)[1]]
    assert component["required"] == ["reason"]


def test_it_describes_the_error_shape_on_every_staff_operation(schema):
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["errors"]
    for path, operations in _staff_paths(schema).items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"401", "403", "429"} <= codes, (method, path)
            if method in {"post", "put", "patch", "delete"}:
                assert {"400", "409", "415"} <= codes, (method, path)
            if "{id}" in path:
                assert "404" in codes, (method, path)
            for code in codes - {"200", "201", "204"}:
                ref = operation["responses"][code]["content"]["application/json"]["schema"]
                assert ref == {"$ref": "#/components/schemas/Error"}


def test_it_documents_the_token_scheme(schema):
    assert schema["components"]["securitySchemes"]["tokenAuth"]["name"] == "Authorization"


def staff_client() -> APIClient:
    client = APIClient()
    client.force_authenticate(UserFactory.build(is_staff=True))
    return client


def test_it_serves_the_docs_without_a_cdn(superuser):
    client = APIClient()
    client.force_login(superuser)
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, html
    assert all(source.startswith("/") for source in sources), sources
    assert "<script>" not in html  # no inline script: the content security policy holds
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert b"/api/v1/schema/" in script.content
    bundle = next(s for s in sources if s.endswith("swagger-ui-bundle.js"))
    assert finders.find(bundle.removeprefix("/static/"))  # shipped in the sidecar package


def test_it_documents_the_idempotency_key_on_every_staff_post(schema):
    for path, operations in _staff_paths(schema).items():
        if "post" in operations:
            headers = {
                p["name"] for p in operations["post"].get("parameters", []) if p["in"] == "header"
            }
            assert "Idempotency-Key" in headers, path


def test_it_describes_events_registrations_and_payouts(schema):
    documented = _staff_paths(schema)
    for resource in ("events", "ticket-types"):
        assert {"get", "post"} <= set(documented[f"/api/v1/{resource}/"])
        assert {"get", "put", "patch"} <= set(documented[f"/api/v1/{resource}/{{id}}/"])
    assert "delete" in documented["/api/v1/ticket-types/{id}/"]
    for action in ("publish", "unpublish", "cancel"):
        assert set(documented[f"/api/v1/events/{{id}}/{action}/"]) == {"post"}
    assert set(documented["/api/v1/registrations/"]) == {"get", "post"}
    assert set(documented["/api/v1/registrations/{id}/"]) == {"get"}
    for action in ("check-in", "undo-check-in", "cancel"):
        assert set(documented[f"/api/v1/registrations/{{id}}/{action}/"]) == {"post"}
    assert set(documented["/api/v1/payouts/"]) == {"get"}
    assert set(documented["/api/v1/payouts/{id}/"]) == {"get"}

    def parameters(path: str) -> set[str]:
        return {p["name"] for p in documented[path]["get"]["parameters"]}

    assert {"status", "starts_after", "starts_before", "search"} <= parameters("/api/v1/events/")
    assert {"event", "status", "checked_in", "organization", "modified_since", "search"} <= (
        parameters("/api/v1/registrations/")
    )
    assert {"event"} <= parameters("/api/v1/ticket-types/")
    assert {"status", "arrival_after", "arrival_before", "reconciled", "modified_since"} <= (
        parameters("/api/v1/payouts/")
    )


def test_it_documents_the_404_of_a_page_past_the_last(schema, membership_api):
    response = membership_api.get("/api/v1/organizations/", {"page": 0})

    assert response.status_code == 404
    assert "errors" in response.json()
    for path, operations in _staff_paths(schema).items():
        if "{" not in path and "get" in operations:
            assert "404" in operations["get"]["responses"], path


def test_it_documents_the_values_a_record_may_hold(schema):
    components = schema["components"]["schemas"]
    # A note written by the system, and the first step of a membership (no "from"), by no one.
    assert components["Note"]["properties"]["author"]["nullable"] is True
    transition = components["MembershipTransition"]["properties"]
    assert transition["by"]["nullable"] is True
    assert {"$ref": "#/components/schemas/BlankEnum"} in transition["from_status"]["oneOf"]
    # Empty until Stripe has made the PDF: a string, not a URL.
    assert "format" not in components["Invoice"]["properties"]["stripe_pdf_url"]
    # The directory listing: headings by slug, the logo's address read-only and null without
    # one, the social links writable: an address, or empty.
    organization = components["Organization"]["properties"]
    assert organization["directory_categories"]["items"]["type"] == "string"
    assert "readOnly" not in organization["directory_categories"]
    assert organization["logo_url"]["readOnly"] is True
    assert organization["logo_url"]["nullable"] is True
    for network in ("linkedin", "facebook", "instagram", "x", "youtube"):
        link = organization[f"{network}_url"]
        assert {"type": "string", "format": "uri", "maxLength": 300} in link["oneOf"]
        assert {"type": "string", "maxLength": 0} in link["oneOf"]
        assert "readOnly" not in link


def test_it_documents_the_415_of_a_body_it_does_not_read(schema, membership_api):
    organization = membership_api.post("/api/v1/organizations/", {"name": "Acme"}, format="json")

    response = membership_api.patch(
        f"/api/v1/organizations/{organization.json()['id']}/",
        "name=Acme",
        content_type="text/plain",
    )

    assert response.status_code == 415
    assert "errors" in response.json()
    assert "415" in schema["paths"]["/api/v1/organizations/{id}/"]["patch"]["responses"]
