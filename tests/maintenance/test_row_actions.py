"""Maintenance actions from a picked row of the Tables and Indexes lists (AppTest, a fresh database on PostgreSQL
18 with hostile names and actions enabled): the exact SQL, a real VACUUM of that table only, the audit entry,
DROP INDEX behind its typed name, what an index backing a constraint or a materialized view offers, the pick
that follows its object when the list is re-sorted, and the SQL-only control when actions are off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from lib import stbind
from lib.actions import offered
from tests import servers
from tests.maint_fixtures import q
from tests.maintenance.test_maintenance_pages import until
from tests.test_pages import APP

TABLE = 'Odd "T"; x'
SHOWN = 'public."Odd ""T""; x"'  # quote_ident, as the lists show it
QUOTED = '"public"."Odd ""T""; x"'  # psycopg's Identifier, as the actions' SQL has it
INDEX = 'odd "idx"; y'


def make_odd(url: str) -> str:
    """A table with 1,000 dead tuples and hostile names, a plain neighbour, and a materialized view without a
    unique index; autovacuum off on the tables, so only pgpulse's VACUUM counts."""
    q(url, 'CREATE TABLE "Odd ""T""; x" (id int PRIMARY KEY, v int) WITH (autovacuum_enabled = false)')
    q(url, 'INSERT INTO "Odd ""T""; x" SELECT g, g FROM generate_series(1, 2000) g')
    q(url, 'DELETE FROM "Odd ""T""; x" WHERE id > 1000')
    q(url, 'CREATE INDEX "odd ""idx""; y" ON "Odd ""T""; x" (v)')
    # scanned once: an index never scanned over young statistics offers no DROP INDEX (test_row_actions_wait)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET enable_seqscan = off")
        conn.execute('SELECT id FROM "Odd ""T""; x" WHERE v = 5').fetchall()
        conn.execute("SELECT pg_stat_force_next_flush()")
    q(url, 'CREATE TABLE "aaa neighbour" (id int PRIMARY KEY) WITH (autovacuum_enabled = false)')
    q(url, 'INSERT INTO "aaa neighbour" SELECT generate_series(1, 100)')
    q(url, 'CREATE MATERIALIZED VIEW "Odd ""MV""" AS SELECT v FROM "Odd ""T""; x"')
    return url


def vacuums(url: str) -> dict[str, int]:
    return dict(q(url, "SELECT relname, vacuum_count FROM pg_stat_user_tables WHERE schemaname = 'public'"))


@pytest.fixture()
def odd_url(pg_servers):
    return make_odd(servers.create_database(pg_servers["pg18"]))


def open_app(url: str, monkeypatch, page: str, enabled: bool = True) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PGPULSE_ACTIONS", "1" if enabled else "0")
    stbind.settings.clear()
    st.cache_data.clear()  # every test's database is called "env"
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(f"pages/{page}").run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


@pytest.fixture()
def clean_caches():
    yield
    stbind.settings.clear()
    st.cache_data.clear()  # the next test's "env" database is another one


def pick(at: AppTest, key: str, display: str) -> int:
    """Select the row showing `display` in the list `key`, as a click on its box does; its position."""
    listed = next(d for d in at.dataframe if d.key == key).value
    position = listed["display"].tolist().index(display)
    at.session_state[key] = {"selection": {"rows": [position], "columns": [], "cells": []}}
    at.run()
    assert not at.exception, at.exception
    return position


def codes(at: AppTest) -> list[str]:
    return [c.value for c in at.code]


def button(at: AppTest, label: str, suffix: str):
    return next(b for b in at.button if b.label == label and (b.key or "").endswith(suffix))


