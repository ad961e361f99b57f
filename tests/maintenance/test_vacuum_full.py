"""Table bloat is fixed by what returns the space: VACUUM FULL (its ACCESS EXCLUSIVE lock spelled out), run
through the maintenance runner, checked and audited like every action. A plain VACUUM does not shrink the file,
so right after one the finding is still there: it must not be the fix offered."""

from __future__ import annotations

import re
import shlex
import subprocess
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from lib.checks import run_checks
from lib.core.config import Thresholds
from lib.core.findings import Action, CheckContext
from lib.core.store import Store
from lib.maintenance import audit, runner
from tests import servers
from tests.conftest import make_db

NAME = 'bloated "T"; x'
ALICE = runner.Actor(app_user="alice")


def table_bytes(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT pg_relation_size(%s::regclass)", [sql.Identifier("public", NAME).as_string(conn)]
                            ).fetchone()[0]


@pytest.fixture()
def bloated(fresh_url):
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        table = sql.Identifier("public", NAME)
        conn.execute(sql.SQL("CREATE TABLE {} (id bigint PRIMARY KEY, name text) WITH (autovacuum_enabled = false)")
                     .format(table))
        conn.execute(sql.SQL("INSERT INTO {} SELECT g, 'customer number ' || g FROM generate_series(1, 60000) g")
                     .format(table))
        conn.execute(sql.SQL("DELETE FROM {} WHERE id %% 4 <> 0").format(table), ())
        conn.execute(sql.SQL("VACUUM ANALYZE {}").format(table))  # what a plain VACUUM can do: done already
    db = make_db(fresh_url, actions_enabled=True)
    db.thresholds = replace(Thresholds(), bloat_min_mb=0.5)
    yield fresh_url, db
    db.close()


def bloat_findings(db):
    run = run_checks(CheckContext(db, db.thresholds), ["tables.bloat"])
    assert not run.errors, run.errors
    return [f for f in run.findings if f.object == sql.Identifier("public", NAME).as_string(None)
            .replace('"public"', "public")]


def test_bloat_after_a_vacuum_is_offered_vacuum_full_and_it_gives_the_space_back(bloated, tmp_path):
    url, db = bloated
    [finding] = bloat_findings(db)
    action = finding.action
    assert action.kind == "vacuum_full"
    assert action.sql == 'VACUUM (FULL, ANALYZE) "public"."bloated ""T""; x"'
    assert "ACCESS EXCLUSIVE" in action.lock and "every read and every write" in action.lock
    assert "free disk" in action.lock
    assert "VACUUM FULL" in finding.recommendation and "ACCESS EXCLUSIVE" in finding.recommendation
    assert "pg_repack" not in finding.recommendation  # not installed here

    before = table_bytes(url)
    store = Store(tmp_path / "audit.db")
    try:
        run = runner.execute(db, action, store, ALICE)
        assert run.state == "done", run.message
        assert "Table size" in run.message
        [entry] = audit.entries(store)
        assert entry["outcome"] == "done" and entry["sql"] == action.sql
    finally:
        store.close()
    after = table_bytes(url)
    assert after < before / 2, (before, after)
    assert bloat_findings(db) == []  # the space is back: nothing left to offer


def test_vacuum_full_is_run_only_by_an_action_that_says_so(bloated, tmp_path):
    url, db = bloated
    store = Store(tmp_path / "audit.db")
    before = table_bytes(url)
    target = {"target_kind": "table", "target_schema": "public", "target_name": NAME}
    quoted = '"public"."bloated ""T""; x"'
    try:
        lying = [Action("vacuum_full", f"VACUUM {quoted}", **target),  # claims FULL, is not
                 Action("vacuum_analyze", f"VACUUM (FULL, ANALYZE) {quoted}", **target),  # is FULL, claims not
                 Action("vacuum_full", f'VACUUM (FULL) {quoted}, "public"."other"', **target)]
        for action in lying:
            assert runner.execute(db, action, store, ALICE).state == "refused", action.sql
    finally:
        store.close()
    assert table_bytes(url) == before


PG_REPACK = Path("/usr/lib/postgresql/15/bin/pg_repack")


def test_with_pg_repack_installed_its_command_is_given_and_works(pg_servers, tmp_path):
    if "pg15" not in pg_servers or not PG_REPACK.exists():
        pytest.skip("pg_repack needs PostgreSQL 15 and its postgresql-15-repack package (apt-get install)")
    server = pg_servers["pg15"]
    url = servers.create_database(server, extensions=("pg_repack",))
    with psycopg.connect(url, autocommit=True) as conn:
        table = sql.Identifier("public", NAME)
        conn.execute(sql.SQL("CREATE TABLE {} (id bigint PRIMARY KEY, name text) WITH (autovacuum_enabled = false)")
                     .format(table))
        conn.execute(sql.SQL("INSERT INTO {} SELECT g, 'customer number ' || g FROM generate_series(1, 60000) g")
                     .format(table))
        conn.execute(sql.SQL("DELETE FROM {} WHERE id %% 4 <> 0").format(table), ())
        conn.execute(sql.SQL("VACUUM ANALYZE {}").format(table))
    db = make_db(url)
    db.thresholds = replace(Thresholds(), bloat_min_mb=0.5)
    try:
        [finding] = bloat_findings(db)
        database = db.capabilities.database
    finally:
        db.close()
    assert finding.action.kind == "vacuum_full"  # still offered, its lock spelled out
    command = re.search(r"`(pg_repack [^`]+)`", finding.recommendation).group(1)
    assert command == f"""pg_repack --dbname={database} --table='"public"."bloated ""T""; x"'"""
    before = table_bytes(url)
    args = shlex.split(command)[1:]
    done = subprocess.run([str(PG_REPACK), "--host", "127.0.0.1", "--port", str(server.port), "--username",
                           "postgres", *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert table_bytes(url) < before / 2
