"""A monitored database: its connection pool and the only place the app's SQL runs against it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pandas as pd
import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from lib.core import sqlfiles
from lib.core.config import DatabaseConfig, Thresholds
from lib.core.errors import DatabaseUnavailable, describe

APP_NAME = "pgpulse"
# The pool logs every failed reconnection attempt; we report failures as sentences instead.
logging.getLogger("psycopg.pool").setLevel(logging.CRITICAL)
POOL_MAX = 4


class Database:
    """One monitored database. Thread-safe: Streamlit sessions share one instance per name."""

    def __init__(self, config: DatabaseConfig, thresholds: Thresholds | None = None):
        self.config = config
        self.thresholds = thresholds or Thresholds()
        self._pool: ConnectionPool | None = None
        self._lock = threading.Lock()
        self._capabilities = None

    # -- connections ------------------------------------------------------------------------------
    def connect_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "autocommit": True,
            "application_name": APP_NAME,
            "connect_timeout": self.thresholds.connect_timeout_s,
        }
        if self.config.pooler:
            kwargs["prepare_threshold"] = None  # a transaction pooler cannot keep prepared statements
        return kwargs

    def _configure(self, conn: psycopg.Connection) -> None:
        """The monitoring limits for the whole session. Not behind a transaction pooler: there a session
        setting stays on the shared server connection and reaches other clients (see `connection`)."""
        if not self.config.pooler:
            self._set_limits(conn, local=False)

    def _set_limits(self, conn: psycopg.Connection, local: bool) -> None:
        # set_config rather than SET so the values travel as parameters.
        conn.execute(
            "SELECT set_config('statement_timeout', %s, %s), set_config('lock_timeout', %s, %s)"
            + sqlfiles.TAIL,  # tagged like every statement of the app, so its lists leave it out
            (f"{self.thresholds.statement_timeout_ms}ms", local, f"{self.thresholds.lock_timeout_ms}ms", local),
        )

    def pool(self) -> ConnectionPool:
        with self._lock:
            if self._pool is None:
                # One direct attempt first: it fails at once, with the server's own reason, where the
                # pool would only retry quietly until its timeout.
                problem = self.diagnose_connect()
                if problem is not None:
                    raise problem
                self._pool = ConnectionPool(
                    self.config.conninfo, kwargs=self.connect_kwargs(), min_size=1, max_size=POOL_MAX,
                    open=False, configure=self._configure, check=ConnectionPool.check_connection,
                    timeout=self.thresholds.connect_timeout_s + 1, reconnect_timeout=30,
                    name=f"pgpulse-{self.config.name}",
                )
                self._pool.open(wait=False)
            return self._pool

    def diagnose_connect(self) -> DatabaseUnavailable | None:
        """Connect once outside the pool: None when it works, else the reason as a sentence."""
        try:
            with psycopg.connect(self.config.conninfo, **self.connect_kwargs()):
                return None
        except Exception as exc:  # noqa: BLE001 - every failure becomes a sentence
            return DatabaseUnavailable(describe(exc, self.config.display))

    @contextmanager
    def connection(self, own_transaction: bool = False) -> Iterator[psycopg.Connection]:
        """A pooled autocommit connection with the monitoring limits. Behind a transaction pooler the
        limits can only be transaction-local, so the block runs in one transaction that sets them first;
        `own_transaction` leaves that to a caller that manages its transactions (and limits) itself."""
        pool = self.pool()
        try:
            with pool.connection() as conn:
                if self.config.pooler and not own_transaction:
                    with conn.transaction():
                        self._set_limits(conn, local=True)
                        yield conn
                else:
                    yield conn
        except PoolTimeout:
            # The server went away: drop the pool, so the next call fails fast or reconnects afresh.
            self.close()
            raise self.diagnose_connect() or DatabaseUnavailable(describe(PoolTimeout(), self.config.display)) \
                from None

    @contextmanager
    def dedicated_connection(self, **overrides: Any) -> Iterator[psycopg.Connection]:
        """A connection outside the pool, for work that changes session state (EXPLAIN, actions)."""
        kwargs = {**self.connect_kwargs(), **overrides}
        try:
            conn = psycopg.connect(self.config.conninfo, **kwargs)
        except psycopg.OperationalError as exc:
            raise DatabaseUnavailable(describe(exc, self.config.display)) from None
        try:
            self._configure(conn)
            yield conn
        finally:
            conn.close()

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None

    # -- capabilities -----------------------------------------------------------------------------
    @property
    def capabilities(self):
        """Detected once per connection target; `refresh_capabilities` after a change (extension created)."""
        if self._capabilities is None:
            from lib.core.capabilities import detect

            self._capabilities = detect(self)
        return self._capabilities

    def refresh_capabilities(self):
        self._capabilities = None
        return self.capabilities

    @property
    def version_num(self) -> int:
        return self.capabilities.version_num

    # -- running the app's queries -----------------------------------------------------------------
    def statement(self, name: str, caps=None) -> sql.Composed:
        """queries/<name>.sql for this server, with pg_stat_statements' schema filled in."""
        caps = caps or self.capabilities
        text = sqlfiles.load(name, caps.version_num)
        # {pg_buffercache} and {pgstattuple}: those extensions' schemas, for files that call them.
        schemas = {ext: sql.Identifier(caps.extension_schema(ext) or "public") for ext in sqlfiles.EXTENSIONS}
        return sql.SQL(text).format(pgss=sql.Identifier(caps.pgss_schema or "public"), **schemas)

    def rows(self, name: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        statement = self.statement(name)  # first: detecting capabilities takes a connection of its own
        with self.connection() as conn:
            return run(conn, statement, params)

    def frame(self, name: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        statement = self.statement(name)
        with self.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute(statement, dict(params or {}))
            columns = [c.name for c in cur.description or []]
            return pd.DataFrame(cur.fetchall(), columns=columns)

    def ping(self) -> None:
        """Raise DatabaseUnavailable (as a sentence) when the server is not there."""
        self.rows("ping")

    def one(self, name: str, params: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
        found = self.rows(name, params)
        return found[0] if found else None


def run(conn: psycopg.Connection, statement: sql.Composable, params: Mapping[str, Any] | None = None
        ) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(statement, dict(params or {}))
        return cur.fetchall() if cur.description else []
