"""Capabilities detection on real servers: versions, extension schemas, privileges, missing pieces."""

from __future__ import annotations

import psycopg
import pytest

from lib.core import statement_kind
from tests import servers
from tests.conftest import make_db
from tests.query_samples import SAMPLE_PARAMS


def test_detects_server_and_pg_stat_statements(pg, fresh_db):
    caps = fresh_db.capabilities
    with psycopg.connect(pg.url) as conn:
        expected_version = int(conn.execute("SHOW server_version_num").fetchone()[0])
    assert caps.version_num == expected_version
    assert caps.superuser and caps.pgss_loaded and caps.pgss_schema == "public" and caps.has_pgss
    assert caps.pgss_problem() is None and caps.privilege_note() is None
    assert caps.track_io_timing  # the test servers turn it on
    assert not caps.replica


def test_extension_in_the_supabase_schema(pg):
    url = servers.create_database(pg, extensions=())
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA extensions")
        conn.execute("CREATE EXTENSION pg_stat_statements SCHEMA extensions")
    db = make_db(url)
    try:
        assert db.capabilities.pgss_schema == "extensions" and db.capabilities.has_pgss
        totals = db.one("pgss_totals", {"slow_ms": 100, **statement_kind.params()})
        assert totals["statements"] >= 0  # {pgss} resolved to extensions
    finally:
        db.close()


def test_preloaded_but_not_created(pg):
    db = make_db(servers.create_database(pg, extensions=()))
    try:
        caps = db.capabilities
        assert caps.pgss_loaded and caps.pgss_schema is None and not caps.has_pgss
        assert "CREATE EXTENSION pg_stat_statements" in caps.pgss_problem()
        assert "Supabase" in caps.pgss_problem()
    finally:
        db.close()


@pytest.fixture(scope="module")
def server_without_preload():
    server = servers.start_server(servers.available_bin_dirs()["pg18"], preload=False)
    yield server
    server.destroy()


def test_not_preloaded(server_without_preload):
    url = servers.create_database(server_without_preload)  # CREATE EXTENSION works without preload
    db = make_db(url)
    try:
        caps = db.capabilities
        assert not caps.pgss_loaded and not caps.has_pgss
        assert "shared_preload_libraries" in caps.pgss_problem()
    finally:
        db.close()


def test_role_without_stats_privilege_sees_hidden_texts(pg, fresh_url):
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS pgpulse_weak")
        conn.execute("CREATE ROLE pgpulse_weak LOGIN PASSWORD 'weak-pw'")
        conn.execute("SELECT count(*) FROM pg_class")  # a statement by another role (postgres)
    weak_url = fresh_url.replace("postgres@", "pgpulse_weak:weak-pw@")
    db = make_db(weak_url)
    try:
        caps = db.capabilities
        assert not caps.superuser and not caps.sees_all_stats
        assert caps.pgss_hidden_texts > 0
        assert "GRANT pg_monitor TO pgpulse_weak" in caps.privilege_note()
    finally:
        db.close()


def test_extension_older_than_the_server_is_named_with_its_update(fresh_url):
    """After a pg_upgrade the extension keeps its old version: the columns our queries read are missing."""
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        conn.execute("DROP EXTENSION pg_stat_statements")
        conn.execute("CREATE EXTENSION pg_stat_statements VERSION '1.9'")  # PostgreSQL 14's
    db = make_db(fresh_url)
    try:
        caps = db.capabilities
        assert not caps.has_pgss
        assert "pg_stat_statements 1.9 in this database is older" in caps.pgss_problem()
        assert "ALTER EXTENSION pg_stat_statements UPDATE;" in caps.pgss_problem()
        with psycopg.connect(fresh_url, autocommit=True) as conn:
            conn.execute("ALTER EXTENSION pg_stat_statements UPDATE")
        caps = db.refresh_capabilities()
        assert caps.has_pgss and caps.pgss_problem() is None
        db.rows("statements_list", SAMPLE_PARAMS)  # the queries read it again
    finally:
        db.close()


def test_a_server_older_than_15_is_told_so():
    """No PostgreSQL 14 binaries exist on this machine: the sentence is checked on the detected figures."""
    from dataclasses import replace

    from lib.core.capabilities import Capabilities

    base = Capabilities(version_num=150004, version="15.4", database="d", role="r", superuser=True,
                        read_all_stats=True, monitor=True, replica=False, pgss_loaded=True,
                        compute_query_id="auto", track_io_timing=False, max_connections=100,
                        reserved_connections=3, extensions={"pg_stat_statements": {"schema": "public",
                                                                                   "version": "1.10"}})
    assert base.has_pgss and base.version_problem() is None
    old = replace(base, version_num=140011, version="14.11", extensions={
        "pg_stat_statements": {"schema": "public", "version": "1.9"}})
    assert not old.has_pgss
    assert old.version_problem().startswith("PostgreSQL 14.11 is older than pgpulse supports (15 and later")
    assert old.pgss_problem() == old.version_problem()
    assert replace(base, version_num=170002).pgss_update_needed == "1.11"  # 1.10 on a 17 server
