"""Take a snapshot: read the server, store what moved since the previous one, downsample with age.

Counters are stored as increments (see lib/history/increments.py for the reset and restart rules);
the cumulative values they are measured from live in the *_state tables. The first snapshot of a
database is a baseline: the work counted before it happened at unknown times, so it stores gauges
and state but no increments.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from lib.core.fmt import fmt_count
from lib.history import collect, history_key, lease, retention
from lib.history.increments import increment, moved
from lib.history.model import (
    DATABASE_COUNTERS,
    REL_STATE_UPSERT,
    RELATION_COLUMNS,
    RELATION_COUNTERS,
    RELATION_GAUGES,
    SAMPLE_INSERT,
    STATE_UPSERT,
    STATEMENT_COUNTERS,
    STATEMENT_INSERT,
    STATEMENT_KEY,
    placeholders,
)


class HistoryError(RuntimeError):
    pass


@dataclass
class SnapshotResult:
    database: str
    at: float
    snapshot_id: int | None = None
    baseline: bool = False
    statements: int = 0
    statements_moved: int = 0
    relations_moved: int = 0
    restarted: bool = False
    skipped: str | None = None
    seconds: float = 0.0

    def line(self) -> str:
        if self.skipped:
            return f"{self.database}: skipped, {self.skipped}"
        kind = "baseline" if self.baseline else "snapshot"
        return (f"{self.database}: {kind} #{self.snapshot_id} in {self.seconds:.2f} s: "
                f"{fmt_count(self.statements_moved)} of {fmt_count(self.statements)} statements moved, "
                f"{fmt_count(self.relations_moved)} tables/indexes changed"
                + (" (counters restarted since the previous snapshot)" if self.restarted else ""))


def take_snapshot(db, store, key: str | None = None, at: float | None = None, force: bool = False,
                  demo: bool = False, compact: bool = True) -> SnapshotResult:
    """One snapshot of `db` into `store`, unless another process took this interval's already."""
    key = key or history_key(db.config)
    thresholds = db.thresholds
    started = time.monotonic()
    now = time.time()
    token = lease.acquire(store, key, thresholds.history_interval_s, force=force, now=now)
    if token is None:
        return SnapshotResult(key, now if at is None else at,
                              skipped="another session or process took this interval's snapshot")
    try:
        reading = collect.read(db)
        known = {r["queryid"] for r in store.query("SELECT queryid FROM hist_query_text WHERE database = :db",
                                                   {"db": key})}
        texts = collect.texts(db, sorted({s["queryid"] for s in reading.statements} - known))
        result = record(store, key, reading, time.time() if at is None else at, texts, demo)
        if compact:
            retention.compact(store, key, thresholds, now)
    finally:
        lease.release(store, key, token)
    result.seconds = time.monotonic() - started
    return result


