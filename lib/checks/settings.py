"""Settings probably wrong for the database they run: each check weighs a setting against live evidence."""

from __future__ import annotations

from lib.core.findings import CheckContext, Finding, Severity, check
from lib.core.fmt import fmt_bytes, fmt_ms, one_line, plural
from lib.live import settings
from lib.live.activity import HIDDEN_QUERY

SSD_RANDOM_PAGE_COST = 1.1
STATEMENT_WIDTH = 70  # a spilling statement's text, shortened, in the work_mem findings
HIDDEN_TEXT = "(other roles' statements: their text is hidden from this role)"
# What maintenance_work_mem governs (queries/settings_temp_statements.sql tells them by their first words).
MAINTENANCE_COMMANDS = "CREATE INDEX, REINDEX, CLUSTER and VACUUM"


def server_settings(ctx: CheckContext) -> dict[str, settings.Setting]:
    return ctx.memo("settings", lambda: settings.collect(ctx.db))


def evidence(ctx: CheckContext) -> dict:
    return ctx.memo("settings_evidence", lambda: ctx.db.one("settings_evidence"))


def pgss_usage(ctx: CheckContext) -> dict | None:
    if not ctx.caps.has_pgss:
        return None
    return ctx.memo("settings_pgss", lambda: ctx.db.one("settings_pgss_usage"))


def temp_statements(ctx: CheckContext) -> list[dict] | None:
    """This database's statements that wrote temporary files (queries/settings_temp_statements.sql), or None
    without pg_stat_statements."""
    if not ctx.caps.has_pgss:
        return None
    return ctx.memo("settings_temp", lambda: ctx.db.rows("settings_temp_statements"))


def spills(rows: list[dict], maintenance: bool) -> tuple[int, int, list[dict]]:
    """(bytes, statements, the biggest ones) of one kind: maintenance commands or queries."""
    mine = [r for r in rows if bool(r["maintenance"]) == maintenance]
    if not mine:
        return 0, 0, []
    return int(mine[0]["kind_bytes"]), int(mine[0]["kind_statements"]), mine


def named(rows: list[dict]) -> str:
    """The biggest spilling statements by their text, shortened, with what each wrote."""
    return "; ".join(f"{one_line(shown_text(r['query']), STATEMENT_WIDTH)} ({fmt_bytes(r['temp_bytes'])}, "
                     f"{plural(int(r['calls']), 'call')})" for r in rows[:3])


def shown_text(query: str | None) -> str:
    return HIDDEN_TEXT if query in (None, HIDDEN_QUERY) else query


@check("settings.work_mem", "Sorts spill to disk with work_mem at its default", "settings")
def work_mem(ctx: CheckContext) -> list[Finding]:
    s = server_settings(ctx).get("work_mem")
    if s is None or not s.at_default:
        return []
    limit = ctx.thresholds.temp_spill_mb * 1024 * 1024
    rows = temp_statements(ctx)
    if rows is None:  # no pg_stat_statements: the database's total, which maintenance commands share
        ev = evidence(ctx)
        temp_bytes = int(ev["temp_bytes"] or 0)
        if temp_bytes < limit:
            return []
        return [Finding(
            "settings.work_mem", Severity.WARNING, "work_mem",
            f"{fmt_bytes(temp_bytes)} of temporary files written with work_mem at its default ({s.display})",
            {"work_mem": s.display, "temp_files": int(ev["temp_files"] or 0), "temp_bytes": temp_bytes},
            f"{WORK_MEM_ADVICE} Without pg_stat_statements pgpulse cannot tell which statements wrote them, nor "
            f"whether {MAINTENANCE_COMMANDS} (governed by maintenance_work_mem, not work_mem) did.")]
    temp_bytes, count, top = spills(rows, maintenance=False)
    if temp_bytes < limit:
        return []
    data = {"work_mem": s.display, "temp_bytes": temp_bytes, "spilling_statements": count,
            "biggest": named(top)}
    maintenance_bytes, _, _ = spills(rows, maintenance=True)
    note = ""
    if maintenance_bytes:
        data["maintenance_temp_bytes"] = maintenance_bytes
        note = (f" {MAINTENANCE_COMMANDS} wrote another {fmt_bytes(maintenance_bytes)}: maintenance_work_mem governs "
                "those, not work_mem (see its own finding).")
    return [Finding(
        "settings.work_mem", Severity.WARNING, "work_mem",
        f"{plural(count, 'statement')} spilled {fmt_bytes(temp_bytes)} to temporary files with work_mem at its "
        f"default ({s.display})",
        data, f"{WORK_MEM_ADVICE} The biggest: {named(top)}.{note}")]


