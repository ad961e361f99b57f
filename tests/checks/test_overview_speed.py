"""The Overview's checks at scale: each TTL's checks cached apart with the same findings as one run,
the catalog read only for the statements' tables, bloat filtered in SQL, and findings that are never
silently stale (their age on the page, a refresh button, and fresh again after an action)."""

from __future__ import annotations

from types import SimpleNamespace

import psycopg
import pytest
from psycopg import sql
from streamlit.testing.v1 import AppTest

from lib import stbind
from lib.checks import load_checks, run_checks
from lib.core.config import DatabaseConfig, Thresholds
from lib.core.db import Database
from lib.core.findings import CATALOG_TTL_S, LIVE_TTL_S, CheckContext, CheckRun
from lib.statements import table_keys
from lib.storage import bloat
from tests.conftest import make_db
from tests.test_pages import APP


def test_catalog_wide_checks_are_reused_longer_than_live_ones():
    specs = load_checks()
    for check_id in ("indexes.unused", "indexes.redundant", "schema.text_ids", "schema.no_primary_key",
                     "tables.bloat", "tables.dead_tuples", "indexes.bloat", "tables.partition_candidate"):
        assert specs[check_id].ttl == CATALOG_TTL_S == 300, check_id
    for check_id in ("activity.long_running", "activity.blocking", "connections.count", "database.size",
                     "queries.slow", "queries.n_plus_one", "settings.work_mem", "lint.select_star"):
        assert specs[check_id].ttl == LIVE_TTL_S == 30, check_id


def test_the_runs_of_each_ttl_merge_into_the_findings_of_one_run(demo_url):
    db = make_db(demo_url)
    try:
        whole = run_checks(CheckContext(db, db.thresholds))
        catalog = run_checks(CheckContext(db, db.thresholds), ttl=CATALOG_TTL_S)
        live = run_checks(CheckContext(db, db.thresholds), ttl=LIVE_TTL_S)
        merged = CheckRun.merge([live, catalog])
    finally:
        db.close()
    assert len(whole.findings) > 20  # the demo plants problems of every kind
    # live evidence (durations, counts) moves between two runs: compare what was found, in order
    assert [(f.check, f.object, f.severity) for f in merged.findings] == \
        [(f.check, f.object, f.severity) for f in whole.findings]
    assert merged.errors == whole.errors == {}
    assert whole.checked_at < catalog.checked_at < live.checked_at
    assert merged.checked_at == catalog.checked_at  # the older of the two: what the page says


@pytest.fixture()
def namesakes(fresh_url):
    """Tables of the same name in several schemas, one on the search path, with keys and foreign keys."""
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        conn.execute("""
            CREATE SCHEMA a; CREATE SCHEMA b;
            CREATE TABLE public.orders (id bigint PRIMARY KEY);
            CREATE TABLE a.orders (id bigint PRIMARY KEY, code text UNIQUE);
            CREATE TABLE b.orders (id bigint PRIMARY KEY);
            CREATE TABLE a.items (id bigint PRIMARY KEY, order_id bigint REFERENCES a.orders);
            CREATE TABLE b.items (id bigint PRIMARY KEY, order_id bigint REFERENCES b.orders);
            CREATE TABLE a."Sales Data" (id int PRIMARY KEY);
            CREATE TABLE a.unrelated (id int PRIMARY KEY);
            CREATE TABLE b.lonely (id int PRIMARY KEY);
        """)
    return fresh_url


def test_the_catalog_read_for_statements_resolves_their_names_as_the_whole_one_does(namesakes):
    texts = ["SELECT * FROM orders WHERE id = $1",  # bare: public.orders is on the search path
             "SELECT * FROM items WHERE order_id = $1",  # bare, on no search path: a.items and b.items
             "SELECT * FROM a.orders o JOIN a.items i ON i.order_id = o.id",
             'SELECT count(*) FROM a."Sales Data"',
             "WITH lonely AS (SELECT 1) SELECT * FROM lonely",  # a CTE named like b.lonely
             "SELECT * FROM b.orders WHERE id = $1"]
    busy = [SimpleNamespace(query=t) for t in texts] + [SimpleNamespace(query=None)]
    db = make_db(namesakes)
    try:
        whole = table_keys.collect(db)
        some = table_keys.for_statements(db, busy)
    finally:
        db.close()
    names = {r.display for r in some.relations}
    assert names == {"public.orders", "a.items", "b.items", "a.orders", 'a."Sales Data"', "b.lonely",
                     "b.orders"}  # not a.unrelated; bare "orders" needs only the one on the search path
    assert {"a.unrelated", "b.lonely"} <= {r.display for r in whole.relations}
    for display in ("orders", "items", "a.orders", "a.items", 'a."Sales Data"', "lonely", "b.orders"):
        found, expected = some.find(display), whole.find(display)
        assert (found and found.display) == (expected and expected.display), display
    assert some.find("orders").display == "public.orders"
    assert some.find("items") is None  # two candidates, none on the search path: not guessed
    assert some.find("a.orders").keys == whole.find("a.orders").keys
    assert [r.display for r, _ in some.referencing(some.find("a.orders"))] == ["a.items"]


