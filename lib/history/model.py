"""The columns history keeps: counters (stored as increments, summed) and gauges (stored as values)."""

from __future__ import annotations

STATEMENT_COUNTERS = (
    "calls", "total_exec_ms", "rows", "plans", "total_plan_ms", "shared_blks_hit", "shared_blks_read",
    "shared_blks_dirtied", "shared_blks_written", "temp_blks_read", "temp_blks_written", "blk_read_ms",
    "blk_write_ms", "wal_bytes",
)
STATEMENT_KEY = ("dbid", "userid", "queryid", "toplevel")

RELATION_GAUGES = ("size_bytes", "n_live_tup", "n_dead_tup")
RELATION_COUNTERS = (
    "seq_scan", "seq_tup_read", "idx_scan", "idx_tup_fetch", "n_tup_ins", "n_tup_upd", "n_tup_del",
    "n_tup_hot_upd", "vacuum_count", "autovacuum_count", "analyze_count", "autoanalyze_count",
)

DATABASE_GAUGES = ("size_bytes", "connections", "active_connections")
DATABASE_COUNTERS = (
    "xact_commit", "xact_rollback", "blks_read", "blks_hit", "tup_returned", "tup_fetched", "tup_inserted",
    "tup_updated", "tup_deleted", "temp_bytes", "deadlocks",
)

FLOAT_COUNTERS = {"total_exec_ms", "total_plan_ms", "blk_read_ms", "blk_write_ms", "wal_bytes"}


def epoch(value) -> float | None:
    """A timestamp from the server as epoch seconds (None stays None)."""
    return None if value is None else value.timestamp()


def placeholders(columns) -> str:
    return ", ".join(f":{c}" for c in columns)


def sums(columns, table: str = "") -> str:
    """'SUM(t.a) AS a, ...': integer sums cast back to BIGINT (PostgreSQL would give numeric)."""
    prefix = f"{table}." if table else ""
    return ", ".join(f"SUM({prefix}{c}) AS {c}" if c in FLOAT_COUNTERS else
                     f"CAST(SUM({prefix}{c}) AS BIGINT) AS {c}" for c in columns)


# Statements built once from the column tuples above (constant names, never input).
STATEMENT_INSERT = (
    "INSERT INTO hist_statement (snapshot_id, key_id, " + ", ".join(STATEMENT_COUNTERS) + ") "
    "VALUES (:snapshot_id, :key_id, " + placeholders(STATEMENT_COUNTERS) + ")"
)
RELATION_COLUMNS = (*RELATION_GAUGES, *RELATION_COUNTERS)
SAMPLE_INSERT = (
    "INSERT INTO hist_relation_sample (snapshot_id, rel_id, " + ", ".join(RELATION_COLUMNS) + ") "
    "VALUES (:snapshot_id, :rel_id, " + placeholders(RELATION_COLUMNS) + ")"
)
STATE_UPSERT = (
    "INSERT INTO hist_statement_state (key_id, stats_since, " + ", ".join(STATEMENT_COUNTERS) + ") "
    "VALUES (:key_id, :stats_since, " + placeholders(STATEMENT_COUNTERS) + ") ON CONFLICT (key_id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in ("stats_since", *STATEMENT_COUNTERS))
)
REL_STATE_UPSERT = (
    "INSERT INTO hist_relation_state (rel_id, " + ", ".join(RELATION_COLUMNS) + ") "
    "VALUES (:rel_id, " + placeholders(RELATION_COLUMNS) + ") ON CONFLICT (rel_id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in RELATION_COLUMNS)
)
