"""Schema checks, the guide's schema advice: proper types (ids, timestamps, money), constrained status
columns, primary keys, sequences far from their end, soft deletes with partial indexes, and
materialized views refreshed CONCURRENTLY."""

from __future__ import annotations

from lib.actions import builders
from lib.checks.indexes import catalog, definitions
from lib.core import rows
from lib.core.findings import CATALOG_TTL_S, CheckContext, Finding, Severity, check
from lib.core.fmt import fmt_bytes, fmt_count, fmt_pct
from lib.core.rows import capped, limited, records
from lib.storage import indexes, schema_audit
from lib.supabase.lints import tag_outside_supabase

SCHEMA_PAGE = "See the Schema page for the rest."

# issue kind -> (check id, severity, title pattern, what the guide wants instead)
COLUMN_CHECKS = {
    "text_id": ("schema.text_ids", Severity.INFO, "{col} stores identifiers as text",
                "Use uuid or bigint: smaller, faster to compare and index, and impossible to fill with junk."),
    "text_timestamp": ("schema.text_timestamps", Severity.INFO, "{col} stores timestamps as text",
                       "Use timestamptz: dates then sort, compare and index correctly and take 8 bytes."),
    "timestamp_without_tz": ("schema.timestamp_without_tz", Severity.INFO, "{col} is timestamp without time zone",
                             "Use timestamptz: it stores an instant, so sessions in other time zones read "
                             "the same moment."),
    "money_float": ("schema.money_type", Severity.WARNING, "{col} stores money as floating point",
                    "Store money as integer cents (or numeric): floating point cannot hold 0.10 exactly and "
                    "sums drift."),
    "money_text": ("schema.money_type", Severity.WARNING, "{col} stores amounts as text",
                   "Store money as integer cents (or numeric) so it can be summed and checked."),
    "status_unconstrained": ("schema.status_without_check", Severity.INFO, "{col} accepts any status",
                             "Constrain it with a CHECK (status IN (...)) or an enum, so a typo cannot become "
                             "a new status."),
}


def column_issues(ctx: CheckContext) -> list[schema_audit.ColumnIssue]:
    return ctx.memo("schema.columns", lambda: schema_audit.column_issues(ctx.db))


def more(ctx: CheckContext, check_id: str, severity: Severity, what: str):
    return rows.more(ctx, check_id, severity, what, SCHEMA_PAGE)


def _column_check(ctx: CheckContext, check_id: str) -> list[Finding]:
    issues = [i for i in column_issues(ctx) if COLUMN_CHECKS[i.kind][0] == check_id]
    severity = max((COLUMN_CHECKS[i.kind][1] for i in issues), default=Severity.INFO)

    def build(issue: schema_audit.ColumnIssue) -> Finding:
        _, sev, title, advice = COLUMN_CHECKS[issue.kind]
        col = issue.column
        return Finding(check_id, sev, col["display"], title.format(col=col["display"]),
                       {"table": col["table_display"], "type": col["type"], "seen": issue.detail}, advice)

    return capped(issues, ctx.thresholds.max_findings_per_check, build,
                  more(ctx, check_id, severity, "columns like these"))


COLUMN_CHECK_TITLES = {
    "schema.text_ids": "Identifiers stored as text",
    "schema.text_timestamps": "Timestamps stored as text",
    "schema.timestamp_without_tz": "timestamp without time zone",
    "schema.money_type": "Money stored as float or text",
    "schema.status_without_check": "Status columns without a CHECK or enum",
}


def _register_column_check(check_id: str, title: str) -> None:
    @check(check_id, title, "schema", ttl=CATALOG_TTL_S)
    def run(ctx: CheckContext) -> list[Finding]:
        return _column_check(ctx, check_id)


for _check_id, _title in COLUMN_CHECK_TITLES.items():
    _register_column_check(_check_id, _title)


@check("schema.no_primary_key", "Tables without a primary key", "schema", ttl=CATALOG_TTL_S)
def no_primary_key(ctx: CheckContext) -> list[Finding]:
    limit = ctx.thresholds.max_findings_per_check
    rows, total = limited(schema_audit.tables_without_pk(ctx.db, limit + 1))

    def build(r: dict) -> Finding:
        note = " It has a unique index that could become the key." if r["has_unique_index"] else ""
        return tag_outside_supabase(Finding(
            "schema.no_primary_key", Severity.WARNING, r["display"], f"{r['display']} has no primary key",
            {"rows": int(r["rows"]), "total_bytes": int(r["total_bytes"])},
            "Give every table a primary key: rows can then be told apart, updated one by one, "
            "replicated logically and joined safely." + note), "no_primary_key", r["schema"])

    return capped(rows, limit, build,
                  more(ctx, "schema.no_primary_key", Severity.WARNING, "tables without a primary key"), total)