@pytest.fixture()
def bloated(fresh_url):
    """A table (and its primary key) with most rows deleted, large enough to count, and a small one."""
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        for name, rows in (("big", 60000), ("small", 2000)):
            table = sql.Identifier(name)
            conn.execute(sql.SQL("CREATE TABLE {} (id bigint PRIMARY KEY, name text) "
                                 "WITH (autovacuum_enabled = false)").format(table))
            conn.execute(sql.SQL("INSERT INTO {} SELECT g, 'customer number ' || g FROM generate_series(1, %s) g")
                         .format(table), (rows,))
            conn.execute(sql.SQL("DELETE FROM {} WHERE id %% 4 <> 0").format(table), ())
            conn.execute(sql.SQL("VACUUM ANALYZE {}").format(table))
    return fresh_url


def test_bloat_checks_skip_small_relations_in_sql_and_find_the_same(bloated):
    db = Database(DatabaseConfig(name="test", conninfo=bloated, source="test"), Thresholds(bloat_min_mb=0.5))
    try:
        filtered = run_checks(CheckContext(db, db.thresholds), ["tables.bloat", "indexes.bloat"])
        page = CheckContext(db, db.thresholds)  # as the Tables and Indexes pages: their whole frames
        page.memo("tables.bloat", lambda: bloat.table_bloat(db))
        page.memo("indexes.bloat", lambda: bloat.index_bloat(db))
        whole = run_checks(page, ["tables.bloat", "indexes.bloat"])
        assert set(bloat.table_bloat(db)["name"]) >= {"big", "small"}
        assert list(bloat.table_bloat(db, 512 * 1024)["name"]) == ["big"]
    finally:
        db.close()
    assert [(f.check, f.object) for f in filtered.findings] == \
        [("indexes.bloat", "public.big_pkey"), ("tables.bloat", "public.big")]
    assert filtered.findings == whole.findings


def test_functions_cached_for_different_ttls_keep_each_others_entries(monkeypatch):
    db = Database(DatabaseConfig(name="cachetest", conninfo="postgresql://nowhere/x", source="test"))
    monkeypatch.setattr(stbind, "database_by_name", lambda name: db)  # resolves the name; nothing connects
    calls = []

    @stbind.cached(ttl=30)
    def live(db):
        calls.append("live")
        return 1

    @stbind.cached(ttl=300)
    def slow(db):
        calls.append("slow")
        return 2

    assert (live(db), slow(db), live(db), slow(db)) == (1, 2, 1, 2)
    assert calls == ["live", "slow"]  # a call with another TTL no longer empties the shared store
    slow.clear(db)
    assert (live(db), slow(db)) == (1, 2)
    assert calls == ["live", "slow", "slow"]
    stbind.clear_caches()


# -- the page --------------------------------------------------------------------------------------
def finding_titles(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if "has no primary key" in m.value]


def test_overview_says_how_old_its_findings_are_and_refreshes_them(fresh_url, monkeypatch):
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE keyless (id int)")
    monkeypatch.setenv("DATABASE_URL", fresh_url)
    stbind.settings.clear()
    try:
        at = AppTest.from_file(APP, default_timeout=120)
        at.run()
        assert not at.exception and not at.error, [e.value for e in at.error]
        assert any("Findings checked just now" in c.value and "5 min" in c.value for c in at.caption)
        assert any("keyless" in t for t in finding_titles(at))

        with psycopg.connect(fresh_url, autocommit=True) as conn:
            conn.execute("ALTER TABLE keyless ADD PRIMARY KEY (id)")
        at.run()
        assert any("keyless" in t for t in finding_titles(at))  # reused, and the caption says since when
        at.button(key="checkruns_refresh").click().run()
        assert not at.exception
        assert not any("keyless" in t for t in finding_titles(at))

        with psycopg.connect(fresh_url, autocommit=True) as conn:
            conn.execute("CREATE TABLE keyless_too (id int)")
        at.run()
        assert not any("keyless_too" in t for t in finding_titles(at))
        stbind.clear_caches()  # what every action does once it has run
        at.run()
        assert any("keyless_too" in t for t in finding_titles(at))
    finally:
        stbind.settings.clear()
        stbind.clear_caches()
