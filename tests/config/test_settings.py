"""The settings module, imported in a fresh interpreter with nothing but what each test sets."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _start(**env: str) -> subprocess.CompletedProcess:
    clean = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "config.settings"}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


SECRET = "a-production-secret-" + "x" * 40


def test_it_starts_with_a_secret_key_and_debug_off():
    result = _start(SECRET_KEY=SECRET)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started"


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = _start()

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_it_starts_without_a_secret_key_for_local_development():
    assert _start(DEBUG="true").returncode == 0


def test_it_refuses_to_start_with_a_setting_it_cannot_read():
    for name, value, message in [
        ("DEBUG", "perhaps", "DEBUG='perhaps' is not a boolean"),
        ("INVOICE_DAYS_UNTIL_DUE", "a month", "INVOICE_DAYS_UNTIL_DUE='a month' is not a whole"),
        ("PUBLIC_API_THROTTLE", "lots", "PUBLIC_API_THROTTLE='lots' is not a throttle rate"),
    ]:
        result = _start(SECRET_KEY=SECRET, **{name: value})
        assert result.returncode != 0, name
        assert message in result.stderr, result.stderr


def _database_options(**env: str) -> str:
    clean = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "config.settings"}
    code = (
        "from django.conf import settings; "
        "print(sorted(settings.DATABASES['default'].get('OPTIONS', {}).items()))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "SECRET_KEY": SECRET, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_postgresql_prepares_statements_run_again_and_again_unless_told_not_to():
    url = "postgres://crm@db.internal:5432/crm"
    assert _database_options(DATABASE_URL=url) == (
        "[('prepare_threshold', 5), ('server_side_binding', True)]"
    )
    assert "('prepare_threshold', 20)" in _database_options(
        DATABASE_URL=url, DATABASE_PREPARE_THRESHOLD="20"
    )
    assert _database_options(DATABASE_URL=url, DATABASE_PREPARE_THRESHOLD="0") == "[]"
    assert "prepare_threshold" not in _database_options(DATABASE_URL="sqlite:///crm.sqlite3")
