"""pgpulse's own store: audit log, statistics snapshots, alert state. Never the monitored database.

A SQLite file under the data home by default, or a PostgreSQL database when `store_url` (secrets.toml
`[pgpulse] store_url`) or PGPULSE_STORE_URL is set. The schema is versioned by the numbered files of
lib/core/migrations/ (NNNN_name.sql), applied in order once each. Migrations are written in SQL both
dialects accept; `{{ID}}` stands for an auto-incrementing primary key. Statements here use `:name`
parameters in both dialects.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
ID_TYPES = {"sqlite": "INTEGER PRIMARY KEY AUTOINCREMENT",
            "postgres": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"}
# `{{WITHOUT_ROWID}}` after a table with a composite primary key: SQLite then stores rows in the key's
# own b-tree (no rowid, no second copy of the key), about a quarter smaller for history's big tables.
TABLE_OPTIONS = {"sqlite": "WITHOUT ROWID", "postgres": ""}
NAMED_PARAM = re.compile(r"(?<![:\w]):([a-zA-Z_]\w*)")


class StoreError(RuntimeError):
    pass


def migrations() -> list[tuple[int, str, str]]:
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        match = MIGRATION_NAME.match(path.name)
        if not match:
            raise StoreError(f"migration {path.name} is not named NNNN_name.sql")
        found.append((int(match[1]), path.stem, path.read_text()))
    versions = [v for v, _, _ in found]
    if len(versions) != len(set(versions)):
        raise StoreError("two migrations share a number")
    return found


CREATED_TABLE = re.compile(r"\bCREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([a-z_][a-z0-9_]*)", re.I)
MIGRATIONS_TABLE = "pgpulse_schema_migrations"


def table_names() -> list[str]:
    """Every table the store's migrations create, and the migrations' own: what pgpulse owns in a database
    that holds its store."""
    return sorted({MIGRATIONS_TABLE, *(name.lower() for _, _, script in migrations()
                                       for name in CREATED_TABLE.findall(script))})


def split_script(script: str) -> list[str]:
    # Migrations are plain DDL: no semicolons inside strings or bodies, so a split on ';' is exact.
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


MIGRATION_LOCK_KEY = 0x7067_7075_6C73  # "pgpuls": one advisory lock for every opener's migrations


class Store:
    def __init__(self, target: str | Path):
        self.target = str(target)
        self.dialect = "postgres" if self.target.startswith(("postgres://", "postgresql://")) else "sqlite"
        self._lock = threading.RLock()  # re-entrant: execute/query also work inside transaction()
        self._conn = self._connect()
        self.migrate()

    def _connect(self):
        if self.dialect == "postgres":
            import psycopg

            return psycopg.connect(self.target, autocommit=True, application_name="pgpulse-store")
        Path(self.target).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.target, check_same_thread=False, timeout=10, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        return conn

    def _sql(self, statement: str) -> str:
        return NAMED_PARAM.sub(r"%(\1)s", statement) if self.dialect == "postgres" else statement

    def execute(self, statement: str, params: Mapping[str, Any] | None = None) -> None:
        with self._lock:
            self._conn.execute(self._sql(statement), dict(params or {}))

    def execute_many(self, statement: str, rows: list[Mapping[str, Any]]) -> None:
        if not rows:
            return
        with self._lock:
            if self.dialect == "postgres":
                with self._conn.cursor() as cur:
                    cur.executemany(self._sql(statement), [dict(r) for r in rows])
            else:
                self._conn.executemany(self._sql(statement), [dict(r) for r in rows])

    def query(self, statement: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        with self._lock:
            cur = self._conn.execute(self._sql(statement), dict(params or {}))
            names = [d[0] for d in cur.description or []]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            # SQLite: take the write lock up front, so a transaction that reads then writes waits for
            # another writer (busy timeout) instead of failing when it upgrades its lock.
            self._conn.execute("BEGIN IMMEDIATE" if self.dialect == "sqlite" else "BEGIN")
            try:
                yield
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _execute_unlocked(self, statement: str, params: Mapping[str, Any] | None = None) -> None:
        self._conn.execute(self._sql(statement), dict(params or {}))

    def applied_versions(self) -> set[int]:
        return {r["version"] for r in self.query("SELECT version FROM pgpulse_schema_migrations")}

    def migrate(self) -> list[str]:
        """Apply the migrations not yet applied, each in its own transaction; returns their names.

        Several processes or threads may open a new store at once (the app's page, its alert and
        snapshot threads, a cron CLI): each migration is checked again under a lock that serializes
        them (SQLite's write lock from BEGIN IMMEDIATE; an advisory lock on PostgreSQL), so the
        second opener finds it applied instead of applying it twice."""
        applied = []
        for version, name, script in migrations():
            with self.transaction():
                if self.dialect == "postgres":
                    self._execute_unlocked("SELECT pg_advisory_xact_lock(:key)", {"key": MIGRATION_LOCK_KEY})
                self._execute_unlocked("CREATE TABLE IF NOT EXISTS pgpulse_schema_migrations (version INTEGER "
                                       "PRIMARY KEY, name TEXT NOT NULL, applied_at DOUBLE PRECISION NOT NULL)")
                if version in self.applied_versions():
                    continue
                script = script.replace("{{ID}}", ID_TYPES[self.dialect])
                for statement in split_script(script.replace("{{WITHOUT_ROWID}}", TABLE_OPTIONS[self.dialect])):
                    self._execute_unlocked(statement)
                self._execute_unlocked(
                    "INSERT INTO pgpulse_schema_migrations (version, name, applied_at) VALUES (:v, :n, :t)",
                    {"v": version, "n": name, "t": time.time()})
            applied.append(name)
        return applied

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def default_store_path() -> Path:
    from lib.core.config import data_home

    return data_home() / "pgpulse.db"


def open_store(store_url: str | None = None) -> Store:
    return Store(store_url or default_store_path())
