"""Questions asked of the history in the store: deltas over a period, series over time, gauges at a time.

A period (since, until] holds the snapshots taken after `since` up to `until`; each snapshot's
increments cover the interval ending at it, so a delta is a plain SUM over the period's snapshots.
"""

from __future__ import annotations

from lib.history.model import RELATION_COUNTERS, sums

SNAPSHOT_FIELDS = (
    "id, at, since, resolution, baseline, demo, restarted, evicted, size_bytes, connections, "
    "peak_connections, statements, calls, exec_ms, blks_read, blks_hit, xact_commit, xact_rollback, "
    "temp_bytes, deadlocks"
)


def coverage(store, database: str) -> dict:
    """How much history there is: snapshot count, first and last times, whether any is demo data."""
    row = store.query("SELECT count(*) AS snapshots, min(at) AS first, max(at) AS last, max(demo) AS demo "
                      "FROM hist_snapshot WHERE database = :db", {"db": database})[0]
    return {**row, "demo": bool(row["demo"])}


def snapshots(store, database: str, since: float, until: float) -> list[dict]:
    return store.query("SELECT " + SNAPSHOT_FIELDS + " FROM hist_snapshot "
                       "WHERE database = :db AND at > :since AND at <= :until ORDER BY at",
                       {"db": database, "since": since, "until": until})


def snapshot_at(store, database: str, moment: float) -> dict | None:
    """The last snapshot taken at or before `moment` (its gauges are the values then)."""
    rows = store.query("SELECT " + SNAPSHOT_FIELDS + " FROM hist_snapshot WHERE database = :db AND at <= :t "
                       "ORDER BY at DESC LIMIT 1", {"db": database, "t": moment})
    return rows[0] if rows else None


DELTA_COUNTERS = ("calls", "total_exec_ms", "rows", "shared_blks_hit", "shared_blks_read", "temp_blks_written")
# Column names are constants: summed per key first (integers, one index range), named after.
KEY_SUMS = sums(DELTA_COUNTERS)
QUERY_SUMS = sums(DELTA_COUNTERS, "a")


def statement_deltas(store, database: str, since: float, until: float) -> list[dict]:
    """What each statement (by queryid, all roles, top level) did in (since, until], busiest first.

    Each row: queryid, query, calls, total_exec_ms, mean_exec_ms, rows, shared_blks_hit,
    shared_blks_read, temp_blks_written.
    """
    rows = store.query(
        "SELECT k.queryid, max(t.query) AS query, " + QUERY_SUMS + " FROM ("
        "SELECT key_id, " + KEY_SUMS + " FROM hist_statement WHERE snapshot_id IN "
        "(SELECT id FROM hist_snapshot WHERE database = :db AND at > :since AND at <= :until) GROUP BY key_id) a "
        "JOIN hist_statement_key k ON k.id = a.key_id "
        "LEFT JOIN hist_query_text t ON t.database = k.database AND t.queryid = k.queryid "
        "WHERE k.toplevel = 1 GROUP BY k.queryid ORDER BY SUM(a.total_exec_ms) DESC",
        {"db": database, "since": since, "until": until})
    for r in rows:
        r["queryid"] = int(r["queryid"])
        r["mean_exec_ms"] = r["total_exec_ms"] / r["calls"] if r["calls"] else None
    return rows


def statement_series(store, database: str, queryid: int, since: float | None = None,
                     until: float | None = None) -> list[dict]:
    """One statement's increments per snapshot: at, since, calls, total_exec_ms, rows (all roles)."""
    return store.query(
        "SELECT n.at, n.since, " + sums(("calls", "total_exec_ms", "rows"), "s") + " "
        "FROM hist_statement_key k JOIN hist_statement s ON s.key_id = k.id "
        "JOIN hist_snapshot n ON n.id = s.snapshot_id "
        "WHERE k.database = :db AND k.queryid = :queryid AND k.toplevel = 1 AND n.at > :since AND n.at <= :until "
        "GROUP BY n.id, n.at, n.since ORDER BY n.at",
        {"db": database, "queryid": int(queryid), "since": -1.0 if since is None else since,
         "until": 1e12 if until is None else until})


def query_text(store, database: str, queryid: int) -> str | None:
    rows = store.query("SELECT query FROM hist_query_text WHERE database = :db AND queryid = :q",
                       {"db": database, "q": int(queryid)})
    return rows[0]["query"] if rows else None


def size_series(store, database: str, since: float | None = None, until: float | None = None) -> list[dict]:
    return store.query("SELECT at, size_bytes FROM hist_snapshot WHERE database = :db AND at > :since "
                       "AND at <= :until ORDER BY at",
                       {"db": database, "since": -1.0 if since is None else since,
                        "until": 1e12 if until is None else until})


