"""Request bodies for the public API tests, as the website sends them."""

import copy
from datetime import date
from typing import Any

JOIN = "/api/v1/public/join/"
INVEST = "/api/v1/public/invest/"


def join_body(plan_code: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "plan": plan_code,
        "organization": {
            "name": "Riverfront Bakery LLC",
            "website": "https://riverfrontbakery.example",
            "employees": 25,
            "phone": "860-555-0142",
            "address": {
                "line1": "1 Main St",
                "line2": "",
                "city": "Hartford",
                "state": "CT",
                "postal_code": "06103",
            },
            "industry": "Food and drink",
            "directory_listed": True,
        },
        "contact": {
            "first_name": "Ana",
            "last_name": "Lopez",
            "email": "ana@riverfrontbakery.example",
            "phone": "860-555-0143",
            "title": "Owner",
        },
        "billing_contact": None,
        "start": date.today().isoformat(),
        "message": "We bake.",
    }
    body.update(copy.deepcopy(changes))
    return body


def invest_body(level_code: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "level": level_code,
        "annual_amount": "10000.00",
        "term_years": 3,
        "installments_per_year": 4,
        "start": date.today().isoformat(),
        "organization": {
            "name": "Capitol Insurance Group",
            "website": "capitolinsurance.example",
            "employees": 400,
            "address": {"city": "Hartford", "state": "CT", "postal_code": "06103"},
        },
        "contact": {
            "first_name": "Sam",
            "last_name": "Chen",
            "email": "sam@capitolinsurance.example",
            "title": "CFO",
        },
        "message": "",
    }
    body.update(copy.deepcopy(changes))
    return body


def with_path(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of body with the dotted path set to value."""
    body = copy.deepcopy(body)
    *parents, last = path.split(".")
    node = body
    for name in parents:
        node = node[name]
    node[last] = value
    return body


def committing_client(capture):  # type: ignore[no-untyped-def]
    """An APIClient whose requests run their on-commit work (mail) as a real commit would;
    `capture` is pytest-django's django_capture_on_commit_callbacks."""
    from rest_framework.test import APIClient

    class Client(APIClient):
        def request(self, **kwargs):  # type: ignore[no-untyped-def]
            with capture(execute=True):
                return super().request(**kwargs)

    return Client()
