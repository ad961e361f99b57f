"""The weekly review: a period against the one before, from history alone (the page, the CLI, the file).

Regressions: mean up by `regression_ratio` or more and above the slow threshold. Improvements: mean
down by the same factor, from at least `improvement_min_ms`. New slow: above the slow threshold and
not run at all the period before. Both kinds name the maintenance action that probably caused them.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from lib.core import statement_kind
from lib.history import causes, read
from lib.history.periods import Period

TOP = 10
GROWING = 5
MIN_TUPLES_FOR_BLOAT = 1000  # a dead-tuple ratio of a tiny table says nothing


@dataclass
class KeyNumber:
    key: str
    label: str
    value: float | None
    previous: float | None
    unit: str  # bytes, ms, count, ratio
    better: str = ""  # lower, higher, or "" when neither direction is good news
    help: str = ""

    @property
    def change(self) -> float | None:
        """Relative change (0.25 = up 25%), None when there is nothing to compare."""
        if self.value is None or not self.previous:
            return None
        return self.value / self.previous - 1


@dataclass
class Review:
    database: str
    period: Period
    previous_period: Period
    demo: bool
    coverage: dict
    numbers: list[KeyNumber]
    statements: list[dict]
    new_slow: list[dict] = field(default_factory=list)
    regressions: list[dict] = field(default_factory=list)
    improvements: list[dict] = field(default_factory=list)
    growing_tables: list[dict] = field(default_factory=list)
    new_bloat: list[dict] = field(default_factory=list)
    new_unused_indexes: list[dict] = field(default_factory=list)
    findings_opened: list[dict] = field(default_factory=list)
    findings_resolved: list[dict] = field(default_factory=list)
    actions: list[dict] = field(default_factory=list)
    daily: list[dict] = field(default_factory=list)
    sizes: list[dict] = field(default_factory=list)
    slow_ms: float = 100.0

    @property
    def empty(self) -> bool:
        return not self.coverage["snapshots"]

    def number(self, key: str) -> KeyNumber:
        return next(n for n in self.numbers if n.key == key)

    def to_dict(self) -> dict:
        data = {k: v for k, v in asdict(self).items() if k not in ("period", "previous_period", "numbers")}
        data.update(period=self.period.to_dict(), previous_period=self.previous_period.to_dict(),
                    key_numbers={n.key: {"label": n.label, "value": n.value, "previous": n.previous,
                                         "change": n.change, "unit": n.unit} for n in self.numbers})
        return _json_safe(data)


def build_review(store, database: str, period: Period, thresholds) -> Review:
    prev = period.previous()
    now_stmts = [s for s in read.statement_deltas(store, database, period.since, period.until) if s["calls"]]
    before = {s["queryid"]: s for s in read.statement_deltas(store, database, prev.since, prev.until)}
    snaps = read.snapshots(store, database, prev.since, period.until)
    current = [s for s in snaps if s["at"] > period.since]
    earlier = [s for s in snaps if s["at"] <= period.since]
    history = read.coverage(store, database)
    slow = thresholds.slow_query_ms
    statements = [_with_previous(s, before.get(s["queryid"])) for s in now_stmts]
    review = Review(
        database=database, period=period, previous_period=prev,
        demo=any(s["demo"] for s in snaps), slow_ms=slow,
        coverage={"snapshots": len(current), "previous_snapshots": len(earlier),
                  "first": history["first"], "last": history["last"]},
        numbers=_numbers(store, database, period, current, earlier, now_stmts, list(before.values()), slow),
        statements=statements,
    )
    every_action = read.actions(store, database, prev.since, period.until)
    relations = read.all_relations(store, database)
    index_tables = causes.index_tables(relations)
    ratio = thresholds.regression_ratio
    for s in statements:
        if statement_kind.is_maintenance(s["query"]):
            continue  # ANALYZE, REFRESH, CREATE INDEX...: no slow query, regression or improvement
        p = s["previous"]
        mean = s["mean_exec_ms"]
        if mean is not None and mean > slow and p is None:
            review.new_slow.append(s)
        elif p and mean is not None and p["mean_exec_ms"]:
            if mean >= p["mean_exec_ms"] * ratio and mean > slow:
                review.regressions.append({**s, "cause": causes.cause(s["query"], every_action, index_tables)})
            elif mean * ratio <= p["mean_exec_ms"] and p["mean_exec_ms"] >= thresholds.improvement_min_ms:
                review.improvements.append({**s, "cause": causes.cause(s["query"], every_action, index_tables)})
    review.actions = [a for a in every_action if a["at"] > period.since]
    review.findings_opened, review.findings_resolved = read.findings_changes(store, database, period.since,
                                                                             period.until)
    _relations(review, store, database, period, prev, thresholds, history["first"])
    review.daily = _daily(current, period, "current") + _daily(earlier, prev, "previous")
    review.sizes = [{"at": s["at"], "size_bytes": s["size_bytes"]} for s in snaps]
    return review


def _slow(s: dict, slow: float) -> bool:
    """A slow query: mean above the threshold, and not a maintenance or DDL statement."""
    return (s["mean_exec_ms"] or 0) > slow and not statement_kind.is_maintenance(s.get("query"))


def _with_previous(s: dict, p: dict | None) -> dict:
    out = {k: s[k] for k in ("queryid", "query", "calls", "total_exec_ms", "mean_exec_ms", "rows",
                             "shared_blks_hit", "shared_blks_read", "temp_blks_written")}
    out["previous"] = None if p is None or not p["calls"] else {
        k: p[k] for k in ("calls", "total_exec_ms", "mean_exec_ms", "rows")}
    out["mean_change"] = (s["mean_exec_ms"] / out["previous"]["mean_exec_ms"] - 1
                          if out["previous"] and out["previous"]["mean_exec_ms"] and s["mean_exec_ms"] is not None
                          else None)
    return out


def _numbers(store, database, period, current, earlier, now_stmts, before_stmts, slow) -> list[KeyNumber]:
    def totals(snaps):
        if not snaps:
            return dict.fromkeys(("calls", "exec_ms", "mean", "hit", "peak"))
        calls = sum(s["calls"] for s in snaps)
        exec_ms = sum(s["exec_ms"] for s in snaps)
        hit, miss = sum(s["blks_hit"] for s in snaps), sum(s["blks_read"] for s in snaps)
        return {"calls": calls, "exec_ms": exec_ms, "mean": exec_ms / calls if calls else None,
                "hit": hit / (hit + miss) if hit + miss else None,
                "peak": max(s["peak_connections"] or 0 for s in snaps)}

    now, then = totals(current), totals(earlier)
    end, start = read.snapshot_at(store, database, period.until), read.snapshot_at(store, database, period.since)
    slow_now = sum(1 for s in now_stmts if _slow(s, slow)) if current else None
    slow_then = sum(1 for s in before_stmts if _slow(s, slow)) if earlier else None
    return [
        KeyNumber("database_size", "Database size", end and end["size_bytes"], start and start["size_bytes"], "bytes"),
        KeyNumber("total_query_time", "Query time", now["exec_ms"], then["exec_ms"], "ms", "lower"),
        KeyNumber("calls", "Calls", now["calls"], then["calls"], "count"),
        KeyNumber("mean_latency", "Mean latency", now["mean"], then["mean"], "ms", "lower"),
        KeyNumber("cache_hit_ratio", "Cache hit ratio", now["hit"], then["hit"], "ratio", "higher"),
        KeyNumber("peak_connections", "Connections", now["peak"], then["peak"], "count", "lower",
                  "The most client connections seen at one snapshot (the peak)."),
        KeyNumber("slow_statements", "Slow queries", slow_now, slow_then, "count", "lower",
                  f"Statements whose mean execution time was above {slow:g} ms over the period."),
    ]


def _relations(review: Review, store, database, period: Period, prev: Period, thresholds, first) -> None:
    start_at = max(period.since, first or period.since)
    start = read.relations_at(store, database, start_at)
    end = read.relations_at(store, database, period.until)
    tables = [r for r in end.values() if r["kind"] == "table"]
    growth = []
    for t in tables:
        before = start.get(t["id"])
        grew = t["size_bytes"] - (before["size_bytes"] if before else 0)
        if grew > 0:
            growth.append({"table": f"{t['schema_name']}.{t['name']}", "size_bytes": t["size_bytes"],
                           "growth_bytes": grew,
                           "rows_added": t["n_live_tup"] - (before["n_live_tup"] if before else 0),
                           "growth": grew / before["size_bytes"] if before and before["size_bytes"] else None})
    review.growing_tables = sorted(growth, key=lambda g: -g["growth_bytes"])[:GROWING]

    limit = thresholds.dead_tuple_ratio
    for t in tables:
        ratio = _dead_ratio(t)
        before = start.get(t["id"])
        if ratio is not None and ratio > limit and (before is None or (_dead_ratio(before) or 0) <= limit):
            review.new_bloat.append({"table": f"{t['schema_name']}.{t['name']}", "dead_ratio": ratio,
                                     "dead_tuples": t["n_dead_tup"], "size_bytes": t["size_bytes"]})

    scans_now = read.relation_deltas(store, database, period.since, period.until)
    scans_then = read.relation_deltas(store, database, prev.since, prev.until)
    for i in end.values():
        if i["kind"] != "index" or i["is_unique"] or i["is_primary"]:
            continue
        if (scans_now.get(i["id"]) or {}).get("idx_scan"):
            continue
        used_before = (scans_then.get(i["id"]) or {}).get("idx_scan") or 0
        created = i["first_seen"] > period.since and i["first_seen"] > (first or 0)
        if used_before or created:
            review.new_unused_indexes.append({
                "index": f"{i['schema_name']}.{i['name']}", "size_bytes": i["size_bytes"],
                "scans_before": used_before, "why": "created this period, never scanned" if created
                else f"scanned {used_before:,} times the period before, not once this period"})


def _dead_ratio(r: dict) -> float | None:
    total = (r["n_live_tup"] or 0) + (r["n_dead_tup"] or 0)
    return r["n_dead_tup"] / total if total >= MIN_TUPLES_FOR_BLOAT else None


def _daily(snaps: list[dict], period: Period, which: str) -> list[dict]:
    """Query time and calls per day of the period (day 0 is its first day)."""
    days = max(1, math.ceil(period.days))
    out = [{"period": which, "day": d, "date": datetime.fromtimestamp(period.since + d * 86400, UTC).date().isoformat(),
            "calls": 0, "exec_ms": 0.0} for d in range(days)]
    for s in snaps:
        d = min(days - 1, max(0, math.ceil((s["at"] - period.since) / 86400) - 1))
        out[d]["calls"] += s["calls"]
        out[d]["exec_ms"] += s["exec_ms"]
    return out


def _json_safe(value):
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value
