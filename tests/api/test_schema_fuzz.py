"""Fuzzing: schemathesis sends generated requests, valid and invalid, to every operation in the
API's own OpenAPI schema (public and staff, new endpoints included without a change here) and
checks that no input gets a server error and that every answer's status code, content type and
body are ones the schema documents.

In the suite the run is bounded and the same every time (derandomized): a few generated requests
per operation, no coverage phase (it sends every boundary value the schema allows, thousands of
requests). For a longer run (docs/development.md, "Tests"): FUZZ_MAX_EXAMPLES=200 raises the
requests per operation, FUZZ_COVERAGE=true adds the coverage phase, FUZZ_SEED=<n> makes it
random with that seed."""

import json
import os
import re
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.utils import timezone
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.settings import spectacular_settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.throttling import PublicRateThrottle, StaffRateThrottle
from tests.api.public_helpers import INVEST, JOIN, invest_body, join_body
from tests.api.staff.conftest import make_invoice, make_note, make_payment, make_pledge, make_refund
from tests.factories import (
    AffiliationFactory,
    EventFactory,
    InvestorLevelFactory,
    MembershipFactory,
    PlanFactory,
    TicketTypeFactory,
    UserFactory,
)

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "10"))
COVERAGE = os.environ.get("FUZZ_COVERAGE", "false").lower() == "true"
SEED = os.environ.get("FUZZ_SEED")

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _served_schema() -> dict[str, Any]:
    """The schema /api/v1/schema/ serves, built the way its view builds it (no request needed)."""
    generator = spectacular_settings.DEFAULT_GENERATOR_CLASS()
    document = generator.get_schema(request=None, public=spectacular_settings.SERVE_PUBLIC)
    return json.loads(OpenApiJsonRenderer().render(document))


schema = schemathesis.openapi.from_dict(_served_schema())
schema.app = WSGIHandler()
schema.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=SEED is None)
schema.config.phases.coverage.enabled = COVERAGE
if SEED is not None:
    schema.config.seed = int(SEED)

pytestmark = pytest.mark.django_db

# The rows the fuzzed path parameters may name, by the operation's path up to the parameter
# ("/api/v1/organizations/" for "/api/v1/organizations/{id}/approve/"); set by api_data.
_existing: dict[str, Any] = {}

_PARAMETER = re.compile(r"\{(\w+)\}")


def _collection(path: str) -> str:
    return path[: path.index("{")]


@schema.hook
def flatmap_path_parameters(context, path_parameters):  # type: ignore[no-untyped-def]
    """Half the time, name a row that exists, so the fuzzing reaches past the 404."""
    operation = context.operation
    names = _PARAMETER.findall(operation.path) if operation is not None else []
    existing = _existing.get(_collection(operation.path)) if len(names) == 1 else None
    if existing is None:  # no row of that kind, or a nested path: as generated
        return st.just(path_parameters)
    (name,) = names
    return st.sampled_from([path_parameters, {**path_parameters, name: existing}])


@pytest.fixture(scope="module")
def api_data(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """A little of everything, made once for all the operations (each test's changes are rolled
    back): the superuser's token, and the row each fuzzed path parameter may name."""
    with django_db_blocker.unblock(), transaction.atomic():
        token = Token.objects.create(user=UserFactory(username="fuzz", is_superuser=True)).key
        _existing.update(_make_rows(token))
        yield token
        _existing.clear()
        transaction.set_rollback(True)


def _account_work() -> None:
    """A prospect, a task and an interaction, for the account-work endpoints."""
    from crm.services.pipeline import interaction_record, prospect_move_stage, task_create

    courted = AffiliationFactory(organization__name="Fuzz Prospects")
    prospect_move_stage(organization=courted.organization, stage="lead")
    task_create(
        title="Call",
        assignee=UserFactory(username="fuzz-owner"),
        due_date=timezone.localdate(),
        organization=courted.organization,
    )
    interaction_record(
        organization=courted.organization,
        contact=courted.contact,
        kind="call",
        occurred_on=timezone.localdate(),
        summary="Called.",
    )


def _make_rows(token: str) -> dict[str, Any]:
    plan = PlanFactory(offered_publicly=True)
    level = InvestorLevelFactory()
    AffiliationFactory(is_billing=True)
    MembershipFactory(plan=plan)
    make_pledge(level=level)
    make_note()
    make_refund(make_payment(make_invoice()))
    _account_work()
    event = EventFactory()
    TicketTypeFactory(event=event, code="general")

    api = APIClient()
    joined = api.post(JOIN, join_body(plan.code), format="json")
    invested = api.post(INVEST, invest_body(level.code), format="json")
    registered = api.post(
        f"/api/v1/public/events/{event.slug}/registrations/",
        {
            "ticket_type": "general",
            "quantity": 1,
            "contact": {"first_name": "Kim", "last_name": "Ng", "email": "kim@example.org"},
        },
        format="json",
    )
    for response in (joined, invested, registered):
        assert response.status_code == 201, response.content
    existing = {
        "/api/v1/public/membership-plans/": plan.code,
        "/api/v1/public/events/": event.slug,
        "/api/v1/public/join/": joined.json()["reference"],
        "/api/v1/public/invest/": invested.json()["reference"],
        "/api/v1/public/registrations/": registered.json()["reference"],
    }
    # The first row of every staff list, so that new endpoints are fuzzed against real rows
    # without a change here.
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    paths = schema.raw_schema["paths"]
    for path in paths:
        collection = _collection(path) if "{" in path else None
        if collection is None or collection in existing or "get" not in paths.get(collection, {}):
            continue
        listed = api.get(collection)
        assert listed.status_code == 200, (collection, listed.content)
        body = listed.json()
        rows = body["results"] if isinstance(body, dict) else body
        if rows and "id" in rows[0]:
            existing[collection] = rows[0]["id"]
    return existing


@pytest.fixture
def in_process_requests(settings, monkeypatch):  # type: ignore[no-untyped-def]
    """Requests go straight to Django's WSGI handler in this thread, inside the test's
    transaction: like Django's test client, keep the handler from closing the connection."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    # Throttling has its own tests; here it would only turn the fuzzing into 429s.
    monkeypatch.setattr(PublicRateThrottle, "THROTTLE_RATES", {"public": None})
    monkeypatch.setattr(StaffRateThrottle, "THROTTLE_RATES", {"staff": None})
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
# Hypothesis' health checks judge how fast and how easily it generates data (slow on a busy CI
# machine, large nested bodies), not the API's answers: they would only make the run flaky.
@hypothesis.settings(deadline=None, suppress_health_check=list(hypothesis.HealthCheck))
def test_it_answers_every_input_as_the_schema_says(case, api_data, in_process_requests):
    case.call_and_validate(headers={"Authorization": f"Token {api_data}"}, checks=CHECKS)