def test_a_table_row_vacuums_that_table_only_and_is_audited(odd_url, monkeypatch, clean_caches):
    at = open_app(odd_url, monkeypatch, "tables.py")
    assert any("Select a row" in c.value for c in at.caption)  # nothing picked: the hint, no action
    assert f"VACUUM (ANALYZE) {QUOTED};" not in codes(at)
    pick(at, "tables_list", SHOWN)
    assert {f"VACUUM (ANALYZE) {QUOTED};", f"ANALYZE {QUOTED};"} <= set(codes(at))
    assert any(f"Actions on** `{SHOWN}`" in m.value for m in at.markdown)
    before = vacuums(odd_url)
    assert before[TABLE] == 0

    vacuum = button(at, "VACUUM (ANALYZE)…", "-tables")
    key = vacuum.key.removeprefix("open:")
    vacuum.click().run()
    assert f"VACUUM (ANALYZE) {QUOTED};" in codes(at)
    assert any("SHARE UPDATE EXCLUSIVE" in m.value for m in at.markdown)  # the dialog: lock and SQL
    assert vacuums(odd_url) == before  # opening the dialog runs nothing
    at.button(key=f"run:{key}").click().run()
    until(at, lambda a: any(f"VACUUM (ANALYZE) public.{TABLE}: done" in s.value for s in a.success))
    after = vacuums(odd_url)
    assert after[TABLE] == before[TABLE] + 1
    assert {k: v for k, v in after.items() if k != TABLE} == {k: v for k, v in before.items() if k != TABLE}
    assert q(odd_url, "SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = %s", (TABLE,)) == [(0,)]
    # The list was read again after the action: the pick is still on the same table.
    assert any(f"Actions on** `{SHOWN}`" in m.value for m in at.markdown)

    at.switch_page("pages/audit.py").run()
    newest = at.dataframe[0].value.iloc[0]  # the store outlives this test's database: newest first
    assert (newest["object"], newest["outcome"], newest["action"]) == (f"public.{TABLE}", "done", "VACUUM (ANALYZE)")


def test_the_pick_follows_its_table_when_the_list_is_resorted(odd_url, monkeypatch, clean_caches):
    at = open_app(odd_url, monkeypatch, "tables.py")
    first = pick(at, "health_list", SHOWN)  # closest to autovacuum first: the table with dead tuples
    assert first == 0
    at.selectbox(key="health_sort").set_value("Name").run()
    listed = next(d for d in at.dataframe if d.key == "health_list").value["display"].tolist()
    moved = listed.index(SHOWN)
    assert moved != first  # "aaa neighbour" sorts before it
    assert list(at.session_state["health_list"]["selection"]["rows"]) == [moved]
    assert f"ANALYZE {QUOTED};" in codes(at)
    # A search that leaves it out unpicks it: no action on whatever row took its place.
    at.text_input(key="health_search").input("neighbour").run()
    assert f"ANALYZE {QUOTED};" not in codes(at) and 'ANALYZE "public"."aaa neighbour";' not in codes(at)


def test_a_materialized_view_row_also_refreshes(odd_url, monkeypatch, clean_caches):
    at = open_app(odd_url, monkeypatch, "tables.py")
    pick(at, "tables_list", 'public."Odd ""MV"""')
    assert {'VACUUM (ANALYZE) "public"."Odd ""MV""";', 'ANALYZE "public"."Odd ""MV""";',
            'REFRESH MATERIALIZED VIEW "public"."Odd ""MV""";'} <= set(codes(at))
    assert any("refresh CONCURRENTLY" in c.value for c in at.caption)  # no unique index: why it blocks readers


