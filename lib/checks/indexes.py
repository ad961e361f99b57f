"""Index checks: unused, duplicate or redundant, invalid, foreign keys without an index, estimated
btree bloat, and the table and index cache hit ratios. Fixes come from lib.actions.builders."""

from __future__ import annotations

import re

import pandas as pd

from lib.actions import builders, offered
from lib.checks.overview import CACHE_MIN_BLOCKS
from lib.checks.tables import settings
from lib.core import rows
from lib.core.findings import CATALOG_TTL_S, Action, CheckContext, Finding, Severity, check
from lib.core.fmt import fmt_age, fmt_bytes, fmt_ms, fmt_pct
from lib.core.rows import capped, limited, records, stamp
from lib.storage import bloat, indexes
from lib.supabase.lints import tag_outside_supabase

INDEXES_PAGE = "See the Indexes page for the rest."
PARTITIONED_NOTE = ("It is a partitioned index: PostgreSQL cannot drop or build those CONCURRENTLY, so do it "
                    "in a quiet moment, or partition by partition.")
# Leftovers of an interrupted REINDEX CONCURRENTLY: the copy being built, or the old one being retired.
REINDEX_LEFTOVER = re.compile(r"_cc(new|old)\d*$")


def catalog(ctx: CheckContext) -> pd.DataFrame:
    return ctx.memo("indexes.catalog", lambda: indexes.catalog(ctx.db))


def more(ctx: CheckContext, check_id: str, severity: Severity, what: str):
    return rows.more(ctx, check_id, severity, what, INDEXES_PAGE)


def definitions(ctx: CheckContext, oids: list[int]) -> dict[int, str]:
    """pg_get_indexdef of the indexes a check is about to report (only those: it is not cheap)."""
    return {oid: d["definition"] for oid, d in indexes.details(ctx.db, oids).items()}


def drop(r: dict) -> Action | None:
    return None if r["partitioned"] else builders.drop_index(r["schema"], r["name"])


@check("indexes.unused", "Indexes never scanned", "indexing", ttl=CATALOG_TTL_S)
def unused(ctx: CheckContext) -> list[Finding]:
    t = ctx.thresholds
    conf = settings(ctx)
    age = conf.get("stats_age")
    age_days = age.total_seconds() / 86400 if age is not None else 0.0
    old_enough = age_days >= t.unused_index_min_stats_age_days
    since = conf.get("stats_reset") or conf.get("server_started")
    found = indexes.unused(catalog(ctx), int(t.unused_index_min_size_mb * 1024 * 1024))
    rows = records(found.head(t.max_findings_per_check))  # a new database may have 20,000 of them

    wait = offered.drop_wait_until(0, age, t.unused_index_min_stats_age_days)

    def build(r: dict) -> Finding:
        # PostgreSQL counts writes per table, not per index (and not since the index exists): what is
        # known is the table's inserts and non-HOT updates since the statistics began, labelled as such.
        evidence = {"index_bytes": int(r["index_bytes"] or 0), "scans": 0, "table": r["table_display"],
                    "table_writes_since_reset": int(r["index_writes"] or 0), "statistics_since": stamp(since),
                    "stats_age_days": round(age_days, 2)}
        if old_enough:
            words = (f"No scan since the statistics began ({fmt_age(since)}), yet every insert and non-HOT update "
                     "of its table writes to it (the table's writes are shown: PostgreSQL keeps no per-index "
                     "count). Drop it (its definition is kept in the audit log).")
        else:
            evidence["droppable_from"] = stamp(wait)
            words = (f"No scan yet, but the statistics are only {fmt_ms(age_days * 86_400_000)} old: wait "
                     f"until they cover {t.unused_index_min_stats_age_days:g} days of normal traffic (monthly "
                     f"jobs too), on {stamp(wait)}, before dropping it. No DROP INDEX is offered until then.")
        if r["partitioned"]:
            words += " " + PARTITIONED_NOTE
        return tag_outside_supabase(Finding(
            "indexes.unused", Severity.WARNING if old_enough else Severity.INFO, r["display"],
            f"{r['display']} ({fmt_bytes(r['index_bytes'])}) has never been scanned", evidence, words,
            drop(r) if old_enough else None),
            "unused_index", r["schema"])

    return capped(rows, t.max_findings_per_check, build,
                  more(ctx, "indexes.unused", Severity.WARNING if old_enough else Severity.INFO, "unused indexes"),
                  len(found))


