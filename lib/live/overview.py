"""The owner's five-second answer: the key numbers of one database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lib.core import statement_kind
from lib.core.fmt import fmt_bytes, fmt_pct

# The guide's Supabase free-tier size limit, applied to a recognised Supabase project with no limit set.
SUPABASE_FREE_TIER_MB = 400.0


@dataclass(frozen=True)
class PlanLimit:
    """The database size limit that applies, and where it came from (words for the evidence)."""

    bytes: int
    source: str


@dataclass(frozen=True)
class OverviewNumbers:
    size_bytes: int
    plan_limit: PlanLimit | None  # None: no limit configured and not a Supabase project
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
    def plan_limit_bytes(self) -> int | None:
        return self.plan_limit.bytes if self.plan_limit else None

    @property
    def size_ratio(self) -> float | None:
        """Size as a share of the plan's limit; None with no limit (a self-hosted server has no plan)."""
        return self.size_bytes / self.plan_limit.bytes if self.plan_limit else None

    @property
    def size_note(self) -> str:
        """The size against its limit, in words, or why there is none."""
        if self.plan_limit is None:
            return "no plan limit set"
        return f"{fmt_pct(self.size_ratio)} of the {fmt_bytes(self.plan_limit.bytes)} plan"

    @property
    def usable_connections(self) -> int:
        return max(self.max_connections - self.reserved_connections, 1)

    @property
    def connection_ratio(self) -> float:
        return self.connections / self.usable_connections


def hit_ratio(hits: int | None, reads: int | None) -> float | None:
    total = (hits or 0) + (reads or 0)
    return (hits or 0) / total if total else None


def plan_limit(db) -> PlanLimit | None:
    """The size limit that applies: `plan_limit_mb` of the database's section, else of
    [pgpulse.thresholds], else the guide's free-tier limit on a recognised Supabase project (the
    supabase_admin role and the auth and storage schemas), else none."""
    def mb(value: float) -> int:
        return int(value * 1024 * 1024)

    if db.config.plan_limit_mb:
        return PlanLimit(mb(db.config.plan_limit_mb), f"plan_limit_mb in [connections.{db.config.name}]")
    if db.thresholds.plan_limit_mb:
        return PlanLimit(mb(db.thresholds.plan_limit_mb), "plan_limit_mb in [pgpulse.thresholds]")
    if db.capabilities.supabase:
        return PlanLimit(mb(SUPABASE_FREE_TIER_MB), "Supabase project detected: the guide's free-tier limit "
                         "(set plan_limit_mb to your plan's)")
    return None


def collect(db) -> OverviewNumbers:
    row = db.one("database_overview")
    numbers = dict(
        size_bytes=row["size_bytes"], plan_limit=plan_limit(db),
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
