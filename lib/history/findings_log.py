"""Findings as they open and resolve, so the weekly review can say what appeared and what was fixed.

Only warnings and criticals are followed (info and ok findings are not news). A check that could
not run keeps its findings open: not knowing is not the same as fixed.
"""

from __future__ import annotations

import time

from lib.checks import run_checks
from lib.core.findings import CheckContext, Severity


def due(store, database: str, interval_s: float, now: float | None = None) -> bool:
    now = time.time() if now is None else now
    rows = store.query("SELECT findings_at FROM hist_state WHERE database = :db", {"db": database})
    return not rows or rows[0]["findings_at"] is None or rows[0]["findings_at"] <= now - interval_s


def record_checks(db, store, database: str, at: float | None = None, demo: bool = False) -> tuple[int, int]:
    result = run_checks(CheckContext(db, db.thresholds))
    return record(store, database, result.findings, set(result.errors), time.time() if at is None else at, demo)


def record(store, database: str, findings, failed_checks: set[str], at: float, demo: bool = False
           ) -> tuple[int, int]:
    """Open what is new, resolve what is gone; returns (opened, resolved)."""
    current = {(f.check, f.object): f for f in findings if f.severity >= Severity.WARNING}
    with store.transaction():
        open_rows = store.query("SELECT id, check_id, object FROM hist_finding "
                                "WHERE database = :db AND resolved_at IS NULL", {"db": database})
        known = {(r["check_id"], r["object"]): r["id"] for r in open_rows}
        gone = [{"id": i, "at": at} for k, i in known.items() if k not in current and k[0] not in failed_checks]
        store.execute_many("UPDATE hist_finding SET resolved_at = :at WHERE id = :id", gone)
        store.execute_many(
            "UPDATE hist_finding SET last_seen = :at, severity = :severity, title = :title WHERE id = :id",
            [{"id": known[k], "at": at, "severity": f.severity.label, "title": f.title}
             for k, f in current.items() if k in known])
        new = [{"db": database, "check": f.check, "object": f.object, "severity": f.severity.label,
                "title": f.title, "at": at, "demo": int(demo)} for k, f in current.items() if k not in known]
        store.execute_many(
            "INSERT INTO hist_finding (database, check_id, object, severity, title, opened_at, last_seen, demo) "
            "VALUES (:db, :check, :object, :severity, :title, :at, :at, :demo)", new)
        store.execute("UPDATE hist_state SET findings_at = :at WHERE database = :db", {"db": database, "at": at})
    return len(new), len(gone)