@check("indexes.redundant", "Duplicate and redundant indexes", "indexing", ttl=CATALOG_TTL_S)
def redundant(ctx: CheckContext) -> list[Finding]:
    found = indexes.redundant(catalog(ctx))
    shown = found[:ctx.thresholds.max_findings_per_check]
    defs = definitions(ctx, [r.index["oid"] for r in shown] + [r.keep["oid"] for r in shown])

    def build(r: indexes.Redundancy) -> Finding:
        i, keep = r.index, r.keep
        what = (f"the same index as {keep['display']}" if r.kind == "duplicate"
                else f"a leading part of {keep['display']}")
        words = (f"It is {what}, which serves the same lookups: keep {keep['display']} and drop this one "
                 f"({fmt_bytes(i['index_bytes'])} written on every change to its table).")
        if i["partitioned"]:
            words += " " + PARTITIONED_NOTE
        evidence = {"keep": keep["display"], "kind": r.kind, "index_bytes": int(i["index_bytes"] or 0),
                    "scans": int(i["idx_scan"] or 0), "definition": defs.get(i["oid"], ""),
                    "keep_definition": defs.get(keep["oid"], "")}
        if r.same_as:
            evidence["same_definition_as"] = ", ".join(r.same_as)
        finding = Finding("indexes.redundant", Severity.WARNING, i["display"],
                          f"{i['display']} is redundant: keep {keep['display']}", evidence, words, drop(i))
        # Supabase's duplicate_index is about identical indexes only (a prefix of another index is not one),
        # even when pgpulse keeps a third, wider index that serves them both.
        identical = r.kind == "duplicate" or bool(r.same_as)
        return tag_outside_supabase(finding, "duplicate_index", i["schema"]) if identical else finding

    return capped(found, ctx.thresholds.max_findings_per_check, build,
                  more(ctx, "indexes.redundant", Severity.WARNING, "redundant indexes"))


@check("indexes.invalid", "Invalid indexes", "indexing", ttl=CATALOG_TTL_S)
def invalid(ctx: CheckContext) -> list[Finding]:
    rows = records(indexes.invalid(catalog(ctx)))
    defs = definitions(ctx, [r["oid"] for r in rows[:ctx.thresholds.max_findings_per_check]])

    def build(r: dict) -> Finding:
        if r["partitioned"]:
            action, words = None, ("Some partitions lack their index: create it on them and ATTACH it to this "
                                   "one (ALTER INDEX ... ATTACH PARTITION), which makes it valid.")
        elif REINDEX_LEFTOVER.search(r["name"]):
            action, words = builders.drop_index(r["schema"], r["name"]), (
                "A leftover of an interrupted REINDEX CONCURRENTLY: the original index is still there. Drop it.")
        else:
            action, words = builders.reindex(r["schema"], r["name"]), (
                "Probably left by a failed CREATE INDEX CONCURRENTLY: queries do not use it, yet every write "
                "still updates it. Rebuild it (or drop it if it is not wanted).")
        return Finding("indexes.invalid", Severity.WARNING, r["display"], f"{r['display']} is invalid",
                       {"table": r["table_display"], "index_bytes": int(r["index_bytes"] or 0),
                        "definition": defs.get(r["oid"], "")}, words, action)

    return capped(rows, ctx.thresholds.max_findings_per_check, build,
                  more(ctx, "indexes.invalid", Severity.WARNING, "invalid indexes"))


