"""The Overview's checks: size against the plan, connections, cache hit ratio, slow statements, capabilities."""

from __future__ import annotations

from lib.core import statement_kind
from lib.core.findings import STATEMENT_KEY, CheckContext, Finding, Severity, check
from lib.core.fmt import fmt_bytes, fmt_ms, fmt_pct, one_line, plural
from lib.live import overview

CACHE_MIN_BLOCKS = 10_000  # below this many block requests a hit ratio says nothing yet


def numbers(ctx: CheckContext) -> overview.OverviewNumbers:
    return ctx.memo("overview", lambda: overview.collect(ctx.db))


@check("database.size", "Database size against the plan's limit", "monitoring")
def database_size(ctx: CheckContext) -> list[Finding]:
    n = numbers(ctx)
    limit = n.plan_limit
    if limit is None:  # a self-hosted server has no plan: its size is a figure, not a finding
        return [Finding(
            "database.size", Severity.INFO, ctx.caps.database, f"Database size {fmt_bytes(n.size_bytes)}",
            {"size_bytes": n.size_bytes, "limit": "none configured"},
            "No plan limit applies: set plan_limit_mb for this database (its [connections.<name>] section or "
            "[pgpulse.thresholds]) to be warned before it reaches one.")]
    ratio = n.size_ratio
    severity = (Severity.CRITICAL if ratio >= 1 else
                Severity.WARNING if ratio > ctx.thresholds.database_size_ratio else Severity.OK)
    return [Finding(
        "database.size", severity, ctx.caps.database,
        f"Database uses {fmt_pct(ratio)} of its {fmt_bytes(limit.bytes)} plan",
        {"size_bytes": n.size_bytes, "limit_bytes": limit.bytes, "limit_from": limit.source, "ratio": round(ratio, 4)},
        "Archive or delete old soft-deleted rows, drop unused indexes, or move to a larger plan."
        if severity > Severity.OK else "Size is within the plan.",
    )]


@check("connections.count", "Connections against the limits", "connections")
def connections(ctx: CheckContext) -> list[Finding]:
    n = numbers(ctx)
    t = ctx.thresholds
    evidence = {"connections": n.connections, "active": n.active_connections,
                "max_connections": n.max_connections, "ratio": round(n.connection_ratio, 4)}
    if n.connection_ratio > 0.95:
        severity, title = Severity.CRITICAL, "Connections nearly exhausted"
    elif n.connection_ratio > t.connections_ratio or n.active_connections > t.max_active_connections:
        severity, title = Severity.WARNING, "Many connections in use"
    else:
        severity, title = Severity.OK, "Connections within limits"
    return [Finding(
        "connections.count", severity, ctx.caps.database,
        f"{title}: {n.connections} of {n.usable_connections} ({n.active_connections} active)", evidence,
        "Use a connection pooler (Supabase: port 6543, or PgBouncer) sized cores × 2 + spindles, and make "
        "sure the application releases its connections." if severity > Severity.OK else "",
    )]


@check("cache.hit_ratio", "Buffer cache hit ratio", "caching")
def cache_hit_ratio(ctx: CheckContext) -> list[Finding]:
    n = numbers(ctx)
    blocks, ratio = n.cache_blocks, n.cache_hit_ratio
    if ratio is None or blocks < CACHE_MIN_BLOCKS:
        return [Finding("cache.hit_ratio", Severity.INFO, ctx.caps.database,
                        "Too little activity to judge the cache hit ratio yet", {"blocks": blocks},
                        "Come back when the database has served some traffic.")]
    low = ratio < ctx.thresholds.cache_hit_ratio
    return [Finding(
        "cache.hit_ratio", Severity.WARNING if low else Severity.OK, ctx.caps.database,
        f"Cache hit ratio {fmt_pct(ratio, 2)}", {"ratio": round(ratio, 5), "blocks": blocks},
        "Reads often miss the cache: add memory (shared_buffers), or cut what queries read "
        "(indexes, selecting fewer columns)." if low else "",
    )]


@check("queries.slow", "Statements slower than the slow threshold", "queries")
def slow_statements(ctx: CheckContext) -> list[Finding]:
    if not ctx.caps.has_pgss:
        return []
    slow_ms = ctx.thresholds.slow_query_ms
    rows = ctx.db.rows("slow_statements", {"slow_ms": slow_ms, "limit": 50, **statement_kind.params()})
    return [Finding(
        "queries.slow", Severity.WARNING, str(r["queryid"]),
        f"Mean {fmt_ms(r['mean_exec_ms'])} over {plural(r['calls'], 'call')}: {one_line(r['query'], 80)}",
        {"mean_exec_ms": round(r["mean_exec_ms"], 3), "calls": r["calls"],
         "total_exec_ms": round(r["total_exec_ms"], 3), "load_share": round(r["load_share"] or 0, 4),
         STATEMENT_KEY: r["query"] or ""},
        f"Slower than {fmt_ms(slow_ms)} on average: open it on Slow Queries to see its plan and lint advice.",
    ) for r in rows]


@check("extension.pg_stat_statements", "pg_stat_statements is available", "monitoring")
def pgss_available(ctx: CheckContext) -> list[Finding]:
    problem = ctx.caps.pgss_problem()
    if problem is None:
        return []
    return [Finding("extension.pg_stat_statements", Severity.WARNING, ctx.caps.database,
                    "Slow-query statistics are not available", {"loaded": int(ctx.caps.pgss_loaded)}, problem)]


@check("role.stats_privilege", "The monitoring role sees every statistic", "monitoring")
def stats_privilege(ctx: CheckContext) -> list[Finding]:
    note = ctx.caps.privilege_note()
    if note is None:
        return []
    return [Finding("role.stats_privilege", Severity.INFO, ctx.caps.role,
                    "Some statistics are hidden from this role", {"hidden_texts": ctx.caps.pgss_hidden_texts}, note)]


