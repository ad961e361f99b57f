"""One snapshot per interval per database, across sessions, processes and app instances.

A row per database in the store: `next_due` (when the next interval's snapshot may start) and
`busy_until` (a snapshot is being taken). Taking the lease is one conditional UPDATE, atomic in
SQLite and PostgreSQL alike; whoever's token is then in the row won.
"""

from __future__ import annotations

import time
import uuid

BUSY_S = 300  # a snapshot that has not finished after this long is presumed dead
SLACK = 0.1  # a cron job a little early still counts as this interval's


def acquire(store, database: str, interval_s: float, force: bool = False, now: float | None = None) -> str | None:
    """A token when this caller may take the snapshot now, else None (another one has or is taking it)."""
    now = time.time() if now is None else now
    token = uuid.uuid4().hex
    store.execute("INSERT INTO hist_lease (database, busy_until, next_due) VALUES (:db, 0, 0) "
                  "ON CONFLICT (database) DO NOTHING", {"db": database})
    store.execute(
        "UPDATE hist_lease SET holder = :token, busy_until = :busy, next_due = :due "
        "WHERE database = :db AND busy_until < :now AND (:force = 1 OR next_due <= :early)",
        {"token": token, "busy": now + BUSY_S, "due": now + interval_s, "db": database,
         "now": now, "force": int(force), "early": now + interval_s * SLACK})
    row = store.query("SELECT holder FROM hist_lease WHERE database = :db", {"db": database})
    return token if row and row[0]["holder"] == token else None


def release(store, database: str, token: str) -> None:
    store.execute("UPDATE hist_lease SET busy_until = 0 WHERE database = :db AND holder = :token",
                  {"db": database, "token": token})


def status(store, database: str) -> dict | None:
    rows = store.query("SELECT holder, busy_until, next_due FROM hist_lease WHERE database = :db", {"db": database})
    return rows[0] if rows else None
