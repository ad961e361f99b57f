"""The Advisors page (AppTest): a Supabase-shaped database with problems, one with none (the empty
state), and a plain PostgreSQL database (the lints that need Supabase say why they do not apply)."""

from __future__ import annotations

import psycopg
import pytest
from streamlit.testing.v1 import AppTest

from lib import stbind
from lib.supabase import shape
from tests import servers
from tests.conftest import REPO

APP = str(REPO / "app.py")


def open_advisors(monkeypatch, url: str) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    stbind.settings.clear()
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("pages/advisors.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


@pytest.fixture(autouse=True)
def fresh_settings():
    yield
    stbind.settings.clear()


def texts(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption] + [s.value for s in at.success]
                     + [i.value for i in at.info])


def test_problems_are_listed_by_lint_with_level_docs_and_fix(monkeypatch, pg):
    url = servers.create_database(pg, prefix="adv")
    shape.install(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute('CREATE TABLE public."open; table" (id int PRIMARY KEY, password text)')
        conn.execute("CREATE FUNCTION public.helper() RETURNS int LANGUAGE sql AS 'SELECT 1'")
        conn.execute("CREATE TABLE public.keyless (n int)")
    at = open_advisors(monkeypatch, url)
    assert at.title[0].value == "Advisors"
    tabs = [t.label for t in at.tabs]
    assert tabs[0].startswith("Security (") and tabs[1].startswith("Performance (")
    assert int(tabs[0].split("(")[1].rstrip(")")) >= 4
    labels = [e.label for e in at.expander]
    for title in ("RLS disabled in public", "Sensitive columns exposed", "Function search path mutable",
                  "Extension in public", "No primary key"):
        assert any(label.startswith(title) for label in labels), (title, labels)
    body = texts(at)
    assert "database-linter?lint=0013_rls_disabled_in_public" in body
    assert "`public.\"open; table\"`" in body
    codes = [c.value for c in at.code]
    assert 'ALTER TABLE "public"."open; table" ENABLE ROW LEVEL SECURITY' in codes
    assert "The API serves public, graphql_public" in body
    # Only errors: the warnings' and infos' lints go away.
    at.pills(key="advisors_levels").set_value(["ERROR"]).run()
    labels = [e.label for e in at.expander]
    assert any(label.startswith("RLS disabled in public") for label in labels)
    assert not any(label.startswith("Function search path mutable") for label in labels)


def test_a_clean_supabase_database_shows_the_empty_state(monkeypatch, pg):
    url = servers.create_database(pg, prefix="adv", extensions=())
    shape.install(url)
    at = open_advisors(monkeypatch, url)
    successes = [s.value for s in at.success]
    assert any(s.startswith("No security issue") for s in successes), successes
    assert any(s.startswith("No performance issue") for s in successes), successes
    assert "Not applicable here" not in [h.value for h in at.subheader]


def test_plain_postgres_says_which_lints_do_not_apply_and_why(monkeypatch, pg):
    url = servers.create_database(pg, prefix="adv", extensions=())
    at = open_advisors(monkeypatch, url)
    assert "Not applicable here" in [h.value for h in at.subheader]
    body = texts(at)
    assert "**RLS disabled in public** (`rls_disabled_in_public`): Not applicable: nothing says which schemas" in body
    assert "**Exposed auth users** (`auth_users_exposed`): Not applicable: there is no auth.users table" in body
    assert "do not apply" in body
