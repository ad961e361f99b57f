"""Cancel or terminate a session, safely: enabled databases only, never pgpulse's own, the right session.

A minimal runner for the two backend actions of the Activity page; the shared confirmed-action runner
(lib/maintenance) can replace `run` wholesale: it takes the same Action and returns an outcome.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from lib.db import run as run_sql
from lib.errors import describe
from lib.findings import Action
from lib.sqlfiles import TAG

BACKEND_KINDS = {"cancel_backend", "terminate_backend"}


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str
    status: str  # done, refused, failed


def run(db, action: Action, backend_start: datetime | None = None, store=None, app_user: str = "") -> Outcome:
    """Signal the session of `action` if that is allowed, and audit the attempt when a store is given.

    `backend_start` is when the session the user looked at started: a pid reused by a new session since
    then is refused rather than signalled.
    """
    started = time.monotonic()
    outcome = _run(db, action, backend_start)
    if store is not None:
        store.execute(
            "INSERT INTO audit_log (at, app_user, database, action, object, sql, outcome, duration_ms, details) "
            "VALUES (:at, :user, :db, :action, :object, :sql, :outcome, :ms, :details)",
            {"at": time.time(), "user": app_user or None, "db": db.config.name, "action": action.kind,
             "object": f"pid {action.target_name}", "sql": action.sql, "outcome": outcome.status,
             "ms": (time.monotonic() - started) * 1000, "details": outcome.message})
    return outcome


def _run(db, action: Action, backend_start: datetime | None) -> Outcome:
    if action.kind not in BACKEND_KINDS:
        return Outcome(False, f"{action.kind} is not a session action.", "refused")
    if not db.config.actions_enabled:
        return Outcome(False, "Actions are off for this database: add `actions = true` to its "
                       "[connections.<name>] section to allow them.", "refused")
    pid = int(action.target_name)
    verb = "cancelled" if action.kind == "cancel_backend" else "terminated"
    try:
        with db.dedicated_connection() as conn:
            target = run_sql(conn, db.statement("backend_target"), {"pid": pid})[0]
            if target["pid"] is None:
                return Outcome(False, f"Session {pid} has already ended: nothing to do.", "refused")
            if pid == target["own_pid"] or (target["application_name"] or "").startswith("pgpulse"):
                return Outcome(False, f"Session {pid} is pgpulse's own connection: it is never "
                               f"{verb} from here.", "refused")
            if backend_start is not None and target["backend_start"] != backend_start:
                return Outcome(False, f"pid {pid} now belongs to another session (the one you saw has ended): "
                               "refresh and look again.", "refused")
            signalled = conn.execute(TAG + action.sql).fetchone()[0]
    except Exception as exc:  # noqa: BLE001 - every failure becomes a sentence
        return Outcome(False, describe(exc, db.config.display).line(), "failed")
    if not signalled:
        return Outcome(False, f"PostgreSQL could not signal session {pid} (it may just have ended).", "failed")
    return Outcome(True, f"Session {pid} {verb}.", "done")