def record(store, key: str, reading: collect.Reading, at: float, texts: dict[int, str],
           demo: bool = False) -> SnapshotResult:
    """Store one reading taken at `at` (epoch seconds), in one transaction."""
    result = SnapshotResult(key, at, statements=len(reading.statements))
    with store.transaction():
        found = store.query("SELECT * FROM hist_state WHERE database = :db", {"db": key})
        prev = found[0] if found else None
        if prev is not None and at <= prev["at"]:
            raise HistoryError(f"a snapshot of {key} at or after this time already exists")
        result.baseline = prev is None
        row = reading.database
        counters = {c: int(row[c] or 0) for c in DATABASE_COUNTERS}
        if prev is None:
            db_delta, stats_restart, pgss_restart = dict.fromkeys(DATABASE_COUNTERS, 0), False, False
            db_restart = False
        else:
            stats_restart = row["stats_reset"] != prev["stats_reset"]
            pgss_restart = prev["pgss_reset"] is not None and reading.pgss_reset != prev["pgss_reset"]
            db_delta, db_restart = increment(json.loads(prev["counters"]), counters, DATABASE_COUNTERS,
                                             stats_restart)
            result.restarted = db_restart or pgss_restart
        # pg_stat_statements newly readable: what it counted so far happened at unknown times.
        statements_baseline = prev is None or (prev["pgss_reset"] is None and reading.has_pgss)
        stmt_rows = _statement_increments(store, key, reading, statements_baseline, pgss_restart, texts)
        result.statements_moved = len(stmt_rows)
        top = [r for r in stmt_rows if r["toplevel"]]
        snapshot = {
            "db": key, "at": at, "since": prev["at"] if prev else None, "baseline": int(prev is None),
            "demo": int(demo), "restarted": int(result.restarted),
            "evicted": _evicted(prev, reading.pgss_dealloc, pgss_restart),
            "server_started": row["server_started"], "pgss_reset": reading.pgss_reset,
            "stats_reset": row["stats_reset"], "version_num": row["version_num"],
            "size_bytes": row["size_bytes"], "connections": row["connections"],
            "active_connections": row["active_connections"], "peak_connections": row["connections"],
            "statements": len(reading.statements) if reading.has_pgss else None,
            "calls": sum(r["calls"] for r in top), "exec_ms": sum(r["total_exec_ms"] for r in top), **db_delta,
        }
        columns = [c for c in snapshot if c != "db"]  # this function's own keys: constant column names
        snapshot_id = store.query(
            f"INSERT INTO hist_snapshot (database, {', '.join(columns)}) VALUES (:db, {placeholders(columns)}) "
            "RETURNING id", snapshot)[0]["id"]
        result.snapshot_id = snapshot_id
        store.execute_many(STATEMENT_INSERT, [{"snapshot_id": snapshot_id, "key_id": r["key_id"],
                                               **{c: r[c] for c in STATEMENT_COUNTERS}} for r in stmt_rows])
        # The database's own counters restart only with pg_stat_reset() or a crash, which restart
        # every table's and index's counters too.
        result.relations_moved = _relations(store, key, reading, snapshot_id, at, prev is None,
                                            stats_restart or db_restart)
        store.execute(
            "INSERT INTO hist_state (database, snapshot_id, at, server_started, pgss_reset, pgss_dealloc, "
            "stats_reset, counters) VALUES (:db, :sid, :at, :started, :pgss_reset, :dealloc, :stats_reset, :c) "
            "ON CONFLICT (database) DO UPDATE SET snapshot_id = excluded.snapshot_id, at = excluded.at, "
            "server_started = excluded.server_started, pgss_reset = excluded.pgss_reset, "
            "pgss_dealloc = excluded.pgss_dealloc, stats_reset = excluded.stats_reset, counters = excluded.counters",
            {"db": key, "sid": snapshot_id, "at": at, "started": row["server_started"],
             "pgss_reset": reading.pgss_reset, "dealloc": reading.pgss_dealloc,
             "stats_reset": row["stats_reset"], "c": json.dumps(counters)})
    return result


def _evicted(prev, dealloc: int | None, pgss_restart: bool) -> int:
    """Entries pg_stat_statements evicted since the previous snapshot."""
    if prev is None or dealloc is None:
        return 0
    before = prev["pgss_dealloc"]
    if pgss_restart or before is None or dealloc < before:
        return dealloc
    return dealloc - before


def _statement_increments(store, key, reading, baseline: bool, restart: bool, texts) -> list[dict]:
    """Increments of the statements that moved (with `key_id` and `toplevel`); updates their state."""
    store.execute_many("INSERT INTO hist_query_text (database, queryid, query) VALUES (:db, :queryid, :query) "
                       "ON CONFLICT (database, queryid) DO NOTHING",
                       [{"db": key, "queryid": q, "query": text} for q, text in texts.items()])
    ids = _statement_keys(store, key)
    new = [s for s in reading.statements if _key(s) not in ids]
    if new:
        store.execute_many("INSERT INTO hist_statement_key (database, dbid, userid, queryid, toplevel, role) "
                           "VALUES (:db, :dbid, :userid, :queryid, :toplevel, :role)",
                           [{"db": key, **{c: s[c] for c in (*STATEMENT_KEY, "role")}} for s in new])
        ids = _statement_keys(store, key)
    states = {r["key_id"]: r for r in store.query(
        "SELECT s.* FROM hist_statement_state s JOIN hist_statement_key k ON k.id = s.key_id "
        "WHERE k.database = :db", {"db": key})}
    rows, changed = [], []
    for s in reading.statements:
        key_id = ids[_key(s)]
        prev = states.pop(key_id, None)
        state = {"key_id": key_id, "stats_since": s["stats_since"], **{c: s[c] for c in STATEMENT_COUNTERS}}
        if baseline:
            changed.append(state)
            continue
        # An entry re-created since (evicted or reset on its own) has a new stats_since (PostgreSQL 17+).
        renewed = prev is not None and s["stats_since"] != prev["stats_since"]
        delta, _ = increment(prev, s, STATEMENT_COUNTERS, restart or renewed)
        if moved(delta, STATEMENT_COUNTERS):
            rows.append({"key_id": key_id, "toplevel": s["toplevel"], **delta})
        if prev is None or moved(delta, STATEMENT_COUNTERS) or renewed:
            changed.append(state)
    store.execute_many(STATE_UPSERT, changed)
    # Entries gone from pg_stat_statements (evicted, reset): if they return, they start from zero.
    store.execute_many("DELETE FROM hist_statement_state WHERE key_id = :key_id",
                       [{"key_id": key_id} for key_id in states])
    return rows


