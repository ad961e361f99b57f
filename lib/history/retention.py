"""Downsampling with age, under a retention: older snapshots merge into hourly, then daily ones.

Merging adds the increments of a bucket's snapshots into its last one (so every total over any
period made of whole buckets stays exact), keeps the last gauges (sizes, tuples) and the highest
connection count. Buckets are (start, end] like a snapshot's own interval, aligned to UTC hours and
days, so a week's figures are the same before and after downsampling.
"""

from __future__ import annotations

import math
import time

from lib.history.model import (
    DATABASE_COUNTERS,
    RELATION_COUNTERS,
    RELATION_GAUGES,
    SAMPLE_INSERT,
    STATEMENT_COUNTERS,
    STATEMENT_INSERT,
    sums,
)

HOUR = 3600
DAY = 86400
SNAPSHOT_SUMS = ("calls", "exec_ms", "evicted", *DATABASE_COUNTERS)
SNAPSHOT_MAXES = ("peak_connections", "restarted", "demo")
STATEMENT_SUMS = sums(STATEMENT_COUNTERS)


def compact(store, database: str, thresholds, now: float | None = None) -> dict:
    """Apply the tiers of `thresholds` (history_raw_days, history_hourly_days, history_retention_days)."""
    now = time.time() if now is None else now
    return {
        "hourly": merge_older(store, database, now - thresholds.history_raw_days * DAY, HOUR),
        "daily": merge_older(store, database, now - thresholds.history_hourly_days * DAY, DAY),
        "pruned": prune(store, database, now - thresholds.history_retention_days * DAY),
    }


def bucket_end(at: float, size: int) -> float:
    return math.ceil(at / size) * size


def merge_older(store, database: str, cutoff: float, size: int) -> int:
    """Merge the snapshots of every whole `size` bucket ending by `cutoff`; returns buckets merged."""
    cutoff = math.floor(cutoff / size) * size
    rows = store.query("SELECT at FROM hist_snapshot WHERE database = :db AND at <= :cutoff AND resolution < :size",
                       {"db": database, "cutoff": cutoff, "size": size})
    ends = sorted({bucket_end(r["at"], size) for r in rows})
    for end in ends:
        with store.transaction():
            merge_bucket(store, database, end - size, end, size)
    return len(ends)


def merge_bucket(store, database: str, lo: float, hi: float, size: int) -> None:
    """Everything in (lo, hi] becomes one snapshot, the bucket's last."""
    bounds = {"db": database, "lo": lo, "hi": hi}
    snaps = store.query("SELECT * FROM hist_snapshot WHERE database = :db AND at > :lo AND at <= :hi ORDER BY at",
                        bounds)
    target = snaps[-1]
    merged = {c: sum(s[c] or 0 for s in snaps) for c in SNAPSHOT_SUMS}
    merged.update({c: max(s[c] or 0 for s in snaps) for c in SNAPSHOT_MAXES})
    merged.update(since=snaps[0]["since"], baseline=min(s["baseline"] for s in snaps), resolution=size,
                  id=target["id"])
    store.execute("UPDATE hist_snapshot SET " + ", ".join(f"{c} = :{c}" for c in merged if c != "id")
                  + " WHERE id = :id", merged)
    if len(snaps) == 1:
        return
    sums = store.query("SELECT key_id, " + STATEMENT_SUMS + " FROM hist_statement WHERE snapshot_id IN "
                       "(SELECT id FROM hist_snapshot WHERE database = :db AND at > :lo AND at <= :hi) "
                       "GROUP BY key_id", bounds)
    store.execute("DELETE FROM hist_statement WHERE snapshot_id IN "
                  "(SELECT id FROM hist_snapshot WHERE database = :db AND at > :lo AND at <= :hi)", bounds)
    store.execute_many(STATEMENT_INSERT, [{**r, "snapshot_id": target["id"]} for r in sums])
    samples = _merged_samples(store.query(
        "SELECT s.* FROM hist_relation_sample s JOIN hist_snapshot n ON n.id = s.snapshot_id "
        "WHERE n.database = :db AND n.at > :lo AND n.at <= :hi ORDER BY n.at", bounds))
    store.execute("DELETE FROM hist_relation_sample WHERE snapshot_id IN "
                  "(SELECT id FROM hist_snapshot WHERE database = :db AND at > :lo AND at <= :hi)", bounds)
    _insert_samples(store, target["id"], samples.values())
    store.execute("DELETE FROM hist_snapshot WHERE database = :db AND at > :lo AND at <= :hi AND id <> :id",
                  {**bounds, "id": target["id"]})


def _merged_samples(rows) -> dict[int, dict]:
    """Per relation: the last gauges, the summed counters (rows in time order)."""
    merged: dict[int, dict] = {}
    for r in rows:
        m = merged.setdefault(r["rel_id"], {"rel_id": r["rel_id"], **dict.fromkeys(RELATION_COUNTERS, 0)})
        m.update({g: r[g] for g in RELATION_GAUGES})
        for c in RELATION_COUNTERS:
            m[c] += r[c]
    return merged


def _insert_samples(store, snapshot_id: int, samples) -> None:
    store.execute_many(SAMPLE_INSERT, [{**s, "snapshot_id": snapshot_id} for s in samples])


def prune(store, database: str, before: float) -> int:
    """Forget snapshots older than `before`; the last known gauges move to the oldest kept snapshot."""
    bounds = {"db": database, "before": before}
    old = store.query("SELECT count(*) AS n FROM hist_snapshot WHERE database = :db AND at < :before", bounds)[0]["n"]
    if not old:
        return 0
    with store.transaction():
        kept = store.query("SELECT id FROM hist_snapshot WHERE database = :db AND at >= :before ORDER BY at LIMIT 1",
                           bounds)
        if kept:
            last = _merged_samples(store.query(
                "SELECT s.* FROM hist_relation_sample s JOIN hist_snapshot n ON n.id = s.snapshot_id "
                "WHERE n.database = :db AND n.at < :before ORDER BY n.at", bounds))
            present = {r["rel_id"] for r in store.query(
                "SELECT rel_id FROM hist_relation_sample WHERE snapshot_id = :id", {"id": kept[0]["id"]})}
            carried = [{**s, **dict.fromkeys(RELATION_COUNTERS, 0)} for rel, s in last.items() if rel not in present]
            _insert_samples(store, kept[0]["id"], carried)
        store.execute("DELETE FROM hist_statement WHERE snapshot_id IN "
                      "(SELECT id FROM hist_snapshot WHERE database = :db AND at < :before)", bounds)
        store.execute("DELETE FROM hist_relation_sample WHERE snapshot_id IN "
                      "(SELECT id FROM hist_snapshot WHERE database = :db AND at < :before)", bounds)
        store.execute("DELETE FROM hist_snapshot WHERE database = :db AND at < :before", bounds)
        store.execute("DELETE FROM hist_finding WHERE database = :db AND resolved_at < :before", bounds)
    return old
