"""A labelled demo history: two weeks and a bit of the demo application, recorded for real.

A new demo database has no past. This runs the demo's traffic slot by slot against the real server
and takes a snapshot after each slot under a simulated timestamp, from the Monday two weeks back to
now; every figure is what the server counted. The story, in the last full week:
- Monday 09:00, an index cleanup drops leads_converted_client_id_idx: the clients report with its
  correlated lead count regresses (and the foreign key is left unindexed, as the demo plants it);
- Tuesday 14:00, CREATE INDEX on payments (provider_ref): the reconciliation lookup improves;
- Wednesday, the monthly funnel report runs for the first time: a new slow statement.
The clients report runs on weekdays of those two weeks only, to keep the build short.
Both actions are in the audit log under their simulated times. Snapshots, findings and audit rows
are marked demo, and the weekly page says so.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import psycopg
from psycopg import sql

from lib.actions import builders
from lib.core import sqlfiles
from lib.demo.traffic import DemoTraffic
from lib.demo.workload import WORKLOAD_APPLICATION_NAME
from lib.history import findings_log, history_key, retention
from lib.history.snapshot import take_snapshot

SLOT_H = 6
DROPPED = ("public", "leads", "converted_client_id")  # the regression's index
CREATED = ("public", "payments", "provider_ref")  # the improvement's index
DEMO_DETAILS = json.dumps({"demo": True, "note": "recorded by the demo history under a simulated time"})
Progress = Callable[[float, str], None]


def build_demo_history(db, store, progress: Progress | None = None, now: float | None = None) -> dict:
    """Record the demo history of `db` (the demo database) into `store`; returns what it did."""
    progress = progress or (lambda fraction, text: None)
    key = history_key(db.config)
    now = time.time() if now is None else now
    monday = _week_start(now)
    start = monday - 14 * 86400
    drop_at, create_at = monday - 7 * 86400 + 9 * 3600, monday - 6 * 86400 + 14 * 3600
    slots = [start + i * SLOT_H * 3600 for i in range(int((now - 600 - start) // (SLOT_H * 3600)) + 1)]
    clear(store, key)
    dropped_name = builders.index_name(DROPPED[1], [DROPPED[2]])
    created_name = builders.index_name(CREATED[1], [CREATED[2]])
    with db.dedicated_connection() as conn:
        conn.execute(sql.SQL("DROP INDEX IF EXISTS {}.{}").format(sql.Identifier(CREATED[0]),
                                                                  sql.Identifier(created_name)))
        conn.execute(sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {}.{} ({})").format(
            sql.Identifier(dropped_name), sql.Identifier(DROPPED[0]), sql.Identifier(DROPPED[1]),
            sql.Identifier(DROPPED[2])))
        conn.execute("ANALYZE public.leads")
    events = [(drop_at, builders.drop_index(DROPPED[0], dropped_name)),
              (create_at, builders.create_index(*CREATED[:2], [CREATED[2]]))]
    done = {"snapshots": 0, "actions": 0, "slots": len(slots)}
    with psycopg.connect(db.config.conninfo, autocommit=True, application_name=WORKLOAD_APPLICATION_NAME) as conn:
        traffic = DemoTraffic(conn)
        for i, at in enumerate(slots):
            progress(i / len(slots), f"demo history: {datetime.fromtimestamp(at, UTC):%a %d %b %H:%M}")
            while events and events[0][0] <= at:
                _act(db, store, key, *events.pop(0))
                done["actions"] += 1
                findings_log.record_checks(db, store, key, at - 1, demo=True)
            if i:
                traffic.slot(*_intensity(at, monday))
                conn.execute("SELECT pg_stat_force_next_flush()")
            take_snapshot(db, store, key, at=at, force=True, demo=True, compact=False)
            done["snapshots"] += 1
            if i == 0:
                findings_log.record_checks(db, store, key, at, demo=True)
    findings_log.record_checks(db, store, key, slots[-1], demo=True)
    retention.compact(store, key, db.thresholds, now)
    progress(1.0, "demo history recorded")
    return done


def record_demo_history(conninfo: str, progress: Progress | None = None) -> dict | None:
    """build_demo_history for the embedded demo (lib/demo/server.py calls it after the workload).

    Without a usable store the demo simply has no history (None): it must start all the same.
    """
    from lib.core.config import ConfigError, Thresholds, demo_database, load_settings
    from lib.core.db import Database
    from lib.history.access import HistoryUnavailable, open_history

    try:
        settings = load_settings()
        store_url, thresholds = settings.store_url, settings.thresholds
    except ConfigError:
        store_url, thresholds = None, Thresholds()
    try:
        store = open_history(store_url)
    except HistoryUnavailable:
        return None
    db = Database(demo_database(conninfo), thresholds)
    try:
        return build_demo_history(db, store, progress)
    finally:
        db.close()
        store.close()


def _week_start(now: float) -> float:
    day = datetime.fromtimestamp(now, UTC).date()
    monday = day - timedelta(days=day.weekday())
    return datetime(monday.year, monday.month, monday.day, tzinfo=UTC).timestamp()


def _intensity(at: float, monday: float) -> tuple[float, bool, bool]:
    """(how busy the slot ending at `at` is, whether the daily report runs, whether the funnel runs)."""
    moment = datetime.fromtimestamp(at, UTC)
    hour, weekend = moment.hour, moment.weekday() >= 5
    busy = {6: 0.3, 12: 1.6, 18: 2.0, 0: 0.8}[hour]
    if weekend:
        busy *= 0.4
    last_week = monday - 7 * 86400 < at <= monday
    # The two reports run in the weeks the review compares only: they are the slowest statements here.
    daily_report = hour == 12 and not weekend and at <= monday
    return busy, daily_report, last_week and moment.weekday() == 2 and hour == 12


def _act(db, store, key: str, at: float, action) -> None:
    """Run a demo maintenance action for real and audit it under its simulated time."""
    began = time.monotonic()
    with db.dedicated_connection() as conn:
        conn.execute(action.sql + sqlfiles.TAIL)  # pgpulse's own statement, not the application's
    store.execute(
        "INSERT INTO audit_log (at, app_user, database, action, object, sql, outcome, duration_ms, details) "
        "VALUES (:at, :user, :db, :action, :object, :sql, :outcome, :ms, :details)",
        {"at": at, "user": "demo", "db": key, "action": action.kind,
         "object": f"{action.target_schema}.{action.target_name}", "sql": action.sql, "outcome": "done",
         "ms": (time.monotonic() - began) * 1000, "details": DEMO_DETAILS})


CLEAR = (
    "DELETE FROM hist_statement WHERE snapshot_id IN (SELECT id FROM hist_snapshot WHERE database = :db)",
    "DELETE FROM hist_relation_sample WHERE snapshot_id IN (SELECT id FROM hist_snapshot WHERE database = :db)",
    "DELETE FROM hist_statement_state WHERE key_id IN (SELECT id FROM hist_statement_key WHERE database = :db)",
    "DELETE FROM hist_relation_state WHERE rel_id IN (SELECT id FROM hist_relation WHERE database = :db)",
    "DELETE FROM hist_snapshot WHERE database = :db",
    "DELETE FROM hist_statement_key WHERE database = :db",
    "DELETE FROM hist_query_text WHERE database = :db",
    "DELETE FROM hist_relation WHERE database = :db",
    "DELETE FROM hist_state WHERE database = :db",
    "DELETE FROM hist_lease WHERE database = :db",
    "DELETE FROM hist_finding WHERE database = :db",
)


def clear(store, key: str) -> None:
    """Forget the history of `key` (and the demo's audit rows), so the demo history can be rebuilt."""
    with store.transaction():
        for statement in CLEAR:
            store.execute(statement, {"db": key})
        store.execute("DELETE FROM audit_log WHERE database = :db AND details = :details",
                      {"db": key, "details": DEMO_DETAILS})
