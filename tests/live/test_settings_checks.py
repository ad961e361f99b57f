"""Settings: values, their real source, and the findings on a server configured badly on purpose."""

from __future__ import annotations

import dataclasses
import shutil

import psycopg
import pytest
from psycopg import sql

from lib.checks import run_checks
from lib.core.config import Thresholds
from lib.core.findings import CheckContext, Severity
from lib.live import settings
from tests import servers
from tests.conftest import make_db
from tests.lockscene import wait_until


@pytest.fixture(scope="module")
def misconfigured():
    """PostgreSQL 18 with autovacuum and I/O timing off and a pg_stat_statements too small for its workload."""
    server = servers.start_server(servers.available_bin_dirs()["pg18"])
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute("ALTER SYSTEM SET pg_stat_statements.max = 100")
        conn.execute("ALTER SYSTEM SET track_io_timing = off")
        conn.execute("ALTER SYSTEM SET autovacuum = off")
    server.stop()
    server.start()
    url = servers.create_database(server)
    dbname = url.rsplit("/", 1)[1]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("ALTER DATABASE {} SET random_page_cost = 1.1").format(sql.Identifier(dbname)))
        conn.execute(sql.SQL("ALTER ROLE postgres IN DATABASE {} SET statement_timeout = '30s'")
                     .format(sql.Identifier(dbname)))
    with psycopg.connect(url, autocommit=True) as conn:
        for i in range(1, 151):  # more distinct statements than pg_stat_statements.max keeps
            conn.execute(sql.SQL("SELECT {}").format(sql.SQL(", ").join([sql.Literal(1)] * i)))
        # a sort far bigger than the default work_mem (4 MB) spills to temporary files
        conn.execute("SELECT count(*) FROM (SELECT g FROM generate_series(1, 1000000) g ORDER BY md5(g::text)) s")
    yield url
    server.destroy()
    shutil.rmtree(server.data_dir.parent, ignore_errors=True)


def test_values_and_sources_are_what_a_new_session_gets(misconfigured):
    db = make_db(misconfigured)
    try:
        found = settings.collect(db)
        # pgpulse's own session sets statement_timeout: the page shows what the others start with.
        assert found["statement_timeout"].setting == "30000"
        assert found["statement_timeout"].source == "database user"
        assert found["statement_timeout"].display == "30.0 s"
        assert found["random_page_cost"].source == "database" and found["random_page_cost"].setting == "1.1"
        assert found["autovacuum"].setting == "off" and found["autovacuum"].source == "configuration file"
        assert found["work_mem"].at_default and found["work_mem"].display == "4.0 MB"
        assert found["shared_buffers"].display == "128 MB"
        assert found["log_min_duration_statement"].display == "off"
        table = settings.table(found)
        assert list(table["setting"])[:3] == ["shared_buffers", "effective_cache_size", "work_mem"]
        overrides = settings.overrides(db)
        assert {"statement_timeout", "random_page_cost"} <= set(overrides["name"])
    finally:
        db.close()


def test_findings_on_the_misconfigured_server(misconfigured):
    db = make_db(misconfigured)
    db.thresholds = dataclasses.replace(Thresholds(), temp_spill_mb=1)
    try:
        def run():
            return {f.check: f for f in run_checks(CheckContext(db, db.thresholds), ["settings."]).findings}

        # statistics reach pg_stat_database within a second or so of the spilling statement
        wait_until(lambda: "settings.work_mem" in run(), what="the temp files to be counted")
        found = run()
        assert found["settings.autovacuum"].severity == Severity.CRITICAL
        assert found["settings.track_io_timing"].severity == Severity.INFO
        spill = found["settings.work_mem"]
        assert spill.severity == Severity.WARNING and spill.evidence["temp_bytes"] > 1024 * 1024
        assert spill.evidence["spilling_statements"] >= 1
        evicted = found["settings.pg_stat_statements_max"]
        assert evicted.evidence["dealloc"] > 0 and evicted.evidence["max"] == 100
        assert found["settings.slow_query_logging"].object == "log_min_duration_statement"
        # random_page_cost was set to 1.1 for this database: no finding
        assert "settings.random_page_cost" not in found
    finally:
        db.close()


def test_a_well_configured_database_has_no_setting_warnings(fresh_db):
    result = run_checks(CheckContext(fresh_db, fresh_db.thresholds), ["settings."])
    assert not result.errors
    assert all(f.severity <= Severity.INFO for f in result.findings), [f.title for f in result.findings]


def test_random_page_cost_at_its_default_is_an_info_with_the_ssd_value(fresh_db):
    """A fresh database keeps PostgreSQL's default random_page_cost = 4, meant for spinning disks."""
    found = {f.check: f for f in run_checks(CheckContext(fresh_db, fresh_db.thresholds),
                                            ["settings.random_page_cost"]).findings}
    cost = found["settings.random_page_cost"]
    assert cost.severity == Severity.INFO and cost.evidence["random_page_cost"] == 4
    assert cost.evidence["source"] and "SET random_page_cost = 1.1" in cost.recommendation
