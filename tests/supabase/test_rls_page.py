"""The RLS policies page (Streamlit AppTest) on small databases of its own: the empty state, the list with
each policy's issues, a read measured on demand, and a role that may not read pg_policy."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql
from streamlit.testing.v1 import AppTest

from lib import stbind
from lib.supabase import shape
from tests.test_pages import APP

TABLE = 'notes "x"; y'


def q(url: str, statement, params=None) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement, params)


def page(url: str, monkeypatch) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    stbind.settings.clear()  # settings are cached for the app's lifetime; this test changes them
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    at.switch_page("pages/rls.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture(autouse=True)
def fresh_settings():
    yield
    stbind.settings.clear()


def test_no_policies_is_an_empty_state(fresh_url, monkeypatch):
    at = page(fresh_url, monkeypatch)
    assert not at.error, [e.value for e in at.error]
    assert any("No row-level security policy" in i.value for i in at.info)
    assert any("No Supabase `auth` schema" in c.value for c in at.caption)


def test_policies_listed_with_issues_and_a_read_measured(fresh_url, monkeypatch):
    url = fresh_url
    shape.install(url)
    t = sql.Identifier(TABLE)
    q(url, "INSERT INTO auth.users (id, created_at) VALUES ('11111111-1111-1111-1111-111111111111', now())")
    q(url, sql.SQL("CREATE TABLE public.{} (id int PRIMARY KEY, user_id uuid)").format(t))
    q(url, sql.SQL("INSERT INTO public.{} SELECT g, CASE WHEN g % 2 = 0 THEN "
                   "'11111111-1111-1111-1111-111111111111'::uuid END FROM generate_series(1, 1000) g").format(t))
    q(url, sql.SQL("ALTER TABLE public.{} ENABLE ROW LEVEL SECURITY").format(t))
    q(url, sql.SQL('CREATE POLICY "own; rows" ON public.{} FOR SELECT TO authenticated USING (auth.uid() = user_id)')
      .format(t))
    q(url, sql.SQL('CREATE POLICY "all rows" ON public.{} FOR SELECT TO authenticated USING (true)').format(t))
    at = page(url, monkeypatch)
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == "RLS policies"
    listed = at.dataframe[0].value
    assert set(listed["policy"]) == {"own; rows", "all rows"}
    issues = dict(zip(listed["policy"], listed["issues"], strict=True))
    assert "auth_rls_initplan" in issues["own; rows"] and "multiple_permissive_policies" in issues["own; rows"]
    assert "permissive_true_hides" in issues["all rows"]

    label = f'public.{TABLE} · "own; rows" (SELECT)'
    at.selectbox(key="rls_policy").select(label).run()
    assert '(auth.uid() = user_id)' in [c.value for c in at.code]
    # actions are off for this database: the rewrite's SQL is offered to copy
    assert any(b.label == "SQL of ALTER POLICY" for b in at.button)
    next(b for b in at.button if b.label == "Measure the read").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    figures = {m.label: m for m in at.metric}
    assert "Measured: with RLS" in figures and "Same read without RLS" in figures
    # "all rows" lets every row through for authenticated too (the issue the list names): 1,000 both ways
    assert figures["Measured: with RLS"].delta == "as authenticated, 1.0k rows"
    assert figures["Same read without RLS"].delta == "1.0k rows"
    q(url, sql.SQL('DROP POLICY "all rows" ON public.{}').format(t))
    next(b for b in at.button if b.label == "Measure the read").click().run()
    figures = {m.label: m for m in at.metric}
    assert figures["Now: with RLS"].delta == "as authenticated, 500 rows"  # the user's half, measured again
    assert "**Before and after the fix**" in [m.value for m in at.markdown]


def test_a_role_that_may_not_read_pg_policy_gets_a_sentence(fresh_url, monkeypatch):
    url = fresh_url
    q(url, "DROP ROLE IF EXISTS rls_blind")
    q(url, "CREATE ROLE rls_blind LOGIN PASSWORD 'blind-pw'")
    q(url, "REVOKE SELECT ON pg_catalog.pg_policy FROM PUBLIC")  # this database's catalog only
    try:
        at = page(url.replace("postgres@", "rls_blind:blind-pw@"), monkeypatch)
        assert any("pg_policy" in e.value for e in at.error), [e.value for e in at.error]
    finally:
        q(url, "GRANT SELECT ON pg_catalog.pg_policy TO PUBLIC")
        q(url, "DROP ROLE rls_blind")


def test_audit_page_offers_the_undo_of_a_policy_rewrite(fresh_url, monkeypatch, tmp_path):
    from lib.actions import builders
    from lib.core.store import open_store
    from lib.maintenance import runner
    from tests.conftest import make_db

    url = fresh_url
    shape.install(url)
    q(url, "CREATE TABLE public.t (id int PRIMARY KEY, user_id uuid)")
    q(url, 'CREATE POLICY "own; rows" ON public.t USING (auth.uid() = user_id)')
    store_url = str(tmp_path / "store.db")
    monkeypatch.setenv("PGPULSE_STORE_URL", store_url)
    monkeypatch.setenv("PGPULSE_ACTIONS", "1")
    db = make_db(url, actions_enabled=True, name="env")
    store = open_store(store_url)
    try:
        action = builders.alter_policy("public", "t", "own; rows", "(SELECT auth.uid()) = user_id", None)
        assert runner.execute(db, action, store, runner.Actor(app_user="alice")).state == "done"
    finally:
        store.close()
        db.close()
    monkeypatch.setenv("DATABASE_URL", url)
    stbind.settings.clear()
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    at.switch_page("pages/audit.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(c.value == 'Undo: `ALTER POLICY "own; rows" ON "public"."t" USING ((auth.uid() = user_id))`'
               for c in at.caption), [c.value for c in at.caption]
    assert any(b.label == "Undo…" for b in at.button)


def test_a_policy_on_a_table_without_rls_offers_to_enable_it(fresh_url, monkeypatch):
    url = fresh_url
    q(url, 'CREATE TABLE public."open; t" (id int PRIMARY KEY, owner text)')
    q(url, 'CREATE POLICY "mine" ON public."open; t" USING (owner = current_user)')
    monkeypatch.setenv("PGPULSE_ACTIONS", "1")
    at = page(url, monkeypatch)
    at.selectbox(key="rls_policy").select('public.open; t · "mine" (ALL)').run()
    assert any("Row-level security is off for public.open; t" in w.value for w in at.warning)
    assert any(b.label == "ENABLE ROW LEVEL SECURITY…" for b in at.button)


def test_thousands_of_policies_list(fresh_url, monkeypatch):
    url = fresh_url
    shape.install(url)
    q(url, """DO $$
    BEGIN
        FOR i IN 1 .. 300 LOOP
            EXECUTE format('CREATE TABLE public.%I (id int PRIMARY KEY, user_id uuid)', 't; ' || i);
            EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', 't; ' || i);
            FOR j IN 1 .. 5 LOOP
                EXECUTE format('CREATE POLICY %I ON public.%I FOR SELECT TO authenticated USING (auth.uid() = user_id)',
                               'p "' || j, 't; ' || i);
            END LOOP;
        END LOOP;
    END $$""")
    at = page(url, monkeypatch)
    assert not at.error, [e.value for e in at.error]
    assert len(at.dataframe[0].value) == 1500
    assert next(m for m in at.metric if m.label == "Policies").value == "1.5k"
    assert next(m for m in at.metric if m.label == "Per-row auth calls").value == "1.5k"
    assert len(at.selectbox(key="rls_policy").options) == 1500
