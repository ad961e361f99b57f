"""Run the maintenance queries (queries/maint_*.sql) on the pool or on the action's own session.

Checks and figures read the same queries before an action (dialog, pooled connection) and around it
(the action's dedicated session, so a refused or failed action needs no second connection).
"""

from __future__ import annotations

from typing import Any

import psycopg

from lib.core.db import Database, run


class Reader:
    def __init__(self, db: Database, conn: psycopg.Connection | None = None):
        self.db = db
        self.conn = conn

    def rows(self, name: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        # With a session, only that session: the advisory lock must never land on a pooled connection.
        if self.conn is None:
            return self.db.rows(name, params)
        return run(self.conn, self.db.statement(name), params)

    def one(self, name: str, params: dict[str, Any] | None = None) -> dict[str, Any] | None:
        found = self.rows(name, params)
        return found[0] if found else None
