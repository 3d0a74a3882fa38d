"""Stripe payloads for tests, built from Stripe's own example objects (fixtures3.json)."""

import copy
import json
import time
from functools import cache
from pathlib import Path
from typing import Any

import stripe
from django.test import Client, TestCase

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "stripe" / "fixtures3.json"
WEBHOOK_SECRET = "whsec_test_secret"
WEBHOOK_URL = "/billing/stripe/webhook/"


@cache
def _resources() -> dict[str, Any]:
    return json.loads(FIXTURES.read_text())["resources"]


def stripe_object(resource: str, **overrides: Any) -> dict[str, Any]:
    """Stripe's example `resource` with `overrides` on top."""
    obj = copy.deepcopy(_resources()[resource])
    obj.update(overrides)
    return obj


_counter = iter(range(1, 10**9))


def event(type_: str, obj: dict[str, Any], *, id: str | None = None, created: int | None = None):
    envelope = stripe_object("event")
    envelope.update(
        id=id or f"evt_test{next(_counter):08d}",
        type=type_,
        created=created or int(time.time()),
        api_version="2026-10-28.endive",
        data={"object": obj},
    )
    return envelope


def sign(body: str, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    return stripe.WebhookSignature.generate_signature_header(
        body, secret, timestamp=timestamp or int(time.time())
    )


def committed():
    """Run what waits for the commit (mail, webhook processing) as the block ends: the test's
    own transaction never commits."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def deliver(
    client: Client,
    envelope: dict[str, Any],
    *,
    secret: str = WEBHOOK_SECRET,
    timestamp: int | None = None,
):
    body = json.dumps(envelope)
    with committed():
        return client.post(
            WEBHOOK_URL,
            data=body,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=sign(body, secret=secret, timestamp=timestamp),
        )
