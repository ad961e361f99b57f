"""Table checks: dead tuples, never analyzed, autovacuum off, transaction ID age, sequential reads,
estimated bloat, partitioning candidates. Each fix is built by lib.actions.builders, never written here."""

from __future__ import annotations

import shlex

from lib.actions import builders
from lib.core import rows
from lib.core.findings import CATALOG_TTL_S, CheckContext, Finding, Severity, check
from lib.core.fmt import fmt_bytes, fmt_count, fmt_pct, plural
from lib.core.rows import capped, records, stamp
from lib.core.sqlcompose import qualified, render
from lib.storage import bloat, tables
from lib.supabase.lints import tag_outside_supabase

TABLES_PAGE = "See the Tables page for the rest."
# Where a dead ratio's live rows come from (queries/table_health.sql, live_source).
LIVE_SOURCES = {"counter": "live-row counter (pg_stat_user_tables)",
                "catalog": "catalog estimate (pg_class.reltuples, + inserts − deletes since the statistics reset)"}
CATALOG_LIVE_NOTE = ("The live-row counter restarted at a statistics reset (or crash recovery) and no VACUUM or "
                     "ANALYZE has run since, so the live rows are the catalog's count from the last ANALYZE, "
                     "plus the inserts and minus the deletes counted since: an estimate. ANALYZE makes it exact.")


def more(ctx: CheckContext, check_id: str, severity: Severity, what: str):
    return rows.more(ctx, check_id, severity, what, TABLES_PAGE)


def problems(ctx: CheckContext) -> list[dict]:
    """Tables over one of our thresholds: one query shared by the checks below."""
    return ctx.memo("tables.problems", lambda: records(tables.problem_tables(ctx.db)))


def settings(ctx: CheckContext) -> dict:
    return ctx.memo("tables.settings", lambda: tables.settings(ctx.db))


@check("tables.dead_tuples", "Dead tuples over the guide's share", "maintenance", ttl=CATALOG_TTL_S)
def dead_tuples(ctx: CheckContext) -> list[Finding]:
    t = ctx.thresholds
    rows = [r for r in problems(ctx)
            if (r["dead_ratio"] or 0) > t.dead_tuple_ratio and (r["n_dead_tup"] or 0) >= t.dead_tuples_min]

    def build(r: dict) -> Finding:
        from_catalog = r["live_source"] == "catalog"
        return Finding(
            "tables.dead_tuples", Severity.WARNING, r["display"],
            f"{fmt_pct(r['dead_ratio'])} of {r['display']}'s rows are dead",
            {"dead_tuples": int(r["n_dead_tup"]), "live_tuples": int(r["n_live_tup"] or 0),
             "live_rows_from": LIVE_SOURCES[r["live_source"]],
             "dead_ratio": round(r["dead_ratio"], 4), "last_vacuum": stamp(_latest(r, "vacuum")),
             "autovacuum": "on" if r["autovacuum_enabled"] else "off"},
            f"Over {fmt_pct(t.dead_tuple_ratio)} dead tuples: scans read them and the table grows. "
            "VACUUM (ANALYZE) makes the space reusable and refreshes statistics; the guide runs it weekly."
            + (f" {CATALOG_LIVE_NOTE}" if from_catalog else ""),
            builders.vacuum(r["schema"], r["name"], analyze=True))

    return capped(rows, t.max_findings_per_check, build,
                  more(ctx, "tables.dead_tuples", Severity.WARNING, "tables with too many dead tuples"))


def _latest(row: dict, what: str):
    values = [v for v in (row.get(f"last_{what}"), row.get(f"last_auto{what}")) if v is not None]
    return max(values) if values else None


@check("tables.never_analyzed", "Tables with data but no statistics", "maintenance", ttl=CATALOG_TTL_S)
def never_analyzed(ctx: CheckContext) -> list[Finding]:
    rows = [r for r in problems(ctx) if r["never_analyzed"]]

    def build(r: dict) -> Finding:
        return Finding(
            "tables.never_analyzed", Severity.WARNING, r["display"],
            f"{r['display']} has never been analyzed",
            {"table_bytes": int(r["heap_bytes"]), "autovacuum": "on" if r["autovacuum_enabled"] else "off"},
            "Without statistics the planner guesses row counts and picks poor plans. ANALYZE it.",
            builders.analyze(r["schema"], r["name"]))

    return capped(rows, ctx.thresholds.max_findings_per_check, build,
                  more(ctx, "tables.never_analyzed", Severity.WARNING, "tables never analyzed"))


