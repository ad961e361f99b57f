"""Planning statements with and without hypothetical indexes (hypopg), leaving nothing behind.

Everything runs on a dedicated connection (never the pool's: hypothetical indexes live in the
backend's memory and a rollback does not remove them), inside a READ ONLY transaction that is
rolled back, with hypopg_reset() before the end and the connection closed afterwards. A statement
that fails to plan rolls its transaction back; the session begins a new one and goes on.

On PostgreSQL 16+ statements are planned with EXPLAIN (GENERIC_PLAN); on 15 with representative
values for their `$n` (lib.advisor.values), sent as real parameters, never put into the SQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import RawCursor, sql
from psycopg.rows import dict_row

from lib.core.sqlfiles import TAG, TAIL
from lib.explain.options import GENERIC_FROM, ExplainOptions, explain_statement
from lib.explain.session import BEGIN_READ_ONLY
from lib.explain.session import statement as session_statement

APP_NAME = "pgpulse-advisor"


class PlanFailed(Exception):
    """PostgreSQL could not plan the statement (a sentence: its first line)."""


class Unavailable(Exception):
    """hypopg cannot be used by this role (e.g. no USAGE on its schema): the advice falls back to statistics."""


class WhatIf:
    def __init__(self, db, conn: psycopg.Connection, timeout_ms: int):
        self.db = db
        self.conn = conn
        self.timeout_ms = timeout_ms
        self.version_num = conn.info.server_version
        self.generic = self.version_num >= GENERIC_FROM
        self.explains = 0
        self.prepared = 0

    def _begin(self) -> None:
        self.conn.execute(BEGIN_READ_ONLY)
        self.conn.execute(session_statement("explain_limits", self.version_num),
                          {"statement_timeout": f"{int(self.timeout_ms)}ms", "lock_timeout": "1000ms"})
        caps = self.db.capabilities
        if caps.superuser and caps.pgss_loaded:
            # Every EXPLAIN would otherwise become a pg_stat_statements entry (tagged, left out of pgpulse's
            # lists) and thousands of them evict the application's rarely run statements from a full view.
            # Only a superuser may stop that, here for this transaction only (track_utility does not).
            self.conn.execute("SELECT set_config('pg_stat_statements.track', 'none', true)" + TAIL)

    def _recover(self) -> None:
        self.conn.execute("ROLLBACK")
        self._begin()

    def _explain(self, text: str) -> sql.Composed:
        """EXPLAIN (FORMAT JSON), generic on 16+, of the statement as written (composed as the EXPLAIN runner does)."""
        return explain_statement(ExplainOptions(buffers=False, generic_plan=self.generic), text)

    def plan(self, text: str, values: tuple | None, placeholders: int = 0) -> dict:
        """The plan's top node (FORMAT JSON) of `text`: generic on 16+; on 15 with `values` for its $n,
        or, without values, the generic plan of the statement prepared in this session
        (plan_cache_mode = force_generic_plan, set for this transaction only)."""
        explain = self._explain(text)
        self.explains += 1
        try:
            if not self.generic and placeholders and values is None:
                return self._prepared_generic(text, placeholders)
            with RawCursor(self.conn) as cur:
                cur.execute(explain, None if self.generic or not values else list(values), prepare=False)
                document = cur.fetchone()[0]
        except psycopg.OperationalError:
            raise
        except psycopg.Error as exc:
            self._recover()
            raise PlanFailed(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__) from None
        if isinstance(document, str):
            document = json.loads(document)
        return document[0]["Plan"]

    def plan_many(self, items: list[tuple[str, tuple | None, int]]) -> list[dict | PlanFailed]:
        """Plans of many statements (text, values, placeholders), sent in one pipeline (no wait per
        statement); when one fails the batch is planned again one by one, so each gets its own answer."""
        # In a pipeline every statement goes by the extended protocol, where a $n must have a value: a
        # GENERIC_PLAN of a statement with $n (16+) is sent on its own, by the simple protocol.
        simple = [i for i, (_t, values, n) in enumerate(items) if not n or (values is not None and not self.generic)]
        out: list[dict | PlanFailed | None] = [None] * len(items)
        try:
            cursors = []
            with self.conn.pipeline():
                for i in simple:
                    text, values, _n = items[i]
                    cur = RawCursor(self.conn)
                    cur.execute(self._explain(text),
                                None if self.generic or not values else list(values), prepare=False)
                    cursors.append((i, cur))
            for i, cur in cursors:
                document = cur.fetchone()[0]
                out[i] = (json.loads(document) if isinstance(document, str) else document)[0]["Plan"]
                cur.close()
            self.explains += len(simple)
        except psycopg.Error:
            if self.conn.broken:
                raise
            if self.conn.info.transaction_status != psycopg.pq.TransactionStatus.INTRANS:
                self._recover()
            out = [None] * len(items)
        for i, (text, values, n) in enumerate(items):
            if out[i] is None:
                try:
                    out[i] = self.plan(text, values, n)
                except PlanFailed as exc:
                    out[i] = exc
        return out  # type: ignore[return-value]

    def _prepared_generic(self, text: str, placeholders: int) -> dict:
        self.prepared += 1
        name = sql.Identifier(f"pgpulse_advisor_{self.prepared}")
        self.conn.execute(sql.SQL("PREPARE {} AS\n{}").format(name, sql.SQL(text)))
        self.conn.execute("SELECT set_config('plan_cache_mode', 'force_generic_plan', true)" + TAIL)
        nulls = sql.SQL(", ").join([sql.NULL] * placeholders)
        document = self.conn.execute(sql.SQL("{}EXPLAIN (FORMAT JSON) EXECUTE {}({})").format(
            sql.SQL(TAG), name, nulls)).fetchone()[0]
        self.conn.execute(sql.SQL("DEALLOCATE {}").format(name))
        if isinstance(document, str):
            document = json.loads(document)
        return document[0]["Plan"]

    def create(self, definition: str) -> tuple[int, int]:
        """A hypothetical index: (its oid, its estimated size in bytes)."""
        try:
            row = self._one(self.db.statement("advisor_hypopg_create"), {"definition": definition})
        except psycopg.OperationalError:
            raise
        except psycopg.errors.InsufficientPrivilege as exc:
            self._recover()
            raise Unavailable(str(exc).strip().splitlines()[0]) from None
        except psycopg.Error as exc:
            self._recover()
            raise PlanFailed(str(exc).strip().splitlines()[0]) from None
        return int(row["oid"]), int(row["bytes"] or 0)

    def drop(self, oid: int) -> None:
        self._one(self.db.statement("advisor_hypopg_drop"), {"oid": oid})

    def reset(self) -> None:
        self._one(self.db.statement("advisor_hypopg_reset"))

    def remaining(self) -> int:
        return int(self._one(self.db.statement("advisor_hypopg_count"))["hypothetical"])

    def _one(self, statement, params: dict | None = None) -> dict:
        with self.conn.cursor(row_factory=dict_row) as cur:
            cur.execute(statement, params or {})
            return cur.fetchone()


@contextmanager
def session(db, timeout_ms: int = 10_000) -> Iterator[WhatIf]:
    """A what-if session: dedicated connection, READ ONLY transaction, hypopg_reset, rollback, closed."""
    with db.dedicated_connection(application_name=APP_NAME) as conn:
        whatif = WhatIf(db, conn, timeout_ms)
        whatif._begin()
        try:
            yield whatif
        finally:
            if not conn.closed and not conn.broken:
                try:
                    if conn.info.transaction_status == psycopg.pq.TransactionStatus.INERROR:
                        conn.execute("ROLLBACK")
                        whatif._begin()
                    whatif.reset()
                    conn.execute("ROLLBACK")
                except psycopg.Error:
                    pass  # the connection is closed next: its hypothetical indexes go with its backend


def total_cost(plan: dict) -> float:
    return float(plan.get("Total Cost") or 0.0)


def uses_index(plan: dict, oid: int) -> bool:
    """Whether a plan reads the hypothetical index `oid` (hypopg names them `<oid>btree_...`)."""
    return f"<{oid}>" in json.dumps(plan)