WORK_MEM_ADVICE = ("Sorts and hashes larger than work_mem spill to disk. Give the spilling statements more memory "
                   "(SET LOCAL work_mem = '64MB' in their transaction, or ALTER ROLE app SET work_mem) or an index "
                   "that avoids the sort. work_mem applies per sort per connection: raise it globally only with "
                   "RAM to spare.")


@check("settings.maintenance_work_mem", "Index builds and vacuums spill to disk", "settings")
def maintenance_work_mem(ctx: CheckContext) -> list[Finding]:
    rows = temp_statements(ctx)
    s = server_settings(ctx).get("maintenance_work_mem")
    if not rows or s is None:
        return []
    temp_bytes, count, top = spills(rows, maintenance=True)
    if temp_bytes < ctx.thresholds.temp_spill_mb * 1024 * 1024:
        return []
    return [Finding(
        "settings.maintenance_work_mem", Severity.INFO, "maintenance_work_mem",
        f"{plural(count, 'maintenance command')} spilled {fmt_bytes(temp_bytes)} to temporary files "
        f"(maintenance_work_mem {s.display})",
        {"maintenance_work_mem": s.display, "temp_bytes": temp_bytes, "spilling_statements": count,
         "biggest": named(top)},
        f"{MAINTENANCE_COMMANDS} sort in maintenance_work_mem, not work_mem: {named(top)}. Before a big index "
        "build, SET maintenance_work_mem = '1GB' in that session (it is used by one command at a time, so it "
        "can be far larger than work_mem); autovacuum uses autovacuum_work_mem when that is set.")]


@check("settings.random_page_cost", "random_page_cost suits spinning disks", "settings")
def random_page_cost(ctx: CheckContext) -> list[Finding]:
    s = server_settings(ctx).get("random_page_cost")
    if s is None or s.number is None or s.number < 4:
        return []
    return [Finding(
        "settings.random_page_cost", Severity.INFO, "random_page_cost",
        f"random_page_cost is {s.setting}: the planner assumes random reads cost 4× sequential ones",
        {"random_page_cost": s.number, "source": s.source_words},
        f"On SSD or cloud storage (Supabase, RDS, Cloud SQL) random reads cost about the same as sequential "
        f"ones: ALTER DATABASE … SET random_page_cost = {SSD_RANDOM_PAGE_COST}, so the planner uses indexes "
        "where they help. Keep 4 only on spinning disks.",
    )]


@check("settings.idle_in_transaction_timeout", "No timeout for sessions idle in transaction", "settings")
def idle_in_transaction_timeout(ctx: CheckContext) -> list[Finding]:
    s = server_settings(ctx).get("idle_in_transaction_session_timeout")
    idle = int(evidence(ctx)["idle_in_transaction"] or 0)
    if s is None or (s.number or 0) > 0 or idle == 0:
        return []
    return [Finding(
        "settings.idle_in_transaction_timeout", Severity.WARNING, "idle_in_transaction_session_timeout",
        f"{plural(idle, 'session')} idle in a transaction and no idle_in_transaction_session_timeout",
        {"idle_in_transaction": idle, "timeout": s.display},
        "Sessions idle in a transaction hold locks and stop VACUUM from cleaning up. Set "
        "idle_in_transaction_session_timeout (e.g. ALTER DATABASE … SET idle_in_transaction_session_timeout "
        "= '60s') so PostgreSQL ends them.",
    )]