@check("indexes.fk_missing", "Foreign keys without an index", "indexing", ttl=CATALOG_TTL_S)
def fk_missing(ctx: CheckContext) -> list[Finding]:
    limit = ctx.thresholds.max_findings_per_check
    # The Indexes page shares the longer list it shows under the same key (the first rows are the same).
    rows, total = limited(ctx.memo("indexes.fk", lambda: indexes.fk_without_index(ctx.db, limit + 1)))

    def build(r: dict) -> Finding:
        columns = ", ".join(r["columns"])
        words = (f"Deletes and key updates on {r['referenced_display']}, and joins on this key, read all of "
                 f"{r['table_display']}. The guide indexes every foreign key.")
        action = None if r["partitioned"] else builders.create_index(r["schema"], r["table_name"], r["columns"])
        if r["partitioned"]:
            words += " " + PARTITIONED_NOTE
        return tag_outside_supabase(Finding(
            "indexes.fk_missing", Severity.WARNING, r["display"],
            f"Foreign key {r['display']} on {r['table_display']} ({columns}) has no index",
            {"table": r["table_display"], "columns": columns, "references": r["referenced_display"],
             "table_rows": int(r["table_rows"]), "table_bytes": int(r["table_bytes"])}, words, action),
            "unindexed_foreign_keys", r["schema"])

    return capped(rows, limit, build,
                  more(ctx, "indexes.fk_missing", Severity.WARNING, "foreign keys without an index"), total)


@check("indexes.bloat", "Estimated btree index bloat", "indexing", ttl=CATALOG_TTL_S)
def index_bloat(ctx: CheckContext) -> list[Finding]:
    t = ctx.thresholds
    min_bytes = bloat.min_bytes(t)
    # Only indexes of at least min_bytes can hold that much bloat: the SQL skips the rest (30,000 small
    # indexes cost a second). The Indexes page shares its own whole frame under the same key.
    frame = ctx.memo("indexes.bloat", lambda: bloat.index_bloat(
        ctx.db, min_bytes, catalog=catalog(ctx) if ctx.has("indexes.catalog") else None))
    rows = records(bloat.bloated(frame, t.index_bloat_ratio, min_bytes))

    def build(r: dict) -> Finding:
        evidence = {"table": r["table_display"], "index_bytes": int(r["index_bytes"]),
                    "expected_bytes": int(r["expected_bytes"]), "bloat_bytes": int(r["bloat_bytes"]),
                    "bloat_ratio": round(r["bloat_ratio"], 4)}
        return Finding(
            "indexes.bloat", Severity.WARNING, r["display"],
            f"{r['display']} is about {fmt_pct(r['bloat_ratio'])} bloat ({fmt_bytes(r['bloat_bytes'])}, estimated)",
            {**evidence, **bloat.stale_evidence(r)},
            "Estimated from statistics (pgstatindex measures it on the Indexes page)" + bloat.stale_words(r)
            + ". REINDEX CONCURRENTLY rebuilds it compact without blocking writes; the guide does it monthly.",
            builders.reindex(r["schema"], r["name"]))

    return capped(rows, t.max_findings_per_check, build, more(ctx, "indexes.bloat", Severity.WARNING,
                                                              "bloated indexes"))


def _ratio_finding(ctx: CheckContext, check_id: str, what: str, part: str) -> list[Finding]:
    totals = ctx.memo("indexes.cache", lambda: indexes.cache_totals(ctx.db))
    ratio, blocks = totals[f"{part}_ratio"], totals[f"{part}_blocks"]
    if ratio is None or blocks < CACHE_MIN_BLOCKS:
        return [Finding(check_id, Severity.INFO, ctx.caps.database, f"Too few {what} reads to judge the cache yet",
                        {"blocks": int(blocks)}, "Come back when the database has served some traffic.")]
    low = ratio < ctx.thresholds.cache_hit_ratio
    return [Finding(
        check_id, Severity.WARNING if low else Severity.OK, ctx.caps.database,
        f"{what.capitalize()} cache hit ratio {fmt_pct(ratio, 2)}",
        {"ratio": round(ratio, 5), "blocks": int(blocks), "reads": int(totals[f"{part}_read"])},
        f"{what.capitalize()} blocks often come from disk: the working set does not fit in shared_buffers. "
        "The Tables and Indexes pages list the objects with the most misses." if low else "")]


@check("cache.tables_hit_ratio", "Table cache hit ratio", "caching", ttl=CATALOG_TTL_S)
def tables_hit_ratio(ctx: CheckContext) -> list[Finding]:
    return _ratio_finding(ctx, "cache.tables_hit_ratio", "table", "heap")


@check("cache.indexes_hit_ratio", "Index cache hit ratio", "caching", ttl=CATALOG_TTL_S)
def indexes_hit_ratio(ctx: CheckContext) -> list[Finding]:
    return _ratio_finding(ctx, "cache.indexes_hit_ratio", "index", "idx")
