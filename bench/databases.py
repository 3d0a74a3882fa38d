"""The benchmark's databases: a seeded "golden" one and throw-away copies of it.

Every run measures on a fresh copy (``<name>_work``) and every batch job on another
(``<name>_batch``), so writes made while measuring never leak into the next run and the seeded
data stay identical between runs. A database is only ever dropped or reused when it carries the
benchmark's marker table; anything else is refused with a message.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

MARKER_TABLE = "bench_meta"


class RefusedError(Exception):
    """The named database holds data that the benchmark did not put there."""


@dataclass(frozen=True)
class Database:
    url: str

    @property
    def vendor(self) -> str:
        scheme = urlsplit(self.url).scheme
        if scheme.startswith("postgres"):
            return "postgresql"
        if scheme == "sqlite":
            return "sqlite"
        raise ValueError(f"The benchmark runs on PostgreSQL or SQLite, not {scheme!r}.")

    @property
    def name(self) -> str:
        if self.vendor == "sqlite":
            return str(self.path)
        return urlsplit(self.url).path.lstrip("/")

    @property
    def path(self) -> Path:
        # As dj-database-url reads it: sqlite:////abs/path or sqlite:///relative/path.
        return Path(self.url.removeprefix("sqlite:///"))

    def sibling(self, suffix: str) -> Database:
        """A database next to this one: ``bench`` -> ``bench_work``."""
        if self.vendor == "sqlite":
            path = self.path
            return Database(f"sqlite:///{path.with_name(f'{path.stem}_{suffix}{path.suffix}')}")
        parts = urlsplit(self.url)
        return Database(urlunsplit(parts._replace(path=f"/{self.name}_{suffix}")))

    # --- PostgreSQL helpers ---------------------------------------------------------------

    def _maintenance(self) -> psycopg.Connection:
        parts = urlsplit(self.url)
        return psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)

    def _pg_exists(self) -> bool:
        with self._maintenance() as conn:
            row = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [self.name]
            ).fetchone()
        return row is not None

    # --- what is in it --------------------------------------------------------------------

    def exists(self) -> bool:
        return self.path.exists() if self.vendor == "sqlite" else self._pg_exists()

    def _tables_and_marker(self) -> tuple[int, dict[str, str] | None]:
        if self.vendor == "sqlite":
            import sqlite3

            with sqlite3.connect(self.path) as conn:
                tables = [
                    r[0]
                    for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                ]
                meta = (
                    dict(conn.execute(f"SELECT key, value FROM {MARKER_TABLE}").fetchall())
                    if MARKER_TABLE in tables
                    else None
                )
            return len(tables), meta
        with psycopg.connect(self.url, autocommit=True) as conn:
            tables = [
                r[0]
                for r in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                ).fetchall()
            ]
            meta = (
                dict(conn.execute(f"SELECT key, value FROM {MARKER_TABLE}").fetchall())
                if MARKER_TABLE in tables
                else None
            )
        return len(tables), meta

    def meta(self) -> dict[str, str] | None:
        """The marker's contents, None for an empty database; refuses a foreign one."""
        if not self.exists():
            return None
        tables, meta = self._tables_and_marker()
        if tables and meta is None:
            raise RefusedError(
                f"The database {self.name!r} holds tables that the benchmark did not create "
                f"(no {MARKER_TABLE} table). Name another database with --database-url."
            )
        return meta

    # --- create, drop, copy ---------------------------------------------------------------

    def drop(self) -> None:
        self.meta()  # refuses a database the benchmark does not own
        if self.vendor == "sqlite":
            for path in (self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm")):
                path.unlink(missing_ok=True)
            return
        with self._maintenance() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name))
            )

    def create(self) -> None:
        if self.vendor == "sqlite":
            self.path.parent.mkdir(parents=True, exist_ok=True)
            import sqlite3

            sqlite3.connect(self.path).close()
        else:
            with self._maintenance() as conn:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))
        self.write_meta({"created_by": "bench"})

    def write_meta(self, values: dict[str, str]) -> None:
        statements = [
            f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (key varchar(100) PRIMARY KEY, value text)"
        ]
        if self.vendor == "sqlite":
            import sqlite3

            with sqlite3.connect(self.path) as conn:
                conn.execute(statements[0])
                conn.executemany(
                    f"INSERT OR REPLACE INTO {MARKER_TABLE} (key, value) VALUES (?, ?)",
                    list(values.items()),
                )
            return
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(statements[0])
            for key, value in values.items():
                conn.execute(
                    f"INSERT INTO {MARKER_TABLE} (key, value) VALUES (%s, %s) "
                    "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                    [key, value],
                )

    def copy_to(self, target: Database) -> None:
        """Replace `target` with a copy of this database (no connection may be open to it)."""
        if target.exists():
            target.drop()
        if self.vendor == "sqlite":
            # SQLite's backup API, not a file copy: in WAL mode (how the settings open SQLite)
            # the latest commits may still sit in the -wal file beside the database.
            import sqlite3

            with sqlite3.connect(self.path) as source, sqlite3.connect(target.path) as copy:
                source.backup(copy)
            return
        with self._maintenance() as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(target.name), sql.Identifier(self.name)
                )
            )


def fingerprint(values: dict) -> str:
    return json.dumps(values, sort_keys=True)