def relations_at(store, database: str, moment: float) -> dict[int, dict]:
    """Every table and index known at `moment`, with its gauges then (size, live and dead tuples)."""
    last = snapshot_at(store, database, moment)
    if last is None:
        return {}
    rows = store.query(
        "SELECT r.id, r.relid, r.kind, r.schema_name, r.name, r.table_relid, r.is_unique, r.is_primary, "
        "r.first_seen, r.dropped_at, s.size_bytes, s.n_live_tup, s.n_dead_tup "
        "FROM hist_relation r JOIN hist_relation_sample s ON s.rel_id = r.id "
        "WHERE r.database = :db AND (r.dropped_at IS NULL OR r.dropped_at > :t) AND s.snapshot_id = "
        "(SELECT max(s2.snapshot_id) FROM hist_relation_sample s2 WHERE s2.rel_id = r.id AND s2.snapshot_id <= :sid)",
        {"db": database, "t": moment, "sid": last["id"]})
    return {r["id"]: r for r in rows}


RELATION_SUMS = sums(RELATION_COUNTERS, "s")


def relation_deltas(store, database: str, since: float, until: float) -> dict[int, dict]:
    """Scans, tuples written and vacuums per table or index in (since, until]."""
    rows = store.query(
        "SELECT s.rel_id, " + RELATION_SUMS + " FROM hist_snapshot n "
        "JOIN hist_relation_sample s ON s.snapshot_id = n.id "
        "WHERE n.database = :db AND n.at > :since AND n.at <= :until GROUP BY s.rel_id",
        {"db": database, "since": since, "until": until})
    return {r["rel_id"]: r for r in rows}


def relation_size_series(store, database: str, rel_ids: list[int]) -> list[dict]:
    """(rel_id, at, size_bytes) of some tables, for growth charts."""
    if not rel_ids:
        return []
    rows = []
    for rel_id in rel_ids:
        rows += store.query("SELECT s.rel_id, n.at, s.size_bytes FROM hist_relation_sample s "
                            "JOIN hist_snapshot n ON n.id = s.snapshot_id WHERE s.rel_id = :r ORDER BY n.at",
                            {"r": rel_id})
    return rows


def actions(store, database: str, since: float, until: float) -> list[dict]:
    """Maintenance actions from the audit log (migration 0001) in (since, until]."""
    return store.query("SELECT at, app_user, action, object, sql, outcome, duration_ms, details FROM audit_log "
                       "WHERE database = :db AND at > :since AND at <= :until ORDER BY at",
                       {"db": database, "since": since, "until": until})


def findings_changes(store, database: str, since: float, until: float) -> tuple[list[dict], list[dict]]:
    """(findings opened, findings resolved) in (since, until]."""
    params = {"db": database, "since": since, "until": until}
    opened = store.query("SELECT check_id, object, severity, title, opened_at, resolved_at FROM hist_finding "
                         "WHERE database = :db AND opened_at > :since AND opened_at <= :until "
                         "ORDER BY opened_at, check_id, object",
                         params)
    resolved = store.query("SELECT check_id, object, severity, title, opened_at, resolved_at FROM hist_finding "
                           "WHERE database = :db AND resolved_at > :since AND resolved_at <= :until "
                           "ORDER BY resolved_at, check_id, object", params)
    return opened, resolved


def all_relations(store, database: str) -> dict[int, dict]:
    """Every table and index history ever saw in the database, dropped ones included."""
    rows = store.query("SELECT id, relid, kind, schema_name, name, table_relid, is_unique, is_primary, first_seen, "
                       "dropped_at FROM hist_relation WHERE database = :db", {"db": database})
    return {r["id"]: r for r in rows}


def table_growth(store, database: str, days: float, now: float) -> dict[tuple[str, str], float]:
    """(schema, table) -> bytes grown over the last `days` (or since history began, when later).
    Empty with fewer than two snapshots in that span: growth needs two points."""
    first = coverage(store, database)["first"]
    if first is None:
        return {}
    start_at = max(now - days * 86400, first)
    start = relations_at(store, database, start_at)
    end = relations_at(store, database, now)
    if not start or snapshot_at(store, database, now)["at"] <= start_at:
        return {}
    was = {r["relid"]: r["size_bytes"] for r in start.values() if r["kind"] == "table"}
    return {(r["schema_name"], r["name"]): r["size_bytes"] - was.get(r["relid"], 0)
            for r in end.values() if r["kind"] == "table"}