@check("settings.pg_stat_statements_max", "pg_stat_statements evicts statements", "settings")
def pgss_max(ctx: CheckContext) -> list[Finding]:
    usage = pgss_usage(ctx)
    s = server_settings(ctx).get("pg_stat_statements.max")
    if not usage or s is None or not usage["dealloc"]:
        return []
    return [Finding(
        "settings.pg_stat_statements_max", Severity.WARNING, "pg_stat_statements.max",
        f"pg_stat_statements evicted entries {usage['dealloc']:,} times (max {s.setting}, {usage['entries']:,} "
        "tracked)",
        {"dealloc": int(usage["dealloc"]), "entries": int(usage["entries"]), "max": int(s.number or 0)},
        "There are more distinct statements than pg_stat_statements.max: the rarest are evicted, with their "
        "statistics. Raise pg_stat_statements.max (e.g. 10000; needs a restart), and look for statements "
        "that differ only by literals (IN lists of varying length, generated SQL).",
    )]


@check("settings.track_io_timing", "I/O timing is off", "settings")
def track_io_timing(ctx: CheckContext) -> list[Finding]:
    s = server_settings(ctx).get("track_io_timing")
    if s is None or s.setting == "on":
        return []
    return [Finding(
        "settings.track_io_timing", Severity.INFO, "track_io_timing", "track_io_timing is off",
        {"track_io_timing": s.setting},
        "Without it, slow queries and EXPLAIN (ANALYZE, BUFFERS) cannot tell time spent reading from disk. "
        "Turn it on (ALTER SYSTEM SET track_io_timing = on; SELECT pg_reload_conf();): its cost is small on "
        "modern systems (check with pg_test_timing).",
    )]


@check("settings.statement_tracking", "pg_stat_statements can track statements", "settings")
def statement_tracking(ctx: CheckContext) -> list[Finding]:
    found = server_settings(ctx)
    track, query_id = found.get("pg_stat_statements.track"), found.get("compute_query_id")
    out = []
    if track is not None and track.setting == "none":
        out.append(Finding("settings.statement_tracking", Severity.WARNING, "pg_stat_statements.track",
                           "pg_stat_statements.track is none: no statement is recorded",
                           {"track": track.setting}, "Set pg_stat_statements.track = top (the default)."))
    if query_id is not None and query_id.setting == "off" and ctx.caps.pgss_loaded:
        out.append(Finding("settings.statement_tracking", Severity.WARNING, "compute_query_id",
                           "compute_query_id is off: pg_stat_statements records nothing",
                           {"compute_query_id": query_id.setting},
                           "Set compute_query_id = auto (the default) so pg_stat_statements gets query ids."))
    return out


@check("settings.slow_query_logging", "Slow statements are not logged", "settings")
def slow_query_logging(ctx: CheckContext) -> list[Finding]:
    s = server_settings(ctx).get("log_min_duration_statement")
    if s is None or (s.number is not None and s.number >= 0):
        return []
    slow = ctx.thresholds.slow_query_ms
    return [Finding(
        "settings.slow_query_logging", Severity.INFO, "log_min_duration_statement",
        "log_min_duration_statement is off: slow statements leave no trace in the log",
        {"log_min_duration_statement": s.setting},
        f"Set log_min_duration_statement to a few times the slow threshold ({fmt_ms(slow * 10)} for example): "
        "the log then keeps each slow statement with its parameters, which pg_stat_statements does not.",
    )]


@check("settings.autovacuum", "Autovacuum is on", "settings")
def autovacuum(ctx: CheckContext) -> list[Finding]:
    s = server_settings(ctx).get("autovacuum")
    if s is None or s.setting == "on":
        return []
    return [Finding(
        "settings.autovacuum", Severity.CRITICAL, "autovacuum", "autovacuum is off for the whole server",
        {"autovacuum": s.setting},
        "Dead tuples pile up, statistics go stale and transaction ids are not frozen (wraparound stops the "
        "server). Turn autovacuum back on; tune its thresholds per table instead of disabling it.",
    )]
