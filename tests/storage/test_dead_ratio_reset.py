"""The dead-tuple ratio after a statistics reset: n_live_tup restarts at 0 and stays there until VACUUM or
ANALYZE, while deletes go on counting dead rows. A table half dead must not read "100% dead"."""

from __future__ import annotations

import psycopg
import pytest

from lib.checks import run_checks
from lib.core.findings import CheckContext
from lib.storage import tables
from tests.conftest import make_db

ROWS = 20_000


@pytest.fixture()
def reset_db(fresh_url):
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE half_dead (id int PRIMARY KEY, pad text) WITH (autovacuum_enabled = false)")
        conn.execute("INSERT INTO half_dead SELECT g, repeat('x', 50) FROM generate_series(1, %s) g", [ROWS])
        conn.execute("ANALYZE half_dead")
        conn.execute("SELECT pg_stat_force_next_flush()")
        conn.execute("SELECT pg_stat_reset()")
        conn.execute("DELETE FROM half_dead WHERE id % 2 = 0")  # half the rows die after the reset
        conn.execute("SELECT pg_stat_force_next_flush()")
        conn.execute("SELECT 1")  # the flush happens at the end of the next transaction
        counters = conn.execute("SELECT n_live_tup, n_dead_tup FROM pg_stat_user_tables "
                                "WHERE relname = 'half_dead'").fetchone()
    assert counters == (0, ROWS // 2), "the server shows the reset's zero live rows"
    db = make_db(fresh_url)
    yield db
    db.close()


def test_dead_ratio_after_a_stats_reset_uses_the_catalog(reset_db):
    run = run_checks(CheckContext(reset_db, reset_db.thresholds), ["tables.dead_tuples"])
    assert not run.errors, run.errors
    [finding] = [f for f in run.findings if f.object == "public.half_dead"]
    assert finding.evidence["dead_ratio"] == pytest.approx(0.5, abs=0.02)
    assert finding.evidence["live_tuples"] == pytest.approx(ROWS // 2, rel=0.02)
    assert finding.title.startswith("50%")
    assert "reltuples" in finding.evidence["live_rows_from"]
    assert "statistics reset" in finding.recommendation


def test_tables_page_says_where_live_rows_come_from(reset_db):
    [row] = tables.health_page(reset_db, search="half_dead").rows.to_dict("records")
    assert row["dead_ratio"] == pytest.approx(0.5, abs=0.02) and row["live_source"] == "catalog"
    [listed] = tables.table_page(reset_db, search="half_dead").rows.to_dict("records")
    assert listed["dead_ratio"] == pytest.approx(0.5, abs=0.02) and listed["live_source"] == "catalog"


def test_counter_is_trusted_once_analyzed(reset_db):
    with psycopg.connect(reset_db.config.conninfo, autocommit=True) as conn:
        conn.execute("ANALYZE half_dead")
        conn.execute("SELECT pg_stat_force_next_flush()")
        conn.execute("SELECT 1")
    [row] = tables.health_page(reset_db, search="half_dead").rows.to_dict("records")
    assert row["live_source"] == "counter" and row["n_live_tup"] == pytest.approx(ROWS // 2, rel=0.05)


def test_history_snapshots_record_the_same_live_rows(reset_db):
    # the weekly review's "new bloat" reads the snapshots' live rows: not 0 after a reset either
    [row] = [r for r in reset_db.rows("history_relations") if r["name"] == "half_dead"]
    assert row["n_live_tup"] == pytest.approx(ROWS // 2, rel=0.02) and row["n_dead_tup"] == ROWS // 2


def test_weekly_routine_lists_the_same_dead_ratio(reset_db):
    from lib.maintenance import routine

    [table] = [t for t in routine.plan(reset_db) if t.name == "half_dead"]
    assert table.dead_ratio == pytest.approx(0.5, abs=0.02)
