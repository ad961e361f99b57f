"""work_mem is blamed only for what it governs. pg_stat_statements' temp blocks per statement tell a query's
sort spill (work_mem) from a CREATE INDEX's (maintenance_work_mem); pgpulse's own statements (tagged with a
trailing /* pgpulse */) are never counted."""

from __future__ import annotations

from dataclasses import replace

import psycopg
import pytest

from lib.checks import run_checks
from lib.core.config import Thresholds
from lib.core.findings import CheckContext
from tests.conftest import make_db

ROWS = 300_000  # ~20 MB of md5 text: past work_mem's 4 MB default and maintenance_work_mem's 1 MB minimum


@pytest.fixture()
def spill_table(fresh_url):
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE events (id int, label text)")
        conn.execute("INSERT INTO events SELECT g, md5(g::text) FROM generate_series(1, %s) g", [ROWS])
        conn.execute("SELECT pg_stat_statements_reset()")
    return fresh_url


def checks(url: str):
    db = make_db(url)
    db.thresholds = replace(Thresholds(), temp_spill_mb=1)
    try:
        run = run_checks(CheckContext(db, db.thresholds), ["settings.work_mem", "settings.maintenance_work_mem"])
    finally:
        db.close()
    assert not run.errors, run.errors
    return {f.check: f for f in run.findings}


def build_index(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '1MB'")
        conn.execute("SET max_parallel_maintenance_workers = 0")
        conn.execute("CREATE INDEX events_label_idx ON events (label)")


def test_an_index_build_spill_is_not_blamed_on_work_mem(spill_table):
    build_index(spill_table)
    found = checks(spill_table)
    assert "settings.work_mem" not in found, found.get("settings.work_mem")
    maintenance = found["settings.maintenance_work_mem"]
    assert "CREATE INDEX events_label_idx ON events" in maintenance.evidence["biggest"]
    assert maintenance.evidence["spilling_statements"] == 1 and maintenance.evidence["temp_bytes"] > 1024 * 1024
    assert "maintenance_work_mem" in maintenance.recommendation


def test_a_query_sort_spill_is_still_found_and_named(spill_table):
    with psycopg.connect(spill_table, autocommit=True) as conn:
        conn.execute("SELECT id, label FROM events ORDER BY label OFFSET %s", [ROWS])  # sorts it all
        # pgpulse's own statements carry the tag at their end: never counted, never named
        conn.execute("SELECT id FROM events ORDER BY label DESC OFFSET %s /* pgpulse */", [ROWS])
    build_index(spill_table)
    found = checks(spill_table)
    work_mem = found["settings.work_mem"]
    assert work_mem.evidence["spilling_statements"] == 1
    assert "ORDER BY label OFFSET" in work_mem.evidence["biggest"] and "DESC" not in work_mem.evidence["biggest"]
    assert "1 statement spilled" in work_mem.title
    assert work_mem.evidence["maintenance_temp_bytes"] > 0  # said apart, pointed at maintenance_work_mem
    assert "maintenance_work_mem governs those" in work_mem.recommendation


def test_a_role_that_cannot_read_other_texts_gets_them_counted_and_said_hidden(spill_table, pg):
    with psycopg.connect(spill_table, autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS spill_viewer")
        conn.execute("CREATE ROLE spill_viewer LOGIN PASSWORD 'pw'")
        conn.execute("SELECT id, label FROM events ORDER BY label OFFSET %s", [ROWS])  # the superuser's sort
    try:
        found = checks(pg.url_for(spill_table.rsplit("/", 1)[1], "spill_viewer", "pw"))
    finally:
        with psycopg.connect(spill_table, autocommit=True) as conn:
            conn.execute("DROP ROLE spill_viewer")
    work_mem = found["settings.work_mem"]
    assert "text is hidden from this role" in work_mem.evidence["biggest"]
    assert "insufficient privilege" not in work_mem.recommendation
