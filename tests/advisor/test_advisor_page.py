"""The Index advisor page and Query detail's section (Streamlit AppTest) on the demo database of each server:
the planted missing indexes listed with their statements, verified on 15 (hypopg), labelled not verified
on 18; ?queryid= focuses one statement."""

from __future__ import annotations

import re

import psycopg
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from lib.demo.planted import MISSING_INDEXES
from tests.advisor.test_advisor import demo_queryids, has_hypopg
from tests.conftest import REPO

APP = str(REPO / "app.py")


@pytest.fixture()
def page_url(demo_url, monkeypatch):
    if has_hypopg(demo_url):
        with psycopg.connect(demo_url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
    monkeypatch.setenv("DATABASE_URL", demo_url)
    st.cache_resource.clear()  # the settings (and so the database) of another server's run
    st.cache_data.clear()
    return demo_url


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def open_page(path: str, **params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    for k, v in params.items():
        at.query_params[k] = v
    at.switch_page(path).run()
    return ok(at)


def shown_sql(at: AppTest) -> list[str]:
    return [c.value for c in at.code]


def test_page_lists_the_planted_indexes(page_url):
    at = open_page("pages/index_advisor.py")
    text = "\n".join(shown_sql(at))
    assert 'ON "public"."leads" ("source", "updated_at")' in text
    assert 'ON "public"."clients" (lower("email"))' in text
    assert re.search(r'ON "public"."clients" \("account_manager", "updated_at"\).* WHERE "deleted_at" IS NULL', text)
    markdown = "\n".join(m.value for m in at.markdown)
    verified = has_hypopg(page_url)
    assert ("verified with hypopg" in markdown) is verified
    assert ("not verified" in markdown) is not verified
    if not verified:
        assert any("enable hypopg to verify" in w.value for w in at.warning)
    frames = [d.value for d in at.dataframe]
    statements = " ".join(" ".join(map(str, f["statement"])) for f in frames if "statement" in f)
    assert "FROM leads WHERE source = $1 AND updated_at >= $2" in statements
    assert {m.label for m in at.metric} >= {"Indexes recommended", "Statements read", "Estimated size", "Verified"}


def test_queryid_focuses_one_statement(page_url):
    [queryid] = demo_queryids(page_url, MISSING_INDEXES[1].statement)
    at = open_page("pages/index_advisor.py", queryid=str(queryid))
    sqls = [s for s in shown_sql(at) if s.startswith("CREATE INDEX")]
    assert sqls and all('lower("email")' in s for s in sqls), sqls


def test_query_detail_shows_the_index_that_would_help(page_url):
    [queryid] = demo_queryids(page_url, MISSING_INDEXES[1].statement)
    at = open_page("pages/query.py", queryid=str(queryid))
    assert any(h.value == "Indexes that would help this statement" for h in at.subheader)
    assert any('ON "public"."clients" (lower("email"))' in s for s in shown_sql(at))


def test_pasted_sql_gets_its_own_advice(page_url):
    at = open_page("pages/index_advisor.py")
    at.text_area[0].input("SELECT id, name FROM leads WHERE lower(company) = $1 AND status = 'lost'").run()
    ok(next(b for b in at.button if b.label == "Advise").click().run())
    assert any('ON "public"."leads" (lower("company"))' in s and "\"status\" = 'lost'" in s for s in shown_sql(at)), \
        shown_sql(at)
