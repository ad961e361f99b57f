"""The Maintenance and Audit pages driven with AppTest: confirmation dialogs, typed name, progress to the end,
before/after, the audit entry and the recreate of a dropped index."""

from __future__ import annotations

import time

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from lib import stbind
from tests import servers
from tests.maint_fixtures import TABLE, make_busy, q, unused_index_check, vacuum_count
from tests.test_pages import APP


@pytest.fixture()
def busy_url(pg_servers):
    """Pages need one server, not each: a fresh database on PostgreSQL 18."""
    return make_busy(servers.create_database(pg_servers["pg18"]))


@pytest.fixture()
def dropper():
    with unused_index_check() as check_id:
        yield check_id


@pytest.fixture()
def page(busy_url, monkeypatch):
    """The app on a fresh database of the test servers, actions enabled, on the Maintenance page."""
    monkeypatch.setenv("DATABASE_URL", busy_url)
    monkeypatch.setenv("PGPULSE_ACTIONS", "1")
    stbind.settings.clear()
    st.cache_data.clear()  # figures are cached per database name, and every test's database is "env"
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/maintenance.py").run()
    assert not at.exception, at.exception
    yield at
    stbind.settings.clear()
    st.cache_data.clear()  # the next test's "env" database is another one


def until(at: AppTest, done, seconds: float = 60) -> None:
    """Rerun the page (as its live fragment would) until `done(at)`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        at.run()
        assert not at.exception, at.exception
        if done(at):
            return
        time.sleep(0.1)
    raise AssertionError("the action did not finish in time")


def test_weekly_routine_runs_from_the_page(page, busy_url):
    at = page
    assert not at.error, [e.value for e in at.error]
    routine_table = at.dataframe[0].value
    assert routine_table["table"].tolist() == [f"public.{TABLE}"]
    at.button(key="routine_open").click().run()
    assert 'VACUUM (ANALYZE) "public"."Busy ""T""; x";' in [c.value for c in at.code]
    assert vacuum_count(busy_url) == 0  # opening the dialog runs nothing
    at.button(key="routine_run").click().run()
    until(at, lambda a: any("Weekly routine done" in s.value for s in a.success))
    results = at.dataframe[-1].value
    assert results["outcome"].tolist() == ["done"]
    assert results["dead tuples before"].tolist() == ["1.0k"] and results["dead tuples after"].tolist() == ["0"]
    assert vacuum_count(busy_url) == 1
    at.switch_page("pages/audit.py").run()
    newest = at.dataframe[0].value.iloc[0]  # the store outlives this test's database: newest first
    assert (newest["object"], newest["outcome"], newest["action"]) == (f"public.{TABLE}", "done", "VACUUM (ANALYZE)")


def test_drop_needs_the_typed_name_and_the_audit_page_recreates_it(dropper, page, busy_url):
    at = page
    definition = q(busy_url, "SELECT indexdef FROM pg_indexes WHERE indexname = 'unused idx'")[0][0]
    drop = next(b for b in at.button if b.label == "DROP INDEX…")
    key = drop.key.removeprefix("open:")
    drop.click().run()
    assert 'DROP INDEX CONCURRENTLY "public"."unused idx";' in [c.value for c in at.code]
    assert any("SHARE UPDATE EXCLUSIVE" in m.value for m in at.markdown)
    assert any(m.label == "Index size" for m in at.metric)
    assert at.button(key=f"run:{key}").disabled
    at.text_input(key=f"typed:{key}").input("unused").run()
    assert at.button(key=f"run:{key}").disabled
    at.text_input(key=f"typed:{key}").input("unused idx").run()
    assert not at.button(key=f"run:{key}").disabled
    at.button(key=f"run:{key}").click().run()
    until(at, lambda a: any("DROP INDEX public.unused idx: done" in s.value for s in a.success))
    assert q(busy_url, "SELECT count(*) FROM pg_indexes WHERE indexname = 'unused idx'") == [(0,)]

    at.switch_page("pages/audit.py").run()
    assert definition + ";" in [c.value for c in at.code]
    recreate = next(b for b in at.button if b.label == "Recreate…")
    key = recreate.key.removeprefix("open:")
    recreate.click().run()
    at.button(key=f"run:{key}").click().run()
    until(at, lambda a: any("CREATE INDEX public.unused idx: done" in s.value for s in a.success))
    assert q(busy_url, "SELECT indexdef FROM pg_indexes WHERE indexname = 'unused idx'") == [(definition,)]


def test_disabled_actions_show_their_sql_only(page, busy_url, monkeypatch):
    monkeypatch.setenv("PGPULSE_ACTIONS", "0")
    stbind.settings.clear()
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/maintenance.py").run()
    assert any("Actions are off" in i.value for i in at.info)
    at.button(key="routine_open").click().run()
    assert 'VACUUM (ANALYZE) "public"."Busy ""T""; x";' in [c.value for c in at.code]
    assert not [b for b in at.button if b.key == "routine_run"]
    reset = next(b for b in at.button if b.label == "SQL of pg_stat_statements reset")
    reset.click().run()
    assert 'SELECT "public".pg_stat_statements_reset();' in [c.value for c in at.code]
    assert not [b for b in at.button if (b.key or "").startswith("run:")]
    assert vacuum_count(busy_url) == 0


def test_autovacuum_is_turned_back_on_from_its_finding_and_undone_from_the_audit_page(page, busy_url):
    at = page
    options = "SELECT reloptions FROM pg_class WHERE relname = %s"
    reset = next(b for b in at.button if b.label == "RESET autovacuum…")
    key = reset.key.removeprefix("open:")
    reset.click().run()
    assert 'ALTER TABLE "public"."Busy ""T""; x" RESET (autovacuum_enabled);' in [c.value for c in at.code]
    assert q(busy_url, options, (TABLE,)) == [(["autovacuum_enabled=false"],)]  # the dialog runs nothing
    at.button(key=f"run:{key}").click().run()
    until(at, lambda a: any("RESET autovacuum" in s.value and "done" in s.value for s in a.success))
    assert q(busy_url, options, (TABLE,)) == [(None,)]

    at.switch_page("pages/audit.py").run()
    undo = next(b for b in at.button if b.label == "Undo…")
    key = undo.key.removeprefix("open:")
    undo.click().run()
    assert 'ALTER TABLE "public"."Busy ""T""; x" SET (autovacuum_enabled = false);' in [c.value for c in at.code]
    at.button(key=f"run:{key}").click().run()
    until(at, lambda a: q(busy_url, options, (TABLE,)) == [(["autovacuum_enabled=false"],)])
