import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_it_documents_every_public_endpoint_in_the_schema():
    response = APIClient().get("/api/v1/public/schema/", {"format": "json"})

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
        "/api/v1/public/newsletters/",
        "/api/v1/public/newsletter-subscriptions/",
    ]:
        assert path in paths, path
    join = response.json()["components"]["schemas"]["ApplicationOut"]["properties"]
    assert {"reference", "status", "organization", "plan", "quote", "invoice"} <= set(join)


def _public_operations(paths: dict) -> list[tuple[str, str, dict]]:
    return [
        (method, path, operation)
        for path, operations in paths.items()
        if path.startswith("/api/v1/public/")
        for method, operation in operations.items()
    ]


def test_it_documents_the_error_answers_of_every_public_endpoint():
    schema = APIClient().get("/api/v1/public/schema/", {"format": "json"}).json()

    for method, path, operation in _public_operations(schema["paths"]):
        codes = set(operation["responses"])
        assert "429" in codes, (method, path)
        assert not {"401", "403"} & codes, (method, path)
        if method == "post":
            assert {"400", "409", "415"} <= codes, (method, path)
        if "{" in path:
            assert "404" in codes, (method, path)
        for code in {c for c in codes if not c.startswith("2")}:
            content = operation["responses"][code]["content"]["application/json"]
            assert content["schema"] == {"$ref": "#/components/schemas/Error"}, (code, path)


def test_it_documents_the_directory_as_paginated():
    schema = APIClient().get("/api/v1/public/schema/", {"format": "json"}).json()

    directory = schema["paths"]["/api/v1/public/directory/"]["get"]
    answer = directory["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer == {"$ref": "#/components/schemas/PaginatedDirectoryEntryOutList"}
    assert {"q", "page", "page_size"} <= {p["name"] for p in directory["parameters"]}
    assert "404" in directory["responses"]  # a page past the last


def test_it_documents_the_quote_only_in_the_answer_to_join():
    schema = APIClient().get("/api/v1/public/schema/", {"format": "json"}).json()

    def answer(path: str, method: str, code: str) -> dict:
        content = schema["paths"][path][method]["responses"][code]["content"]
        ref = content["application/json"]["schema"]["$ref"]
        return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]

    created = answer("/api/v1/public/join/", "post", "201")
    state = answer("/api/v1/public/join/{reference}/", "get", "200")
    assert "quote" in created["required"]
    assert "quote" not in state["properties"]
    assert set(state["required"]) == set(created["required"]) - {"quote"}
