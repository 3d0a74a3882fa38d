"""The website's endpoints (docs/public-api.md): quote, join, events, registration, directory
search."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

from django.test import Client
from django.utils import timezone

from bench.measure import BadResponse, Settings, measure_requests, route_exists
from bench.report import Row, at_most, missing

BASE = "/api/v1/public/"
MAX_POST_QUERIES = 30


def _today() -> date:
    """Dates in the bodies are relative to today, as the website sends them: a join starts
    today, an investment on the first of next month (the API refuses dates far from today)."""
    return timezone.localdate()


def _first_of_next_month() -> date:
    today = _today()
    return date(today.year + today.month // 12, today.month % 12 + 1, 1)


def _join_body(i: int) -> dict[str, Any]:
    return {
        "plan": "small-business",
        "organization": {
            "name": f"Bench Applicant {i} LLC",
            "website": f"https://bench-applicant-{i}.example.com",
            "employees": 25,
            "phone": "860-555-0100",
            "address": {
                "line1": "1 Main Street",
                "line2": "",
                "city": "Hartford",
                "state": "CT",
                "postal_code": "06103",
            },
            "industry": "Technology",
            "directory_listed": True,
        },
        "contact": {
            "first_name": "Bench",
            "last_name": f"Applicant{i}",
            "email": f"applicant{i}@bench-applicant-{i}.example.com",
            "phone": "860-555-0101",
            "title": "Owner",
        },
        "billing_contact": None,
        "start": _today().isoformat(),
        "message": "",
    }


def _invest_body(i: int) -> dict[str, Any]:
    return {
        "level": "investor",
        "annual_amount": "10000.00",
        "term_years": 3,
        "installments_per_year": 4,
        "start": _first_of_next_month().isoformat(),
        "organization": {
            "name": f"Bench Investor {i} Corp",
            "website": f"https://bench-investor-{i}.example.com",
            "employees": 400,
            "address": {
                "line1": "1 Main Street",
                "line2": "",
                "city": "Hartford",
                "state": "CT",
                "postal_code": "06103",
            },
        },
        "contact": {
            "first_name": "Bench",
            "last_name": f"Investor{i}",
            "email": f"investor{i}@bench-investor-{i}.example.com",
            "title": "CFO",
        },
        "message": "",
    }


def _registration_body(i: int, ticket: str) -> dict[str, Any]:
    return {
        "ticket_type": ticket,
        "quantity": 1,
        "contact": {
            "first_name": "Bench",
            "last_name": f"Guest{i}",
            "email": f"guest{i}@bench-guests.example.com",
        },
        "organization": "",
        "attendees": [],
    }


def _open_event(client: Client) -> tuple[str, str] | None:
    """The upcoming event whose ticket anyone can buy has the most seats left, from the events
    list (a registration beyond them joins the waitlist, still a 201)."""
    response = client.get(f"{BASE}events/")
    if response.status_code != 200:
        return None
    data = response.json()
    events = data.get("results", data) if isinstance(data, dict) else data
    best: tuple[int, str, str] | None = None
    for event in events:
        for ticket in event.get("ticket_types", []):
            available = ticket.get("available") or 0
            if not ticket.get("members_only") and available > (best[0] if best else 0):
                best = (available, event["slug"], ticket["code"])
    return (best[1], best[2]) if best else None


def run(cfg: Settings) -> list[Row]:
    client = Client()
    rows: list[Row] = []

    def get(name: str, path: str) -> None:
        if not route_exists(path):
            rows.append(
                missing("public", name, f"no {path.split('?')[0]} endpoint in this checkout")
            )
            return
        rows.append(_measure(name, path, lambda i: client.get(path), (200,), cfg, post=False))

    def post(name: str, path: str, body: Callable[[int], dict]) -> None:
        if not route_exists(path):
            rows.append(
                missing("public", name, f"no {path} endpoint in this checkout", ["queries"])
            )
            return
        rows.append(
            _measure(
                name,
                path,
                lambda i: client.post(path, json.dumps(body(i)), content_type="application/json"),
                (201,),
                cfg,
                post=True,
            )
        )

    get("plans", f"{BASE}membership-plans/")
    get(
        "quote",
        f"{BASE}membership-plans/small-business/quote/?employees=25&start={_today().isoformat()}",
    )
    post("join", f"{BASE}join/", _join_body)
    get("investor levels", f"{BASE}investor-levels/")
    post("invest", f"{BASE}invest/", _invest_body)
    get("events", f"{BASE}events/")
    if route_exists(f"{BASE}events/x/registrations/"):
        found = _open_event(client)
        if found is None:
            rows.append(
                missing("public", "registration", "no open event with a public ticket", ["queries"])
            )
        else:
            slug, ticket = found
            post(
                "registration",
                f"{BASE}events/{slug}/registrations/",
                lambda i: _registration_body(i, ticket),
            )
    else:
        rows.append(
            missing(
                "public", "registration", "no registration endpoint in this checkout", ["queries"]
            )
        )
    get("directory", f"{BASE}directory/")
    get("directory search", f"{BASE}directory/?q=precision")
    return rows


def _measure(name: str, path: str, send: Callable, ok: tuple, cfg: Settings, *, post: bool) -> Row:
    try:
        figures = measure_requests(send, ok, cfg)
    except BadResponse as exc:
        return missing("public", name, f"{path} {exc}", ["queries"] if post else [])
    figures["path"] = path
    targets = [at_most("queries", figures["queries"], MAX_POST_QUERIES)] if post else []
    return Row("public", name, figures, targets)
