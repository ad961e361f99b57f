"""Live-activity checks: long-running queries, idle transactions, lock blocking, idle-dominated connections."""

from __future__ import annotations

from lib.actions import builders
from lib.core.findings import CheckContext, Finding, Severity, check
from lib.core.fmt import fmt_ms, one_line, plural
from lib.live import activity, pooling
from lib.live.blocking import root_blockers

CRITICAL_FACTOR = 10  # ten times a threshold is no longer a warning


def snapshot(ctx: CheckContext) -> activity.Snapshot:
    return ctx.memo("activity", lambda: activity.collect(ctx.db))


def who(row) -> str:
    return f"{row['usename'] or '?'}@{row['datname'] or '?'} ({row['application_name'] or 'no application name'})"


@check("activity.long_running", "Queries running longer than the threshold", "activity")
def long_running(ctx: CheckContext) -> list[Finding]:
    limit = ctx.thresholds.long_running_s
    findings = []
    for row in snapshot(ctx).long_running(limit).to_dict("records"):
        seconds = float(row["query_s"])
        findings.append(Finding(
            "activity.long_running",
            Severity.CRITICAL if seconds > limit * CRITICAL_FACTOR else Severity.WARNING,
            f"pid {row['pid']}",
            f"Query running for {fmt_ms(seconds * 1000)}: {one_line(row['query'], 80)}",
            {"duration_ms": round(seconds * 1000), "who": who(row),
             "wait_event": row["wait_event"] or "none"},
            f"Running longer than {fmt_ms(limit * 1000)}. Look at its plan; cancel it if it should not run "
            "this long (its transaction rolls back). A statement_timeout stops such queries by itself.",
            builders.cancel_backend(int(row["pid"]), row["backend_start"]),
        ))
    return findings


@check("activity.idle_in_transaction", "Sessions idle inside an open transaction", "activity")
def idle_in_transaction(ctx: CheckContext) -> list[Finding]:
    limit = ctx.thresholds.idle_in_transaction_s
    findings = []
    for row in snapshot(ctx).idle_in_transaction(limit).to_dict("records"):
        seconds = float(row["state_s"])
        findings.append(Finding(
            "activity.idle_in_transaction",
            Severity.CRITICAL if seconds > limit * CRITICAL_FACTOR else Severity.WARNING,
            f"pid {row['pid']}",
            f"Idle in transaction for {fmt_ms(seconds * 1000)}: {one_line(row['query'], 80)}",
            {"idle_ms": round(seconds * 1000), "transaction_ms": round(float(row["xact_s"] or 0) * 1000),
             "who": who(row)},
            "The session opened a transaction and stopped talking: it keeps its locks and holds back "
            "VACUUM. Fix the application (commit or roll back promptly); set "
            "idle_in_transaction_session_timeout; terminate the session if it is stuck.",
            builders.terminate_backend(int(row["pid"]), row["backend_start"]),
        ))
    return findings


@check("activity.blocking", "Sessions blocked by another session's lock", "activity")
def blocking(ctx: CheckContext) -> list[Finding]:
    nodes = snapshot(ctx).blocking()
    findings = []
    for root in root_blockers(nodes):
        behind = [n for n in nodes if root.pid in n.roots and not n.is_root]
        longest = max((n.wait_s or 0 for n in behind), default=0)
        session = root.session or {}
        idle = (session.get("state") or "").startswith("idle")
        severity = (Severity.CRITICAL if longest > ctx.thresholds.long_running_s else Severity.WARNING)
        findings.append(Finding(
            "activity.blocking", severity, f"pid {root.pid}",
            f"pid {root.pid} blocks {plural(len(behind), 'session')}, the longest waiting {fmt_ms(longest * 1000)}",
            {"blocked": len(behind), "longest_wait_ms": round(longest * 1000),
             "root_state": session.get("state") or "unknown",
             "root_statement": one_line(session.get("query"), 120) or "unknown"},
            ("The root blocker is idle in a transaction and holds its locks: end that transaction "
             "(terminate the session if the application will not)." if idle else
             "The root blocker's statement holds locks the others need: let it finish, or cancel it."),
            (builders.terminate_backend if idle else builders.cancel_backend)(root.pid, session.get("backend_start")),
        ))
    return findings


@check("connections.idle", "Idle connections dominate", "connections")
def idle_connections(ctx: CheckContext) -> list[Finding]:
    t = ctx.thresholds
    advice = pooling.advise(snapshot(ctx), ctx.db.config.pooler, t.cpu_cores, t.spindles)
    if not advice.idle_dominates(t.idle_connections_ratio, t.idle_connections_min):
        return []
    return [Finding(
        "connections.idle", Severity.WARNING, ctx.caps.database,
        f"{advice.idle} of {advice.clients} client connections are idle",
        {"idle": advice.idle, "clients": advice.clients, "idle_ratio": round(advice.idle_ratio, 4),
         "usable": advice.usable},
        "Applications keep more connections open than they use: lower their pool sizes "
        "(cores × 2 + spindles is enough for the server), release connections after each request, or use a "
        "transaction pooler (Supabase port 6543, PgBouncer).",
    )]
