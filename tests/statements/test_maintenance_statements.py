"""Maintenance and DDL statements (ANALYZE, VACUUM, REFRESH, CREATE / REINDEX INDEX, ALTER...) are not slow
queries: out of the slow counts, the slow-query finding and alert and the performance targets, listed apart.
Real statements on PostgreSQL 15 and 18."""

from __future__ import annotations

import psycopg
import pytest

from lib.alerts import rules
from lib.alerts.config import Rule
from lib.checks import run_checks
from lib.core.config import DatabaseConfig, Thresholds
from lib.core.db import Database
from lib.core.findings import CheckContext
from lib.core.statement_kind import is_maintenance, lead_word
from lib.statements import explorer, targets

MAINTENANCE = ["ANALYZE maint_t", "VACUUM maint_t", "CREATE INDEX maint_t_v ON maint_t (v)",
               "REINDEX INDEX maint_t_v", "/* nightly */ REFRESH MATERIALIZED VIEW maint_mv",
               "ALTER TABLE maint_t ADD COLUMN extra int", "DROP INDEX maint_t_v"]


@pytest.mark.parametrize(("text", "expected"), [
    ("ANALYZE t", True), ("  vacuum (verbose) t", True), ("/* x */\n-- y\nREFRESH MATERIALIZED VIEW m", True),
    ("create index i on t (a)", True), ("REINDEX INDEX CONCURRENTLY i", True), ("ALTER TABLE t ADD c int", True),
    ("SELECT 1", False), ("WITH x AS (SELECT 1) SELECT * FROM x", False), ("(SELECT 1)", False),
    ("INSERT INTO t VALUES ($1)", False), ("", False), (None, False),
])
def test_is_maintenance(text, expected):
    assert is_maintenance(text) is expected


def test_lead_word_skips_comments_and_parentheses():
    assert lead_word("/* a */ ( -- b\n select 1)") == "select"


@pytest.fixture()
def traced(fresh_url):
    """A database where everything is slow (threshold 0 ms) and both queries and maintenance ran."""
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE maint_t (id int PRIMARY KEY, v int)")
        conn.execute("INSERT INTO maint_t SELECT g, g % 7 FROM generate_series(1, 2000) g")
        conn.execute("CREATE MATERIALIZED VIEW maint_mv AS SELECT v, count(*) FROM maint_t GROUP BY v")
        conn.execute("SELECT pg_stat_statements_reset()")
        for statement in MAINTENANCE:
            conn.execute(statement)
        conn.execute("SELECT count(*) FROM maint_t a JOIN maint_t b ON a.v = b.id")
    db = Database(DatabaseConfig(name="maint", conninfo=fresh_url, source="test"), Thresholds(slow_query_ms=0))
    yield db
    db.close()


def test_out_of_the_slow_counts_finding_and_alert(traced):
    totals = explorer.totals(traced)
    assert totals["maintenance_statements"] >= len(MAINTENANCE) - 1  # pgss may merge two texts
    assert totals["slow_statements"] >= 1  # the join at least
    assert totals["slow_statements"] + totals["maintenance_statements"] <= totals["statements"]

    slow = run_checks(CheckContext(traced, traced.thresholds), only=["queries.slow"]).findings
    texts = [f.statement for f in slow]
    assert any("JOIN maint_t b" in t for t in texts), texts
    assert not [t for t in texts if is_maintenance(t)], texts

    breaches = rules.slow_statements(traced, Rule("slow_statements", threshold=0))
    assert breaches and not [b for b in breaches if any(w in b.message for w in ("ANALYZE", "VACUUM", "REINDEX"))]


def test_listed_apart_and_never_slow(traced):
    queries = explorer.list_page(traced).frame
    assert not [q for q in queries["query"] if is_maintenance(q)]
    apart = explorer.list_page(traced, explorer.Filters(kinds=("maintenance",))).frame
    assert set(apart["kind"]) == {"maintenance"}
    listed = " ".join(apart["query"])
    for word in ("ANALYZE", "VACUUM", "CREATE INDEX", "REINDEX", "REFRESH", "ALTER TABLE"):
        assert word in listed, (word, listed)
    assert not apart["slow"].any()


def test_no_performance_target(traced):
    busy = explorer.busiest(traced)
    assert any(is_maintenance(s.query) for s in busy)
    compliance = targets.collect(traced, busy)
    assert not [a for a in compliance.assessments if is_maintenance(a.statement.query)]