@check("tables.autovacuum_disabled", "Autovacuum is on", "maintenance", ttl=CATALOG_TTL_S)
def autovacuum_disabled(ctx: CheckContext) -> list[Finding]:
    conf = settings(ctx)
    if not conf.get("autovacuum"):
        return []  # off for the whole server: settings.autovacuum says so once; per table it is moot
    if not conf.get("track_counts"):
        return [Finding("tables.autovacuum_disabled", Severity.CRITICAL, ctx.caps.database,
                        "track_counts is off: autovacuum never sees a table needing work",
                        {"track_counts": "off"},
                        "Without the counters autovacuum cannot tell dead tuples or changes from none, so "
                        "it never fires. Turn track_counts back on in postgresql.conf (it is on by default).")]
    rows = [r for r in problems(ctx) if r["opt_enabled"] is not None and not r["opt_enabled"]]

    def build(r: dict) -> Finding:
        return Finding(
            "tables.autovacuum_disabled", Severity.WARNING, r["display"],
            f"Autovacuum is turned off for {r['display']}",
            {"dead_tuples": int(r["n_dead_tup"] or 0), "last_vacuum": stamp(_latest(r, "vacuum"))},
            "Its dead tuples never go away by themselves. Turn autovacuum back on for it (reset its "
            "autovacuum_enabled storage parameter: the action below, undone from the Audit page) and tune its "
            "thresholds instead if it was too eager; its dead tuples, if many, have their own VACUUM finding.",
            builders.reset_autovacuum(r["schema"], r["name"]))

    return capped(rows, ctx.thresholds.max_findings_per_check, build,
                  more(ctx, "tables.autovacuum_disabled", Severity.WARNING, "tables with autovacuum off"))


@check("tables.xid_age", "Transaction ID age far from wraparound", "maintenance", ttl=CATALOG_TTL_S)
def xid_age(ctx: CheckContext) -> list[Finding]:
    t = ctx.thresholds
    conf = settings(ctx)

    def severity(age: float) -> Severity:
        share = age / tables.XID_LIMIT
        return (Severity.CRITICAL if share >= t.xid_age_critical_ratio else
                Severity.WARNING if share >= t.xid_age_warning_ratio else Severity.OK)

    age = int(conf.get("xid_age") or 0)
    findings = [Finding(
        "tables.xid_age", severity(age), ctx.caps.database,
        f"Oldest unfrozen transaction ID is {fmt_count(age)} transactions old ({fmt_pct(age / tables.XID_LIMIT, 1)} "
        "of the way to wraparound)",
        {"xid_age": age, "wraparound_share": round(age / tables.XID_LIMIT, 4),
         "freeze_max_age": int(conf.get("freeze_max_age") or 0)},
        "Autovacuum freezes old rows before this matters; if the age keeps growing, look for long transactions, "
        "abandoned replication slots or prepared transactions holding it back, and vacuum the oldest tables."
        if severity(age) > Severity.OK else "")]
    rows = [r for r in problems(ctx) if severity(r["xid_age"] or 0) > Severity.OK]
    rows.sort(key=lambda r: -r["xid_age"])

    def build(r: dict) -> Finding:
        return Finding(
            "tables.xid_age", severity(r["xid_age"]), r["display"],
            f"{r['display']} is {fmt_count(r['xid_age'])} transactions from its last freeze",
            {"xid_age": int(r["xid_age"]), "wraparound_share": round(r["xid_age"] / tables.XID_LIMIT, 4)},
            "VACUUM freezes its old rows (past vacuum_freeze_table_age a plain VACUUM scans the whole table).",
            builders.vacuum(r["schema"], r["name"]))

    return findings + capped(rows, t.max_findings_per_check, build,
                             more(ctx, "tables.xid_age", Severity.WARNING, "tables with old transaction IDs"))


