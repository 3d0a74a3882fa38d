"""One migrated database for all of a run's workers.

Migrating from nothing takes half a minute (Django renders the models' state again at each
step), and each pytest-xdist worker used to do it for its own test database. Instead, when the
suite runs on several workers, the controller starts `python -m tests.template_database` as soon
as it is configured: while the workers start and collect the tests, that process creates one test
database (`test_<name>_template` on PostgreSQL, a file on SQLite) and migrates it as any test
database is migrated. Each worker then waits for it and starts from a copy: PostgreSQL makes the
worker's database with CREATE DATABASE ... TEMPLATE (Django's own TEST["TEMPLATE"]), SQLite
copies the file into the worker's in-memory database with its backup API. The worker's migrate
then finds every migration applied. The controller drops the template at the end of the run.

A run in one process, or with --reuse-db or --no-migrations, migrates as before."""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ENV = "CRM_TEST_TEMPLATE"  # what the controller tells its workers: {"dir": ..., "name": ...}
DONE = "done"  # in the run's folder: "ok", or why the build failed
LOG = "build.log"
WAIT_SECONDS = 900


def wanted(config: Any) -> bool:
    """The controller of a run on several workers that migrates its test databases."""
    if hasattr(config, "workerinput") or not getattr(config.option, "numprocesses", None):
        return False
    if config.getoption("collectonly", False):
        return False
    return not (config.getvalue("reuse_db") or config.getvalue("nomigrations"))


def start(config: Any) -> None:
    """In the controller: start building the template, and tell the workers where it will be."""
    from django.db import connection

    folder = Path(tempfile.mkdtemp(prefix="crm-test-template-"))
    test_name = connection.creation._get_test_db_name()
    if connection.vendor == "sqlite":
        name = str(folder / "template.sqlite3")
    else:
        name = f"{test_name}_template"
    os.environ[ENV] = json.dumps({"dir": str(folder), "name": name, "vendor": connection.vendor})
    log = (folder / LOG).open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.template_database", name],
        cwd=Path(__file__).resolve().parents[1],
        stdout=log,
        stderr=subprocess.STDOUT,
    )

    def reap() -> None:  # a build that died without a word still says so to the workers
        code = process.wait()
        log.close()
        done = folder / DONE
        if not done.exists():
            _write(done, f"the build stopped with exit code {code}")

    watcher = threading.Thread(target=reap, daemon=True)
    watcher.start()
    config._template_database = (process, watcher, folder, name, connection.vendor)


def finish(config: Any) -> None:
    """In the controller, at the end of the run: stop the build if it still runs, drop the
    template and remove its folder."""
    process, watcher, folder, name, vendor = config._template_database
    if process.poll() is None:  # a run that ended before its workers needed the template
        process.terminate()
    watcher.join(timeout=60)  # the build has exited
    if vendor == "postgresql":
        from django.db import connection
        from pytest_django.plugin import blocking_manager_key

        with config.stash[blocking_manager_key].unblock(), connection._nodb_cursor() as cursor:
            # FORCE: a build stopped halfway may leave its server session a moment longer.
            cursor.execute(
                f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)} WITH (FORCE)"
            )
    shutil.rmtree(folder, ignore_errors=True)
    os.environ.pop(ENV, None)


def use_in_worker() -> Any:
    """In a worker, before its test database is set up: wait for the template and arrange for
    the test database to start as a copy of it. Returns what must stay open until the run ends
    (the connection that keeps SQLite's in-memory copy alive), or None."""
    template = _told()
    if template is None:
        return None
    _wait(Path(template["dir"]))

    from django.conf import settings
    from django.db import connection

    if template["vendor"] == "postgresql":
        settings.DATABASES[connection.alias].setdefault("TEST", {})["TEMPLATE"] = template["name"]
        connection.settings_dict.setdefault("TEST", {})["TEMPLATE"] = template["name"]
        return None
    # The worker's test database is SQLite's shared in-memory one, made on first connection and
    # kept while one is open: this one opens it, fills it, and stays open.
    memory = connection.creation._get_test_db_name()
    keeper = sqlite3.connect(memory, uri=True)
    with closing(sqlite3.connect(f"file:{template['name']}?mode=ro", uri=True)) as source:
        source.backup(keeper)
    return keeper


def copy_to(url: str) -> bool:
    """In a worker: make the database at `url` (a test's own, for a server or a command in a
    subprocess) a copy of the run's migrated template, with the benchmark's copy (SQLite's
    backup API, or CREATE DATABASE ... TEMPLATE); False, and nothing made, when the run has
    no template."""
    template = _told()
    if template is None or (Path(template["dir"]) / DONE).read_text() != "ok":
        return False
    from bench.databases import Database

    if template["vendor"] == "sqlite":
        source = Database(f"sqlite:///{template['name']}")
    else:
        source = Database(urlunsplit(urlsplit(url)._replace(path=f"/{template['name']}")))
    source.copy_to(Database(url))
    return True


def _told() -> dict[str, str] | None:
    """In a worker of a run with a template: what the controller told it."""
    told = os.environ.get(ENV)
    if not told or not os.environ.get("PYTEST_XDIST_WORKER"):
        return None
    return json.loads(told)


def _wait(folder: Path) -> None:
    done = folder / DONE
    deadline = time.monotonic() + WAIT_SECONDS
    while not done.exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"the template database was not ready in {WAIT_SECONDS} s")
        time.sleep(0.2)
    outcome = done.read_text()
    if outcome != "ok":
        log = (folder / LOG).read_text()[-4000:]
        raise RuntimeError(f"the template database could not be built: {outcome}\n{log}")


def _write(path: Path, text: str) -> None:
    partial = path.with_suffix(".partial")
    partial.write_text(text)
    partial.rename(path)  # whole or not at all: a worker never reads half of it


def build(name: str) -> None:
    """Create the template as any test database is created (same settings, same migrations,
    same post-migrate work), then close every connection to it."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    import django

    django.setup()
    from django.db import connection

    connection.settings_dict.setdefault("TEST", {})["NAME"] = name
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    connection.close()


if __name__ == "__main__":
    folder = Path(json.loads(os.environ[ENV])["dir"])
    try:
        build(sys.argv[1])
    except BaseException as error:
        _write(folder / DONE, f"{type(error).__name__}: {error}")
        raise
    _write(folder / DONE, "ok")
