"""The embedded default under load: a real server (gunicorn, two worker processes with threads)
on a real SQLite file, with Stripe configured (the local Stripe stand-in), takes 20 joins and 20
event registrations at once while signed Stripe webhooks about the invoices they make race
them. No request may fail with a server error, and every 201 has its rows.

On PostgreSQL (the suite's DATABASE_URL) the same run goes against a database of its own."""

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import psycopg
import pytest
from django.conf import settings as django_settings

from tests import template_database
from tests.api.public_helpers import join_body
from tests.billing.stripe_payloads import WEBHOOK_SECRET, event, sign, stripe_object
from tests.billing.stripe_stub import StripeStub

ROOT = Path(__file__).resolve().parent.parent
JOINS = REGISTRATIONS = 20

SEED = """
import json
from decimal import Decimal
from datetime import timedelta
from django.utils import timezone
from tests.factories import PlanFactory, TicketTypeFactory
plan = PlanFactory(offered_publicly=True, requires_review=False)
ticket = TicketTypeFactory(
    capacity=15, non_member_price=Decimal("25.00"), member_price=Decimal("20.00"),
    event__starts_at=timezone.now() + timedelta(days=20),
    event__ends_at=timezone.now() + timedelta(days=20, hours=2),
    event__waitlist_enabled=True,
)
print(json.dumps({"plan": plan.code, "event": ticket.event.slug, "ticket": ticket.code}))
"""

COUNT = """
import json
from crm.models import Membership
from events.models import Registration
from billing.models import Invoice, StripeEvent
print(json.dumps({
    "memberships": sorted(Membership.objects.values_list("reference", flat=True)),
    "registrations": sorted(Registration.objects.values_list("reference", flat=True)),
    "invoices": Invoice.objects.count(),
    "events": StripeEvent.objects.count(),
}))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url(tmp_path: Path) -> str:
    """A database of the test's own: a copy of the run's migrated template when there is one
    (the server's migrate then has nothing to do), else an empty one."""
    default = django_settings.DATABASES["default"]
    if default["ENGINE"] != "django.db.backends.postgresql":
        url = f"sqlite:///{tmp_path / 'live.sqlite3'}"
        template_database.copy_to(url)
        return url
    user = default.get("USER") or "postgres"
    host = default.get("HOST") or "127.0.0.1"
    port = default.get("PORT") or 5432
    url = f"postgres://{user}@{host}:{port}/{default['NAME']}_live"
    drop_database(url)
    if not template_database.copy_to(url):
        _server_statement(url, 'CREATE DATABASE "{name}"')
    return url


def drop_database(url: str) -> None:
    _server_statement(url, 'DROP DATABASE IF EXISTS "{name}"')


def _server_statement(url: str, statement: str) -> None:
    """One statement about the database at `url`, sent from the server's maintenance database."""
    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as maintenance:
        maintenance.execute(statement.format(name=name))


def manage(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def post(url: str, body: bytes, headers: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return error.code, json.loads(raw or b"{}")
        except ValueError:
            return error.code, {"raw": raw[:500].decode(errors="replace")}


@pytest.fixture
def stub():
    running = StripeStub()
    running.start()
    yield running
    running.stop()


@pytest.fixture
def server(tmp_path, stub):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(tmp_path),
        "DEBUG": "false",
        "CRM_INSECURE_DEV_DEFAULTS": "true",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "STRIPE_SECRET_KEY": "sk_test_stub",
        "STRIPE_API_BASE": stub.url,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_MAX_NETWORK_RETRIES": "0",
        "PUBLIC_API_THROTTLE": "10000/minute",
        "TASKS_BACKEND": "immediate",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_FORMAT": "plain",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    manage(env, "migrate", "--no-input", "-v", "0")
    seeded = json.loads(manage(env, "shell", "-c", SEED).strip().splitlines()[-1])
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "8",
            "--timeout",
            "120",
        ],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{base}/api/v1/public/events/", timeout=2)
            break
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    else:
        process.terminate()
        pytest.fail((tmp_path / "server.log").read_text()[-3000:])
    yield base, env, seeded
    process.terminate()
    process.wait(timeout=30)
    log.close()
    if env["DATABASE_URL"].startswith("postgres"):
        drop_database(env["DATABASE_URL"])


def test_it_takes_concurrent_joins_registrations_and_webhooks_without_a_server_error(server):
    base, env, seeded = server
    json_headers = {"Content-Type": "application/json"}

    def join(i: int) -> tuple[str, int, dict]:
        body = join_body(seeded["plan"])
        body["organization"]["name"] = f"Riverfront Bakery {i}"
        body["organization"]["website"] = f"https://bakery{i}.example"
        body["contact"]["email"] = f"owner{i}@bakery{i}.example"
        body["start"] = date.today().isoformat()
        return (
            "join",
            *post(f"{base}/api/v1/public/join/", json.dumps(body).encode(), json_headers),
        )

    def register(i: int) -> tuple[str, int, dict]:
        body = {
            "ticket_type": seeded["ticket"],
            "quantity": 1,
            "contact": {"first_name": "Guest", "last_name": str(i), "email": f"g{i}@x.example"},
        }
        url = f"{base}/api/v1/public/events/{seeded['event']}/registrations/"
        return ("registration", *post(url, json.dumps(body).encode(), json_headers))

    def webhook(i: int) -> tuple[str, int, dict]:
        # Stripe's first webhooks about the invoices being made (their Stripe ids are
        # in_stub<our invoice id>), arriving while the requests that make them still run.
        obj = stripe_object("invoice", id=f"in_stub{i}", status="open", metadata={})
        body = json.dumps(event("invoice.finalized", obj))
        headers = {**json_headers, "Stripe-Signature": sign(body)}
        return ("webhook", *post(f"{base}/billing/stripe/webhook/", body.encode(), headers))

    work = (
        [lambda i=i: join(i) for i in range(JOINS)]
        + [lambda i=i: register(i) for i in range(REGISTRATIONS)]
        + [lambda i=i: webhook(i) for i in range(1, JOINS + REGISTRATIONS + 1)]
    )
    with ThreadPoolExecutor(max_workers=len(work)) as pool:
        results = list(pool.map(lambda job: job(), work))

    errors = [(kind, code, body) for kind, code, body in results if code >= 500]
    assert errors == []
    by_kind = {
        kind: [(code, body) for k, code, body in results if k == kind]
        for kind in ("join", "registration", "webhook")
    }
    assert [code for code, _ in by_kind["join"]] == [201] * JOINS, by_kind["join"]
    assert [code for code, _ in by_kind["registration"]] == [201] * REGISTRATIONS
    assert [code for code, _ in by_kind["webhook"]] == [200] * (JOINS + REGISTRATIONS)

    stored = json.loads(manage(env, "shell", "-c", COUNT).strip().splitlines()[-1])
    assert sorted(body["reference"] for _, body in by_kind["join"]) == stored["memberships"]
    assert (
        sorted(body["reference"] for _, body in by_kind["registration"])
        == (stored["registrations"])
    )
    assert stored["events"] == JOINS + REGISTRATIONS
    if env["DATABASE_URL"].startswith("sqlite"):
        path = env["DATABASE_URL"].removeprefix("sqlite:///")
        with sqlite3.connect(path) as db:
            assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
