"""The guide's summary checklist, scored on the live database: pass, warn, fail, or not measurable
from the database, each with its evidence and the page that shows it.

An item is scored from the findings of the checks that measure it (one run of every check), or
from what the server says about itself; what a database cannot show (the application's pool size,
alerting) says so instead of guessing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lib.checks import load_checks
from lib.core.findings import CheckRun, Finding, Severity

PASS, WARN, FAIL, UNMEASURABLE = "pass", "warn", "fail", "not measurable"
STATUSES = (FAIL, WARN, PASS, UNMEASURABLE)

# Pages (app.py's st.Page paths) where an item's evidence is shown.
OVERVIEW, TABLES, INDEXES, SCHEMA, ABOUT = ("pages/overview.py", "pages/tables.py", "pages/indexes.py",
                                            "pages/schema.py", "pages/about.py")
SLOW_QUERIES, ACTIVITY, SETTINGS = "pages/slow_queries.py", "pages/activity.py", "pages/settings.py"
LINT_CHECKS = ("lint.select_star", "lint.unbounded_order_by", "lint.deep_offset", "lint.count_for_existence",
               "lint.or_chain", "lint.correlated_subquery", "lint.select_distinct", "lint.function_on_column",
               "lint.leading_wildcard_like", "lint.not_in_subquery")


@dataclass(frozen=True)
class Context:
    run: CheckRun
    caps: object  # lib.core.capabilities.Capabilities
    config: object  # lib.core.config.DatabaseConfig


@dataclass(frozen=True)
class Item:
    section: str
    text: str
    checks: tuple[str, ...] = ()
    page: str | None = None
    info_counts: bool = True  # an INFO finding means the advice is not followed (else only WARNING up)
    measure: Callable[[Context], tuple[str, str]] | None = None  # for items no check scores
    unmeasurable: str = ""  # why the database cannot tell, for items nothing measures
    needs_pgss: bool = False  # measured from pg_stat_statements: not measurable without it


@dataclass(frozen=True)
class Score:
    item: Item
    status: str
    evidence: str


def _names(findings: list[Finding], database: str, most: int = 3) -> str:
    """The objects named by findings (a finding about the whole database by its title, a statement by its
    shortened text, never its queryid); one object found by several checks is named once."""
    objects = [f.title if f.object == database else f.label for f in findings if not f.title.startswith("…")]
    objects = list(dict.fromkeys(objects))
    shown = ", ".join(objects[:most])
    extra = sum(f.evidence.get("more", 0) for f in findings) + max(len(objects) - most, 0)
    return shown + (f" and {extra:,} more" if extra else "")


def score_from_findings(item: Item, ctx: Context) -> tuple[str, str]:
    if not set(item.checks) & set(load_checks()):
        return UNMEASURABLE, "not checked by this version of pgpulse"
    errors = [f"{c}: {ctx.run.errors[c]}" for c in item.checks if c in ctx.run.errors]
    if errors:
        return UNMEASURABLE, "could not be checked: " + "; ".join(errors)
    mine = [f for f in ctx.run.findings if f.check in item.checks]
    bad = [f for f in mine if f.severity >= (Severity.INFO if item.info_counts else Severity.WARNING)]
    if not bad:
        shown = [f.title for f in mine if f.severity == Severity.OK]
        return PASS, "; ".join(shown) if shown else "no finding"
    status = FAIL if any(f.severity == Severity.CRITICAL for f in bad) else WARN
    count = len([f for f in bad if not f.title.startswith("…")]) + sum(f.evidence.get("more", 0) for f in bad)
    return status, f"{count:,} finding{'s' if count != 1 else ''}: {_names(bad, ctx.caps.database)}"


def _unused_indexes(ctx: Context) -> tuple[str, str]:
    mine = [f for f in ctx.run.findings if f.check == "indexes.unused"]
    if mine and all(f.severity == Severity.INFO for f in mine):
        hours = mine[0].evidence.get("stats_age_days", 0) * 24
        return UNMEASURABLE, (f"the statistics cover only {hours:.1f} hours, too little to call an index unused; "
                              f"so far without a scan: {_names(mine, ctx.caps.database)}")
    return score_from_findings(ITEMS_BY_TEXT["Remove indexes that are never used"], ctx)


def _database_size(ctx: Context) -> tuple[str, str]:
    mine = [f for f in ctx.run.findings if f.check == "database.size"]
    if mine and all("limit_bytes" not in f.evidence for f in mine):
        return UNMEASURABLE, ("no plan limit applies to this database: set plan_limit_mb (its [connections.<name>] "
                              "section or [pgpulse.thresholds]) to measure it")
    return score_from_findings(ITEMS_BY_TEXT["Database size under 80% of the plan"], ctx)


def _pooler(ctx: Context) -> tuple[str, str]:
    if ctx.config.pooler:
        return PASS, "pgpulse itself connects through a transaction pooler"
    return UNMEASURABLE, ("whether the application goes through a pooler (Supabase port 6543, PgBouncer) "
                          "cannot be seen from the database")


def _pgss(ctx: Context) -> tuple[str, str]:
    problem = ctx.caps.pgss_problem()
    return (WARN, problem) if problem else (PASS, f"pg_stat_statements {ctx.caps.pgss_version} in schema "
                                                  f"{ctx.caps.pgss_schema}")


def _io_timing(ctx: Context) -> tuple[str, str]:
    if ctx.caps.track_io_timing:
        return PASS, "track_io_timing is on: statements show time spent reading"
    return WARN, "track_io_timing is off: turn it on to see how much query time is spent on I/O"


ITEMS = [
    Item("Schema design", "Identifiers are uuid or bigint, not text", ("schema.text_ids",), SCHEMA),
    Item("Schema design", "Timestamps are timestamptz",
         ("schema.text_timestamps", "schema.timestamp_without_tz"), SCHEMA),
    Item("Schema design", "Money is integer cents (or numeric), never float or text", ("schema.money_type",), SCHEMA),
    Item("Schema design", "Status columns are constrained by CHECK or an enum", ("schema.status_without_check",),
         SCHEMA),
    Item("Schema design", "Every table has a primary key", ("schema.no_primary_key",), SCHEMA),
    Item("Schema design", "Sequences and identity columns are far from their maximum",
         ("schema.sequence_near_max",), SCHEMA),
    Item("Schema design", "Soft-delete tables use partial indexes on live rows",
         ("schema.soft_delete_not_partial",), SCHEMA),
    Item("Schema design", "Tables past 10 million rows are partitioned", ("tables.partition_candidate",), TABLES),
    Item("Indexing", "Every foreign key is indexed", ("indexes.fk_missing",), INDEXES),
    Item("Indexing", "Remove indexes that are never used", ("indexes.unused",), INDEXES,
         measure=_unused_indexes),
    Item("Indexing", "No duplicate or redundant indexes", ("indexes.redundant",), INDEXES),
    Item("Indexing", "No invalid indexes (failed concurrent builds)", ("indexes.invalid",), INDEXES),
    Item("Indexing", "Bloated indexes are rebuilt (REINDEX CONCURRENTLY, monthly)", ("indexes.bloat",), INDEXES),
    Item("Query optimization", "No statement slower than the slow threshold on average", ("queries.slow",),
         SLOW_QUERIES, needs_pgss=True),
    Item("Query optimization", "Statements meet the guide's performance targets", ("queries.targets",),
         SLOW_QUERIES, needs_pgss=True),
    Item("Query optimization", "Queries select only needed columns, use LIMIT, EXISTS, IN and JOINs", LINT_CHECKS,
         SLOW_QUERIES, needs_pgss=True),
    Item("Query optimization", "No N+1 query patterns", ("queries.n_plus_one",), SLOW_QUERIES, needs_pgss=True),
    Item("Query optimization", "Large tables are not read by repeated sequential scans", ("tables.seq_scans",),
         TABLES),
    Item("Connection management", "The application connects through a pooler", page=ABOUT, measure=_pooler),
    Item("Connection management", "Active connections stay under the alert level", ("connections.count",),
         OVERVIEW),
    Item("Connection management", "Pools sized cores × 2 + spindles: idle connections do not dominate",
         ("connections.idle",), ACTIVITY),
    Item("Connection management", "Connections are released: no session idles inside a transaction",
         ("activity.idle_in_transaction", "settings.idle_in_transaction_timeout"), ACTIVITY),
    Item("Caching", "Cache hit ratio at least 99%",
         ("cache.hit_ratio", "cache.tables_hit_ratio", "cache.indexes_hit_ratio"), INDEXES, info_counts=False),
    Item("Caching", "Materialized views refresh CONCURRENTLY", ("schema.matviews",), SCHEMA),
    Item("Maintenance", "Dead tuples stay under 20% (VACUUM ANALYZE weekly)", ("tables.dead_tuples",), TABLES),
    Item("Maintenance", "Autovacuum is on everywhere", ("tables.autovacuum_disabled", "settings.autovacuum"),
         TABLES),
    Item("Maintenance", "Every table has planner statistics (ANALYZE)", ("tables.never_analyzed",), TABLES),
    Item("Maintenance", "Table bloat under control", ("tables.bloat",), TABLES),
    Item("Maintenance", "Transaction ID age far from wraparound", ("tables.xid_age",), TABLES),
    Item("Monitoring", "pg_stat_statements is enabled", page=ABOUT, measure=_pgss),
    Item("Monitoring", "track_io_timing is on", page=ABOUT, measure=_io_timing),
    Item("Monitoring", "Database size under 80% of the plan", ("database.size",), OVERVIEW, info_counts=False,
         measure=_database_size),
    Item("Monitoring", "Slow statements are logged, and pg_stat_statements keeps them all",
         ("settings.slow_query_logging", "settings.pg_stat_statements_max"), SETTINGS),
    Item("Monitoring", "Alerts on size, slow queries and connections",
         page="pages/alerts.py",
         unmeasurable="alert rules live in pgpulse's configuration (see Alerts) or your monitoring, not in the "
                      "database"),
]
ITEMS_BY_TEXT = {item.text: item for item in ITEMS}


def score_item(item: Item, ctx: Context) -> tuple[str, str]:
    if item.unmeasurable:
        return UNMEASURABLE, item.unmeasurable
    if item.needs_pgss and ctx.caps.pgss_problem():
        return UNMEASURABLE, ctx.caps.pgss_problem()
    return item.measure(ctx) if item.measure else score_from_findings(item, ctx)


def score(run: CheckRun, caps, config) -> list[Score]:
    ctx = Context(run, caps, config)
    return [Score(item, *score_item(item, ctx)) for item in ITEMS]


def summary(scores: list[Score]) -> dict[str, int]:
    return {status: sum(1 for s in scores if s.status == status) for status in STATUSES}
