"""docs/public-api.md, the website's contract, names every public endpoint the OpenAPI schema
has, and no other: each as a heading "### METHOD /api/v1/public/...".
"""

import re
from pathlib import Path

from django.conf import settings
from drf_spectacular.generators import SchemaGenerator

DOC = Path(settings.BASE_DIR) / "docs" / "public-api.md"
HEADING = re.compile(r"^### (GET|POST|PUT|PATCH|DELETE) (/api/v1/public/\S*)$", re.MULTILINE)


def _in_schema() -> set[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        if path.startswith("/api/v1/public/")
        for method in operations
    }


def _in_doc() -> set[tuple[str, str]]:
    return set(HEADING.findall(DOC.read_text()))


def test_it_documents_every_public_endpoint():
    missing = sorted(_in_schema() - _in_doc())
    assert not missing, f"public endpoints not in docs/public-api.md: {missing}"


def test_it_documents_no_endpoint_the_api_does_not_have():
    stale = sorted(_in_doc() - _in_schema())
    assert not stale, f"docs/public-api.md names endpoints the API does not have: {stale}"
