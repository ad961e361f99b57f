"""Checks on what statements do: N+1 patterns and the guide's performance targets."""

from __future__ import annotations

from lib.core.findings import STATEMENT_KEY, CheckContext, Finding, Severity, check
from lib.core.fmt import fmt_ms
from lib.statements import explorer, nplus1, table_keys, targets


def busy(ctx: CheckContext) -> list[explorer.StatementText]:
    """The busiest statements with their texts, read once per check run."""
    return ctx.memo("explorer.busiest", lambda: explorer.busiest(ctx.db))


def catalog_of(ctx: CheckContext) -> table_keys.Catalog:
    return ctx.memo("tablekeys", lambda: table_keys.for_statements(ctx.db, busy(ctx)))


@check("queries.n_plus_one", "Statements run once per row of another (N+1)", "queries")
def n_plus_one(ctx: CheckContext) -> list[Finding]:
    if not ctx.caps.has_pgss:
        return []
    found = nplus1.detect(busy(ctx), catalog_of(ctx), ctx.thresholds)
    return [Finding(
        "queries.n_plus_one", Severity.WARNING if n.likely else Severity.INFO, str(n.lookup.queryid),
        f"{'Likely' if n.likely else 'Possible'} N+1: {n.lookup.short} runs once per row of {n.listing.short}",
        {"lookup_calls": n.lookup.calls, "list_calls": n.listing.calls,
         "rows_per_call": round(n.lookup.rows_per_call, 2), "list_queryid": str(n.listing.queryid),
         "total_exec_ms": round(n.lookup.total_exec_ms, 3), "load_share": round(n.lookup.load_share, 4),
         STATEMENT_KEY: n.lookup.query or ""},
        f"{n.describe()}. Fetch the related rows in one query: a JOIN with the list statement, or the lookup "
        f"for every listed key at once:\n\n```sql\n{n.batched_sql}\n```",
    ) for n in found]


@check("queries.targets", "Statements within the guide's performance targets", "queries")
def performance_targets(ctx: CheckContext) -> list[Finding]:
    if not ctx.caps.has_pgss:
        return []
    compliance = targets.assess(busy(ctx), catalog_of(ctx), ctx.thresholds)
    offenders = compliance.offenders()
    if not offenders:
        if not compliance.assessments:
            return []
        return [Finding("queries.targets", Severity.OK, ctx.caps.database,
                        f"All {len(compliance.assessments)} statements with a target meet it",
                        {"statements": len(compliance.assessments)})]
    return [Finding(
        "queries.targets", Severity.WARNING, str(a.statement.queryid),
        f"{a.label} slower than its {fmt_ms(a.target_ms)} target (mean {fmt_ms(a.statement.mean_exec_ms)}): "
        f"{a.statement.short}",
        {"mean_exec_ms": round(a.statement.mean_exec_ms, 3), "target_ms": a.target_ms,
         "calls": a.statement.calls, "load_share": round(a.statement.load_share, 4),
         STATEMENT_KEY: a.statement.query or ""},
        f"Classified as {a.label.lower()} ({a.reason}). Open it on Query detail for its plan and lint advice.",
    ) for a in offenders]
