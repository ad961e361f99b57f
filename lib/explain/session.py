"""The one way a user's statement reaches a monitored database: a dedicated connection, one
transaction that is always rolled back, and a check of the session before it is closed.

    with db.dedicated_connection() as conn, rolled_back(conn, read_only=True, timeout_ms=30_000,
                                                        lock_timeout_ms=2_000) as s:
        s.fetch_json(explain_text, params)       # the EXPLAIN, $n values as real parameters
        s.parameter_oids(statement)              # what PostgreSQL infers for $1, $2, ... (not run)
    s.changes                                    # what the statement left in the session, if anything

The connection is never the pool's and is closed at the end whatever happened, so nothing a
statement does to its session (an advisory lock, a setting, a role) outlives it; `changes`
still says what it tried, by comparing the session before BEGIN and after ROLLBACK.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import RawCursor, pq, sql

from lib.core import sqlfiles
from lib.core.db import run

BEGIN_READ_ONLY = "BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY"
BEGIN_READ_WRITE = "BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE"
ROLLBACK = "ROLLBACK"
STATE_LABELS = {
    "current_user": "current user", "session_user": "session user", "role": "role",
    "search_path": "search_path", "advisory_locks": "advisory locks held",
    "prepared_statements": "prepared statements", "cursors": "open cursors",
    "listening_channels": "LISTEN channels", "temp_relations": "temporary tables",
}  # fmt: skip


def statement(name: str, version_num: int) -> sql.Composed:
    """queries/<name>.sql for this server (these files hold no {pgss}: no capabilities needed)."""
    return sql.SQL(sqlfiles.load(name, version_num)).format()


class RolledBack:
    def __init__(self, conn: psycopg.Connection):
        self.conn = conn
        self.version_num = conn.info.server_version
        self.changes: list[str] = []

    def fetch_json(self, query: sql.Composable | str, params: tuple | None = None):
        """First column of the first row; `$n` in the text bound to `params`, sent as parameters."""
        text = query.as_string(self.conn) if isinstance(query, sql.Composable) else query
        with RawCursor(self.conn) as cur:  # native $n placeholders: a % in the user's text stays text
            cur.execute(text, list(params) if params else None, prepare=False)
            row = cur.fetchone()
        return row[0] if row else None

    def parameter_oids(self, text: str) -> list[int]:
        """Types PostgreSQL infers for the placeholders, from parsing the statement into the unnamed
        prepared statement (replaced by the next one; nothing is executed)."""
        pgconn = self.conn.pgconn
        encoding = self.conn.info.encoding
        result = pgconn.prepare(b"", text.encode(encoding), None)
        if result.status != pq.ExecStatus.COMMAND_OK:
            raise psycopg.errors.error_from_result(result, encoding=encoding)
        described = pgconn.describe_prepared(b"")
        if described.status != pq.ExecStatus.COMMAND_OK:
            raise psycopg.errors.error_from_result(described, encoding=encoding)
        return [described.param_type(i) for i in range(described.nparams)]

    def type_names(self, oids: list[int]) -> list[str]:
        rows = run(self.conn, statement("explain_type_names", self.version_num), {"type_oids": oids})
        return [r["type"] for r in rows]


def _state(conn: psycopg.Connection, version_num: int) -> dict:
    return run(conn, statement("explain_session_state", version_num))[0]


def differences(before: dict, after: dict) -> list[str]:
    out = []
    for key, label in STATE_LABELS.items():
        if before.get(key) != after.get(key):
            out.append(f"{label}: {before.get(key)} before, {after.get(key)} after")
    old, new = before.get("session_settings") or {}, after.get("session_settings") or {}
    for name in sorted(set(old) | set(new)):
        if old.get(name) != new.get(name):
            out.append(f"setting {name}: {old.get(name, 'default')} before, {new.get(name, 'default')} after")
    return out


@contextmanager
def rolled_back(conn: psycopg.Connection, read_only: bool, timeout_ms: int, lock_timeout_ms: int
                ) -> Iterator[RolledBack]:
    """One transaction on `conn` (from Database.dedicated_connection, which closes it), always
    rolled back."""
    session = RolledBack(conn)
    before = _state(conn, session.version_num)
    conn.execute(BEGIN_READ_ONLY if read_only else BEGIN_READ_WRITE)
    try:
        run(conn, statement("explain_limits", session.version_num),
            {"statement_timeout": f"{int(timeout_ms)}ms", "lock_timeout": f"{int(lock_timeout_ms)}ms"})
        yield session
    finally:
        session.changes = _finish(conn, session.version_num, before)


def _finish(conn: psycopg.Connection, version_num: int, before: dict) -> list[str]:
    """ROLLBACK, then compare the session with how it was before BEGIN."""
    if conn.closed or conn.broken:
        return ["the connection was lost; the server rolled the transaction back"]
    try:
        conn.execute(ROLLBACK)
        if conn.info.transaction_status != pq.TransactionStatus.IDLE:
            return ["the session was still in a transaction after ROLLBACK; the connection was closed"]
        return differences(before, _state(conn, version_num))
    except psycopg.Error as exc:
        return [f"the session could not be checked after the rollback ({str(exc).strip().splitlines()[0]}); "
                "the connection was closed"]