@check("tables.seq_scans", "Large tables read by sequential scans", "queries", ttl=CATALOG_TTL_S)
def seq_scans(ctx: CheckContext) -> list[Finding]:
    t = ctx.thresholds
    rows = [r for r in problems(ctx) if (r["rows_per_seq_scan"] or 0) >= t.seq_scan_min_rows
            and (r["seq_scan"] or 0) >= t.seq_scan_min_count]
    rows.sort(key=lambda r: -(r["seq_tup_read"] or 0))

    def build(r: dict) -> Finding:
        return Finding(
            "tables.seq_scans", Severity.INFO, r["display"],
            f"{r['display']}: {plural(r['seq_scan'], 'sequential scan')} read {fmt_count(r['seq_tup_read'])} rows",
            {"seq_scans": int(r["seq_scan"]), "rows_read": int(r["seq_tup_read"]),
             "rows_per_scan": int(r["rows_per_seq_scan"]), "index_scans": int(r["idx_scan"] or 0)},
            "Queries filter this table without an index they can use. Find them on the slow-query page "
            "(statements on this table with many rows read) and index the columns they filter on.")

    return capped(rows, t.max_findings_per_check, build,
                  more(ctx, "tables.seq_scans", Severity.INFO, "tables read by sequential scans"))


@check("tables.bloat", "Estimated table bloat", "maintenance", ttl=CATALOG_TTL_S)
def table_bloat(ctx: CheckContext) -> list[Finding]:
    t = ctx.thresholds
    min_bytes = bloat.min_bytes(t)
    # Only tables of at least min_bytes can hold that much bloat: the SQL skips the rest. The Tables
    # page shares its own whole frame under the same key.
    frame = ctx.memo("tables.bloat", lambda: bloat.table_bloat(ctx.db, min_bytes))
    rows = records(bloat.bloated(frame, t.table_bloat_ratio, min_bytes))

    repack = "pg_repack" in ctx.caps.extensions

    def build(r: dict) -> Finding:
        evidence = {"table_bytes": int(r["heap_bytes"]), "expected_bytes": int(r["expected_bytes"]),
                    "bloat_bytes": int(r["bloat_bytes"]), "bloat_ratio": round(r["bloat_ratio"], 4)}
        return tag_outside_supabase(Finding(
            "tables.bloat", Severity.WARNING, r["display"],
            f"{r['display']} is about {fmt_pct(r['bloat_ratio'])} bloat ({fmt_bytes(r['bloat_bytes'])}, estimated)",
            {**evidence, **bloat.stale_evidence(r)},
            "Estimated from statistics (measure it exactly on the Tables page with pgstattuple)"
            + bloat.stale_words(r) + ". A plain VACUUM "
            "only makes the space reusable inside the file; giving it back needs a rewrite. "
            + (repack_advice(ctx, r) if repack else "")
            + "VACUUM FULL rewrites it compactly, but holds an ACCESS EXCLUSIVE lock for the whole rewrite (every "
            f"read and write of the table waits) and needs free disk about the table's size ({fmt_bytes(r['heap_bytes'])} "
            "plus its indexes): run it in a quiet moment.",
            builders.vacuum_full(r["schema"], r["name"])), "table_bloat", r["schema"])

    return capped(rows, t.max_findings_per_check, build,
                  more(ctx, "tables.bloat", Severity.WARNING, "bloated tables"))


def repack_advice(ctx: CheckContext, r: dict) -> str:
    """pg_repack rewrites a table with only brief locks; it is a client program, so this is a command to run."""
    # pg_repack reads --table as a regclass: quoted as SQL (odd names included), then for the shell.
    table = shlex.quote(render(qualified(r["schema"], r["name"])))
    return (f"pg_repack is installed in this database: it rewrites the table with only brief locks, from a shell "
            f"on a machine that reaches the database: `pg_repack --dbname={shlex.quote(ctx.caps.database)} "
            f"--table={table}` (plus your connection options). ")


@check("tables.partition_candidate", "Tables past the guide's partitioning size", "schema",
       ttl=CATALOG_TTL_S)
def partition_candidates(ctx: CheckContext) -> list[Finding]:
    t = ctx.thresholds
    page = tables.table_page(ctx.db, kind="r", min_rows=t.partition_rows, sort="rows", size=t.max_findings_per_check)

    def build(r: dict) -> Finding:
        return Finding(
            "tables.partition_candidate", Severity.INFO, r["display"],
            f"{r['display']} has about {fmt_count(r['rows'])} rows",
            {"rows": int(r["rows"]), "total_bytes": int(r["total_bytes"])},
            f"The guide partitions tables past {fmt_count(t.partition_rows)} rows (by time, usually), so old "
            "partitions can be detached or dropped instead of deleted row by row.")

    return capped(records(page.rows), t.max_findings_per_check, build,
                  more(ctx, "tables.partition_candidate", Severity.INFO, "large tables"), page.total)
