"""Awkward databases: a schema the role may not read, temporary tables, empty tables, tables never
analyzed, statistics reset a moment ago. The checks and every page's data collection still work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import psycopg
import pytest

from lib.checks import run_checks
from lib.core.findings import CheckContext, Severity
from lib.guide import checklist
from lib.storage import bloat, indexes, schema_audit, tables
from tests.conftest import make_db

PREFIXES = ["tables.", "indexes.", "schema.", "cache."]


def collect_everything(db):
    """What the four pages load, and one run of the checks: none of it may raise."""
    run = run_checks(CheckContext(db, db.thresholds), PREFIXES)
    pages = {"tables": tables.collect(db), "indexes": indexes.collect(db),
             "schema": schema_audit.column_issues(db),
             "checklist": checklist.score(run, db.capabilities, db.config)}
    return run, pages


@pytest.fixture()
def odd_db(fresh_url):
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        conn.execute("""
            CREATE TABLE parent (id int PRIMARY KEY);
            INSERT INTO parent VALUES (1);
            ANALYZE parent;
            CREATE TABLE empty_child (id int PRIMARY KEY, parent_id int REFERENCES parent);
            CREATE TABLE never_analyzed (id int PRIMARY KEY, label text) WITH (autovacuum_enabled = false);
            INSERT INTO never_analyzed SELECT g, 'row ' || g FROM generate_series(1, 5000) g;
            CREATE TABLE analyzed (id int PRIMARY KEY, status text, legacy_id text);
            INSERT INTO analyzed SELECT g, 'open', g::text FROM generate_series(1, 2000) g;
            CREATE INDEX analyzed_status_idx ON analyzed (status);
            ANALYZE analyzed;
            CREATE SCHEMA secret;
            CREATE TABLE secret.hidden (id int PRIMARY KEY, parent_id int REFERENCES parent, status text);
            INSERT INTO secret.hidden SELECT g, 1, 'x' FROM generate_series(1, 100) g;
            ANALYZE secret.hidden;
        """)
    return fresh_url


def test_empty_and_never_analyzed_tables(odd_db):
    db = make_db(odd_db)
    try:
        run, pages = collect_everything(db)
        estimates = bloat.table_bloat(db)
    finally:
        db.close()
    assert not run.errors, run.errors
    never = {f.object for f in run.findings if f.check == "tables.never_analyzed"}
    assert never == {"public.never_analyzed"}  # the empty table has nothing to analyze
    assert not [f for f in run.findings if f.object == "public.empty_child" and f.check.startswith("tables.")]
    fk = {f.object: f for f in run.findings if f.check == "indexes.fk_missing"}
    assert fk["public.empty_child_parent_id_fkey"].action.sql == \
        'CREATE INDEX CONCURRENTLY "empty_child_parent_id_idx" ON "public"."empty_child" ("parent_id")'
    listed = pages["tables"]["tables"].rows.set_index("display")
    assert listed.loc["public.empty_child", "rows"] == 0 and listed.loc["public.empty_child", "total_bytes"] > 0
    estimate = estimates.set_index("display").loc["public.never_analyzed"]
    assert estimate["why"] == "never analyzed" and pd.isna(estimate["bloat_ratio"])


def test_a_schema_the_role_cannot_read(odd_db, pg):
    with psycopg.connect(odd_db, autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS pgpulse_limited")
        conn.execute("CREATE ROLE pgpulse_limited LOGIN PASSWORD 'limited-pw'")
        conn.execute("REVOKE ALL ON SCHEMA secret FROM PUBLIC")
        conn.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO pgpulse_limited")
        assert not conn.execute("SELECT has_schema_privilege('pgpulse_limited', 'secret', 'USAGE')").fetchone()[0]
    dbname = odd_db.rsplit("/", 1)[1]
    db = make_db(pg.url_for(dbname, user="pgpulse_limited", password="limited-pw"))
    try:
        assert not db.capabilities.superuser
        run, pages = collect_everything(db)
    finally:
        db.close()
        with psycopg.connect(odd_db, autocommit=True) as conn:
            conn.execute("DROP OWNED BY pgpulse_limited")
            conn.execute("DROP ROLE pgpulse_limited")
    assert not run.errors, run.errors
    # The catalog is readable: the unreadable schema's foreign key is still reported, with its exact fix.
    fk = {f.object: f for f in run.findings if f.check == "indexes.fk_missing"}
    assert fk["secret.hidden_parent_id_fkey"].action.sql == \
        'CREATE INDEX CONCURRENTLY "hidden_parent_id_idx" ON "secret"."hidden" ("parent_id")'
    # Its column statistics are hidden from this role: no value-based verdict on them, and no crash.
    assert not [f for f in run.findings if f.object.startswith("secret.hidden.") and f.check == "schema.text_ids"]
    assert "secret" in set(pages["tables"]["tables"].rows["schema"])


def test_temporary_tables_are_left_out(fresh_url):
    with psycopg.connect(fresh_url, autocommit=True) as holder:  # a session holding temp tables open
        holder.execute("CREATE TEMP TABLE parent (id int PRIMARY KEY)")
        holder.execute("CREATE TEMP TABLE scratch (id int, parent_id int REFERENCES parent, status text) "
                       "WITH (autovacuum_enabled = false)")
        holder.execute("INSERT INTO scratch SELECT g, NULL, 'x' FROM generate_series(1, 5000) g")
        holder.execute("DELETE FROM scratch WHERE id % 2 = 0")
        holder.execute("CREATE INDEX scratch_status_idx ON scratch (status)")
        holder.execute("SELECT pg_stat_force_next_flush()")
        db = make_db(fresh_url)
        try:
            run, pages = collect_everything(db)
        finally:
            db.close()
    assert not run.errors, run.errors
    assert not [f for f in run.findings if "pg_temp" in f.object or "scratch" in f.object]
    assert "scratch" not in set(pages["tables"]["tables"].rows["name"])
    assert not pages["indexes"]["catalog"]["name"].eq("scratch_status_idx").any()


def test_a_statistics_reset_a_moment_ago(fresh_url):
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (id int PRIMARY KEY, v int) WITH (autovacuum_enabled = false)")
        conn.execute("INSERT INTO t SELECT g, g FROM generate_series(1, 5000) g")
        conn.execute("CREATE INDEX t_v_idx ON t (v)")
        conn.execute("ANALYZE t")
        conn.execute("DELETE FROM t WHERE id % 2 = 0")
        conn.execute("SELECT pg_stat_force_next_flush()")
        conn.execute("SELECT pg_stat_reset()")
    db = make_db(fresh_url)
    try:
        run, pages = collect_everything(db)
        conf = tables.settings(db)
    finally:
        db.close()
    assert not run.errors, run.errors
    assert conf["stats_age"].total_seconds() < 600
    # The counters restarted: no dead tuples known, and an analyzed table is not "never analyzed".
    assert not [f for f in run.findings if f.check in ("tables.dead_tuples", "tables.never_analyzed")]
    unused = [f for f in run.findings if f.check == "indexes.unused" and f.object == "public.t_v_idx"]
    assert len(unused) == 1 and unused[0].severity == Severity.INFO  # too soon to call it unused
    assert unused[0].action is None  # no DROP INDEX before the statistics are old enough; it says when
    until = datetime.strptime(unused[0].evidence["droppable_from"], "%Y-%m-%d %H:%M UTC").replace(tzinfo=UTC)
    expected = datetime.now(UTC) + timedelta(days=7) - conf["stats_age"]
    assert abs(until - expected) < timedelta(minutes=2)
    assert unused[0].evidence["droppable_from"] in unused[0].recommendation
    item = next(s for s in pages["checklist"] if s.item.text == "Remove indexes that are never used")
    assert item.status == checklist.UNMEASURABLE


def test_server_wide_autovacuum_off_is_one_critical_finding(fresh_url, pg):
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (id int PRIMARY KEY) WITH (autovacuum_enabled = false)")
    with psycopg.connect(pg.url, autocommit=True) as admin:
        admin.execute("ALTER SYSTEM SET autovacuum = off")
        admin.execute("SELECT pg_reload_conf()")
        db = make_db(fresh_url)
        try:
            findings = run_checks(CheckContext(db, db.thresholds),
                                  ["tables.autovacuum_disabled", "settings.autovacuum"]).findings
        finally:
            db.close()
            admin.execute("ALTER SYSTEM RESET autovacuum")
            admin.execute("SELECT pg_reload_conf()")
    # Said once, for the server (settings.autovacuum), not once more per table with its own setting off.
    assert [(f.check, f.severity) for f in findings] == [("settings.autovacuum", Severity.CRITICAL)]
