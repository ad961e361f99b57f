"""The owner's five-second answer: the key numbers of one database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lib.core import statement_kind


@dataclass(frozen=True)
class OverviewNumbers:
    size_bytes: int
    plan_limit_bytes: int
    connections: int
    active_connections: int
    idle_in_transaction: int
    max_connections: int
    reserved_connections: int
    cache_hit_ratio: float | None  # None until the database has read anything
    cache_blocks: int
    stats_reset: datetime | None
    server_started: datetime
    # From pg_stat_statements; None when it is not available.
    statements: int | None = None
    calls: int | None = None
    total_exec_ms: float | None = None
    slow_statements: int | None = None
    statements_reset: datetime | None = None
    evicted: int | None = None

    @property
    def size_ratio(self) -> float:
        return self.size_bytes / self.plan_limit_bytes if self.plan_limit_bytes else 0.0

    @property
    def usable_connections(self) -> int:
        return max(self.max_connections - self.reserved_connections, 1)

    @property
    def connection_ratio(self) -> float:
        return self.connections / self.usable_connections


def hit_ratio(hits: int | None, reads: int | None) -> float | None:
    total = (hits or 0) + (reads or 0)
    return (hits or 0) / total if total else None


def plan_limit_bytes(db) -> int:
    limit_mb = db.config.plan_limit_mb or db.thresholds.plan_limit_mb
    return int(limit_mb * 1024 * 1024)


def collect(db) -> OverviewNumbers:
    row = db.one("database_overview")
    numbers = dict(
        size_bytes=row["size_bytes"], plan_limit_bytes=plan_limit_bytes(db),
        connections=row["connections"], active_connections=row["active_connections"],
        idle_in_transaction=row["idle_in_transaction"], max_connections=row["max_connections"],
        reserved_connections=row["reserved_connections"],
        cache_hit_ratio=hit_ratio(row["blks_hit"], row["blks_read"]),
        cache_blocks=(row["blks_hit"] or 0) + (row["blks_read"] or 0),
        stats_reset=row["stats_reset"], server_started=row["server_started"],
    )
    if db.capabilities.has_pgss:
        totals = db.one("pgss_totals", {"slow_ms": db.thresholds.slow_query_ms, **statement_kind.params()})
        numbers.update(statements=totals["statements"], calls=int(totals["calls"]),
                       total_exec_ms=float(totals["total_exec_ms"]), slow_statements=totals["slow_statements"],
                       statements_reset=totals["stats_reset"], evicted=totals["evicted"])
    return OverviewNumbers(**numbers)
