"""What the maintenance CLI and page tests share: a busy table, and a real check that proposes a drop."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from lib.actions import builders
from lib.checks import load_checks
from lib.core.findings import REGISTRY, Finding, Severity, check

TABLE = 'Busy "T"; x'
CHECK_ID = "test.unused_idx"


def q(url: str, statement, params=None) -> list[tuple]:
    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(statement, params)
        return cur.fetchall() if cur.description else []


def make_busy(url: str) -> str:
    """A table with 1,000 dead tuples (autovacuum off) and an index nothing uses."""
    q(url, 'CREATE TABLE "Busy ""T""; x" (id int PRIMARY KEY, v int) WITH (autovacuum_enabled = false)')
    q(url, 'INSERT INTO "Busy ""T""; x" SELECT g, g FROM generate_series(1, 2000) g')
    q(url, 'DELETE FROM "Busy ""T""; x" WHERE id > 1000')
    q(url, 'CREATE INDEX "unused idx" ON "Busy ""T""; x" (v)')
    return url


def vacuum_count(url: str) -> int:
    return q(url, "SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = %s", (TABLE,))[0][0]


@contextmanager
def unused_index_check() -> Iterator[str]:
    """A real check of the test database: it proposes dropping "unused idx" while that index exists."""
    load_checks()

    @check(CHECK_ID, "test: an index to drop", "test")
    def unused(ctx):
        rows = ctx.db.rows("maint_relation", {"schema": "public", "name": "unused idx"})
        return [Finding(CHECK_ID, Severity.WARNING, "public.unused idx", "Index unused idx is never used",
                        {}, "Drop it.", builders.drop_index("public", "unused idx"))] if rows else []

    try:
        yield CHECK_ID
    finally:
        REGISTRY.pop(CHECK_ID)
