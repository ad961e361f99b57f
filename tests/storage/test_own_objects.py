"""pgpulse's own objects are never findings: its store's tables when the store lives in the monitored
database (`[pgpulse] store_url` pointing at it), their indexes and sequences, and the demo's pgpulse_demo
schema. Real stores on PostgreSQL 15 and 18."""

from __future__ import annotations

import psycopg
import pytest

from lib.checks import load_checks, run_checks
from lib.core import store as store_mod
from lib.core.findings import CheckContext, Severity
from lib.storage import own
from tests.conftest import make_db


@pytest.fixture()
def store_in_monitored(fresh_url):
    """A pgpulse store in the monitored database, used a little, beside a user table with problems."""
    kept = store_mod.open_store(fresh_url)
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        conn.execute('CREATE TABLE public."user; table" (id int, note text)')  # no primary key: a finding
        conn.execute('INSERT INTO public."user; table" SELECT g, g::text FROM generate_series(1, 100) g')
        conn.execute("CREATE SCHEMA pgpulse_demo")
        conn.execute("CREATE TABLE pgpulse_demo.meta (version int NOT NULL)")  # as the demo marks its load
        conn.execute("INSERT INTO pgpulse_demo.meta VALUES (1)")
        for table in ("hist_lease", "hist_state", "pgpulse_schema_migrations", "alert_state"):
            conn.execute(f"ANALYZE {table}")  # noqa - fixed names, our own test tables
    db = make_db(fresh_url)
    yield db
    db.close()
    kept.close()


def test_store_in_the_monitored_database_is_never_a_finding(store_in_monitored, fresh_url):
    db = store_in_monitored
    mine = own.collect(db)
    assert {"public.audit_log", "public.hist_snapshot", "public.pgpulse_schema_migrations",
            "pgpulse_demo.meta"} <= mine.names
    assert 'public."user; table"' not in mine.names
    run = run_checks(CheckContext(db, db.thresholds))
    named = {f.object for f in run.findings} | {f.evidence.get("table") for f in run.findings}
    assert 'public."user; table"' in named  # the user's own table is still checked
    leaked = [(f.check, f.object) for f in run.findings if mine.about(f)]
    assert not leaked
    for name in store_mod.table_names():
        assert f"public.{name}" not in named, name
    assert "pgpulse_demo.meta" not in named


def test_the_checks_themselves_do_name_them(store_in_monitored):
    """Without run_checks' filter the checks name the store's tables: the filter is what keeps them out."""
    db = store_in_monitored
    ctx = CheckContext(db, db.thresholds)
    raw = [f for spec in load_checks().values() for f in spec.func(ctx)]
    mine = own.collect(db)
    assert [f for f in raw if mine.about(f) and f.severity > Severity.OK], sorted({f.check for f in raw})


def test_same_names_without_a_store_are_the_users(fresh_url):
    """A user's own audit_log (no pgpulse store here) is checked like any table."""
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE audit_log (at float8, note text)")
        conn.execute("INSERT INTO audit_log SELECT g, 'x' FROM generate_series(1, 10) g")
    db = make_db(fresh_url)
    try:
        assert own.collect(db).names == frozenset()
        run = run_checks(CheckContext(db, db.thresholds), only=["schema.no_primary_key"])
        assert "public.audit_log" in {f.object for f in run.findings}
    finally:
        db.close()