def _key(s: dict) -> tuple:
    return tuple(s[c] for c in STATEMENT_KEY)


def _statement_keys(store, key) -> dict[tuple, int]:
    return {tuple(int(r[c]) for c in STATEMENT_KEY): r["id"] for r in store.query(
        "SELECT id, dbid, userid, queryid, toplevel FROM hist_statement_key WHERE database = :db", {"db": key})}


def _relations(store, key, reading, snapshot_id: int, at: float, baseline: bool, restart: bool) -> int:
    """Store the tables and indexes whose size, tuples or counters changed; returns how many."""
    known = _known_relations(store, key)
    names = ("kind", "schema_name", "name", "table_relid", "is_unique", "is_primary")
    fresh = [r for r in reading.relations if r["relid"] not in known]
    renamed = [r for r in reading.relations if r["relid"] in known
               and (any(known[r["relid"]][c] != r[c] for c in names) or known[r["relid"]]["dropped_at"])]
    store.execute_many(
        "INSERT INTO hist_relation (database, relid, kind, schema_name, name, table_relid, is_unique, "
        "is_primary, first_seen) VALUES (:db, :relid, :kind, :schema_name, :name, :table_relid, :is_unique, "
        ":is_primary, :at)", [{"db": key, "at": at, "relid": r["relid"], **{c: r[c] for c in names}} for r in fresh])
    store.execute_many(
        "UPDATE hist_relation SET kind = :kind, schema_name = :schema_name, name = :name, "
        "table_relid = :table_relid, is_unique = :is_unique, is_primary = :is_primary, dropped_at = NULL "
        "WHERE database = :db AND relid = :relid",
        [{"db": key, "relid": r["relid"], **{c: r[c] for c in names}} for r in renamed])
    if fresh or renamed:
        known = _known_relations(store, key)
    states = {r["rel_id"]: r for r in store.query(
        "SELECT s.* FROM hist_relation_state s JOIN hist_relation r ON r.id = s.rel_id WHERE r.database = :db",
        {"db": key})}
    samples, changed = [], []
    for r in reading.relations:
        rel_id = known[r["relid"]]["id"]
        prev = states.pop(rel_id, None)
        if baseline:
            delta = dict.fromkeys(RELATION_COUNTERS, 0)
        else:
            delta, _ = increment(prev, r, RELATION_COUNTERS, restart)
        gauges_moved = prev is None or any(prev[g] != r[g] for g in RELATION_GAUGES)
        if gauges_moved or moved(delta, RELATION_COUNTERS):
            samples.append({"rel_id": rel_id, **{g: r[g] for g in RELATION_GAUGES}, **delta})
            changed.append({"rel_id": rel_id, **{c: r[c] for c in RELATION_COLUMNS}})
    store.execute_many(SAMPLE_INSERT, [{"snapshot_id": snapshot_id, **r} for r in samples])
    store.execute_many(REL_STATE_UPSERT, changed)
    gone = [{"rel_id": rel_id, "at": at} for rel_id in states]
    store.execute_many("UPDATE hist_relation SET dropped_at = :at WHERE id = :rel_id", gone)
    store.execute_many("DELETE FROM hist_relation_state WHERE rel_id = :rel_id", gone)
    return len(samples)


def _known_relations(store, key) -> dict[int, dict]:
    return {r["relid"]: r for r in store.query(
        "SELECT id, relid, kind, schema_name, name, table_relid, is_unique, is_primary, dropped_at "
        "FROM hist_relation WHERE database = :db", {"db": key})}
