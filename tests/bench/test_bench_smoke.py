"""The benchmark's command works end to end at a tiny scale: every section, every target judged.
No timing is asserted: the figures are the benchmark's business, not the suite's."""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from bench.databases import Database, RefusedError
from bench.report import SECTIONS
from tests import template_database

ROOT = Path(__file__).resolve().parents[2]


def _smoke_database(tmp_path: Path) -> Database:
    """On the server the suite uses: PostgreSQL when DATABASE_URL names it, else SQLite."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        parts = urlsplit(url)
        name = parts.path.lstrip("/") or "chamber"
        return Database(urlunsplit(parts._replace(path=f"/{name}_benchsmoke")))
    return Database(f"sqlite:///{tmp_path / 'bench.sqlite3'}")


def _drop_all(database: Database) -> None:
    for db in (database, database.sibling("work"), database.sibling("batch")):
        if db.exists():
            db.drop()


@pytest.fixture
def smoke_database(tmp_path):
    """The benchmark's database, made as the benchmark makes it (marked as its own), from the
    run's migrated template when there is one: its migrate then has nothing left to do, and
    the suite does not migrate from nothing once more."""
    database = _smoke_database(tmp_path)
    _drop_all(database)
    if template_database.copy_to(database.url):
        database.write_meta({"created_by": "bench"})
    yield database
    _drop_all(database)


def test_it_produces_the_report_with_every_section_and_verdict(smoke_database, tmp_path):
    out = tmp_path / "report.json"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.run",
            "--scale",
            "0.001",
            "--database-url",
            smoke_database.url,
            "--quick",
            "--repeat",
            "1",  # one timed request per row: the figures are not what this test checks
            "--load-seconds",
            "2",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "targets:" in completed.stdout

    report = json.loads(out.read_text())
    assert set(report["sections"]) == set(SECTIONS)
    for section, rows in report["sections"].items():
        assert rows, f"section {section} has no rows"
        for row in rows:
            assert row["status"] in {"measured", "not measured"}
            if row["status"] == "not measured":
                assert row["reason"]
            for target in row["targets"]:
                assert target["result"] in {"pass", "fail", "not measured"}
    assert set(report["summary"]) == {"pass", "fail", "not measured"}
    assert report["seed"]["counts"]["organizations"] > 0


def test_it_refuses_a_database_that_holds_other_data(tmp_path):
    import sqlite3

    path = tmp_path / "app.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE customers (id integer)")
    database = Database(f"sqlite:///{path}")

    with pytest.raises(RefusedError):
        database.meta()
    with pytest.raises(RefusedError):
        database.drop()
    assert path.exists()


def test_it_reuses_its_own_database_and_names_its_copies(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'bench.sqlite3'}")
    database.create()

    assert database.meta() == {"created_by": "bench"}
    assert database.sibling("work").path == tmp_path / "bench_work.sqlite3"
    database.copy_to(database.sibling("work"))
    assert database.sibling("work").meta() == {"created_by": "bench"}