def test_an_index_row_drops_only_with_its_typed_name(odd_url, monkeypatch, clean_caches):
    at = open_app(odd_url, monkeypatch, "indexes.py")
    definition = q(odd_url, "SELECT indexdef FROM pg_indexes WHERE indexname = %s", (INDEX,))[0][0]
    pick(at, "indexes_list", 'public."Odd ""T""; x_pkey"')  # backs the primary key: no DROP
    assert 'REINDEX INDEX CONCURRENTLY "public"."Odd ""T""; x_pkey";' in codes(at)
    assert not [c for c in codes(at) if c.startswith('DROP INDEX CONCURRENTLY "public"."Odd')]
    assert any("backs the constraint" in c.value for c in at.caption)

    pick(at, "indexes_list", 'public."odd ""idx""; y"')
    drop_sql = 'DROP INDEX CONCURRENTLY "public"."odd ""idx""; y";'
    assert {'REINDEX INDEX CONCURRENTLY "public"."odd ""idx""; y";', drop_sql} <= set(codes(at))
    drop = button(at, "DROP INDEX…", "-indexes")
    key = drop.key.removeprefix("open:")
    drop.click().run()
    assert at.button(key=f"run:{key}").disabled
    at.text_input(key=f"typed:{key}").input("odd").run()
    assert at.button(key=f"run:{key}").disabled
    at.text_input(key=f"typed:{key}").input(INDEX).run()
    assert not at.button(key=f"run:{key}").disabled
    at.button(key=f"run:{key}").click().run()
    until(at, lambda a: any(f"DROP INDEX public.{INDEX}: done" in s.value for s in a.success))
    assert q(odd_url, "SELECT count(*) FROM pg_indexes WHERE indexname = %s", (INDEX,)) == [(0,)]
    at.switch_page("pages/audit.py").run()
    assert definition + ";" in codes(at)  # kept there, with its Recreate button
    assert any(b.label == "Recreate…" for b in at.button)


def test_an_index_never_scanned_over_young_statistics_offers_no_drop_yet(odd_url, monkeypatch, clean_caches):
    q(odd_url, 'CREATE INDEX "never scanned" ON "Odd ""T""; x" (v, id)')
    at = open_app(odd_url, monkeypatch, "indexes.py")
    pick(at, "indexes_list", 'public."never scanned"')
    assert 'REINDEX INDEX CONCURRENTLY "public"."never scanned";' in codes(at)
    assert not [c for c in codes(at) if c.startswith('DROP INDEX CONCURRENTLY "public"."never scanned"')]
    note = next(c.value for c in at.caption if "no DROP INDEX before" in c.value)
    until = datetime.strptime(note.split("before ")[1][:16], "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
    assert timedelta(days=6, hours=23) < until - datetime.now(UTC) <= timedelta(days=7)  # the server is new


def test_drop_wait_until_by_hand():
    now = datetime(2026, 12, 8, 12, 0, tzinfo=UTC)
    assert offered.drop_wait_until(0, timedelta(days=2), 7, now) == datetime(2026, 12, 13, 12, 0, tzinfo=UTC)
    assert offered.drop_wait_until(0, timedelta(days=8), 7, now) is None  # old enough: drop offered
    assert offered.drop_wait_until(3, timedelta(hours=1), 7, now) is None  # scanned: not "unused"
    assert offered.drop_wait_until(None, timedelta(hours=1), 7, now) is None  # no figure: not judged here
    row = {"schema": "public", "name": "i", "display": "public.i", "idx_scan": 0}
    young = offered.for_index(row, timedelta(hours=1), 7)
    assert [a.kind for a in young.actions] == ["reindex"] and "no DROP INDEX before" in young.notes[0]
    assert [a.kind for a in offered.for_index(row, timedelta(days=30), 7).actions] == ["reindex", "drop_index"]


def test_with_actions_off_a_row_shows_the_sql_to_copy_and_why(odd_url, monkeypatch, clean_caches):
    at = open_app(odd_url, monkeypatch, "tables.py", enabled=False)
    pick(at, "tables_list", SHOWN)
    button(at, "SQL of VACUUM (ANALYZE)", "-tables").click().run()
    assert f"VACUUM (ANALYZE) {QUOTED};" in codes(at)
    assert any("Actions are off" in i.value for i in at.info)
    assert not [b for b in at.button if (b.key or "").startswith("run:")]
    assert vacuums(odd_url)[TABLE] == 0