@check("schema.sequence_near_max", "Sequences and identity columns near their maximum", "schema",
       ttl=CATALOG_TTL_S)
def sequence_near_max(ctx: CheckContext) -> list[Finding]:
    t = ctx.thresholds
    rows, total = limited(schema_audit.sequences_near_max(ctx.db, t.sequence_ratio, t.max_findings_per_check + 1))

    def build(r: dict) -> Finding:
        severity = Severity.CRITICAL if r["used_ratio"] >= t.sequence_critical_ratio else Severity.WARNING
        left = float(r["limit_value"]) - float(r["last_value"])
        feeds = f" feeding {r['column_display']} ({r['column_type']})" if r["column_display"] else ""
        evidence = {"last_value": int(r["last_value"]), "maximum": int(r["limit_value"]),
                    "used_ratio": round(r["used_ratio"], 4), "values_left": int(left)}
        if r["column_display"]:
            evidence["column"] = r["column_display"]
        return Finding(
            "schema.sequence_near_max", severity, r["display"],
            f"{r['display']}{feeds} has used {fmt_pct(r['used_ratio'])} of its range", evidence,
            f"{fmt_count(left)} values are left, then inserts fail. Move the column and the sequence to bigint "
            "(ALTER TABLE ... ALTER COLUMN ... TYPE bigint rewrites the table: plan it).")

    return capped(rows, t.max_findings_per_check, build,
                  more(ctx, "schema.sequence_near_max", Severity.WARNING, "sequences near their maximum"), total)


@check("schema.soft_delete_not_partial", "Soft-delete tables whose indexes are not partial", "schema",
       ttl=CATALOG_TTL_S)
def soft_delete_not_partial(ctx: CheckContext) -> list[Finding]:
    # The whole index catalog when this run has it (the Overview's); else only soft-delete tables' indexes.
    cat = catalog(ctx) if ctx.has("indexes.catalog") else ctx.memo(
        "indexes.catalog.soft_delete", lambda: indexes.catalog(ctx.db, soft_delete_only=True))
    rows = records(schema_audit.soft_delete_indexes(cat))
    column = schema_audit.SOFT_DELETE_COLUMNS[0]
    defs = definitions(ctx, [r["oid"] for r in rows[:ctx.thresholds.max_findings_per_check]])

    def build(r: dict) -> Finding:
        return Finding(
            "schema.soft_delete_not_partial", Severity.INFO, r["display"],
            f"{r['display']} also indexes the soft-deleted rows of {r['table_display']}",
            {"table": r["table_display"], "scans": int(r["idx_scan"] or 0),
             "index_bytes": int(r["index_bytes"] or 0), "definition": defs.get(r["oid"], "")},
            f"Queries on live rows filter {column} IS NULL: the same index made partial (its definition plus "
            f"WHERE {column} IS NULL) is smaller and stays so as deleted rows pile up. Create it "
            "CONCURRENTLY, then drop this one.")

    return capped(rows, ctx.thresholds.max_findings_per_check, build,
                  more(ctx, "schema.soft_delete_not_partial", Severity.INFO, "indexes of soft-delete tables"))


@check("schema.matviews", "Materialized views and how they refresh", "caching", ttl=CATALOG_TTL_S)
def matviews(ctx: CheckContext) -> list[Finding]:
    limit = ctx.thresholds.max_findings_per_check
    rows, total = limited(schema_audit.matviews(ctx.db, limit + 1))

    def build(r: dict) -> Finding:
        concurrent = bool(r["has_unique_index"] and r["populated"])
        words = ("It has a unique index, so it refreshes CONCURRENTLY: readers are never blocked." if concurrent
                 else "Without a unique index (on plain columns, no WHERE) it can only refresh with an exclusive "
                      "lock that blocks its readers: add one to refresh it CONCURRENTLY, as the guide does.")
        if not r["populated"]:
            words = "It was created WITH NO DATA: refresh it once before it can be read."
        return Finding("schema.matviews", Severity.OK if concurrent else Severity.INFO, r["display"],
                       f"Materialized view {r['display']} ({fmt_bytes(r['total_bytes'])})",
                       {"rows": int(r["rows"]), "total_bytes": int(r["total_bytes"]),
                        "refresh": "concurrently" if concurrent else "blocking readers"},
                       words, builders.refresh_matview(r["schema"], r["name"], concurrently=concurrent))

    return capped(rows, limit, build, more(ctx, "schema.matviews", Severity.INFO, "materialized views"), total)
