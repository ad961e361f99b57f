"""The Slow queries and Query detail pages in Streamlit's AppTest, on PostgreSQL 18 and 15."""

from __future__ import annotations

import re

import psycopg
import pytest
import streamlit as st
from psycopg import sql
from streamlit.testing.v1 import AppTest

from lib import stbind
from lib.demo.planted import PLANTED
from tests import servers
from tests.statements.test_statements import run_as_app, unparsable_statement

APP = str(servers.Path(__file__).resolve().parents[2] / "app.py")
SLOW, DETAIL = "pages/slow_queries.py", "pages/query.py"


@pytest.fixture()
def open_app(monkeypatch):
    """AppTest of the app pointed at one database (by DATABASE_URL), with nothing cached from other tests."""

    def start(url: str, page: str, **params) -> AppTest:
        monkeypatch.setenv("DATABASE_URL", url)
        stbind.settings.clear()
        st.cache_data.clear()
        at = AppTest.from_file(APP, default_timeout=120)
        at.run()
        for key, value in params.items():
            at.query_params[key] = value
        at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    yield start
    stbind.settings.clear()
    st.cache_data.clear()


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def queryid_of(url: str, pattern: str) -> int:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT queryid, query FROM pg_stat_statements WHERE dbid = "
                            "(SELECT oid FROM pg_database WHERE datname = current_database())").fetchall()
    (found,) = {q for q, text in rows if re.search(pattern, text, re.IGNORECASE)}
    return found


def test_slow_queries_on_the_demo(open_app, demo_url):
    at = open_app(demo_url, SLOW)
    assert not at.error and at.title[0].value == "Slow queries"
    assert {"Calls", "Execution time", "Slow statements", "Statistics since"} <= {m.label for m in at.metric}
    assert int(next(m.value for m in at.metric if m.label == "Slow statements")) >= 3
    heads = [s.value for s in at.subheader][1:]
    assert heads[0].startswith("Maintenance and DDL statements (") and heads[1:] == ["Performance targets",
                                                                                     "N+1 patterns"]
    table = at.dataframe[0].value
    assert {"Statement", "Calls", "Total", "Mean", "Rows/call", "Load", "Cache hits", "Temp written", "WAL",
            "I/O time"} <= set(table.columns)
    assert table["slow"].any() and not table["Statement"].str.contains("pgpulse").any()
    # the demo's ANALYZE, REFRESH and CREATE INDEX are listed apart, not among the queries
    assert not table["Statement"].str.match(r"(ANALYZE|VACUUM|REFRESH|CREATE|REINDEX)\b").any()
    apart = next(d.value for d in at.dataframe if list(d.value.columns) == ["Statement", "Calls", "Mean", "Total"])
    assert apart["Statement"].str.match(r"(ANALYZE|VACUUM|REFRESH|CREATE|REINDEX)\b").all() and len(apart) >= 1
    assert "Likely N+1" in texts(at.markdown) and "client_id = ANY($1)" in texts(at.code)
    targets_table = next(d.value for d in at.dataframe if "Result" in d.value.columns)
    assert set(targets_table["Result"]) <= {"pass", "fail", "no statements"} and "fail" in set(targets_table["Result"])

    at.text_input[0].input("invoices").run()  # text search
    assert not at.exception
    shown = at.dataframe[0].value["Statement"]
    assert len(shown) and shown.str.contains("invoices", case=False).all()
    at.multiselect[0].select("insert").run()
    assert "No statement matches these filters." in texts(at.info)  # no insert mentions invoices
    at.text_input[0].input("").run()
    assert set(at.dataframe[0].value["Kind"]) == {"insert"}


def test_query_detail_from_its_url(open_app, demo_url):
    queryid = queryid_of(demo_url, PLANTED["correlated_subquery"].statements[0])
    at = open_app(demo_url, DETAIL, queryid=str(queryid))
    assert not at.error and at.title[0].value == "Query detail"
    labels = {m.label for m in at.metric}
    assert {"Calls", "Rows per call", "Mean time", "Max time", "Total time", "Cache hit ratio", "Planning",
            "Temp written", "I/O time", "WAL written"} <= labels
    sql_shown = at.code[0].value
    assert "\nFROM clients c" in sql_shown and "(SELECT count(*)" in sql_shown  # formatted by sqlparse
    assert "correlated_subquery" in texts(at.markdown) and "over target" in texts(at.markdown)
    assert "Slow" in texts(at.warning)
    assert "History appears once snapshots are being taken." in texts(at.info)
    assert at.query_params["queryid"] == str(queryid)


def test_explain_this_query_hands_the_statement_over(open_app, demo_url):
    queryid = queryid_of(demo_url, PLANTED["select_star"].statements[0])
    at = open_app(demo_url, DETAIL, queryid=str(queryid))
    (button,) = [b for b in at.button if b.label == "Explain this query"]
    button.click().run()
    assert not at.exception
    assert at.session_state["pgpulse_explain_sql"].startswith("SELECT * FROM clients")
    assert at.query_params["queryid"] == str(queryid) and at.title[0].value != "Query detail"


def test_query_detail_of_the_n_plus_one_lookup(open_app, demo_url):
    queryid = queryid_of(demo_url, PLANTED["n_plus_one"].statements[0])
    at = open_app(demo_url, DETAIL, queryid=str(queryid))
    assert "Likely N+1" in texts(at.warning)
    assert any("LEFT JOIN invoices" in c.value for c in at.code)


def test_query_detail_without_or_with_a_bad_queryid(open_app, demo_url):
    at = open_app(demo_url, DETAIL)
    assert not at.error and at.selectbox[0].label == "Statement (busiest first)"
    # not a blank page: the busiest statements are listed, by their text, each a link to its detail
    links = [e.proto for e in at.get("page_link")]
    assert 3 <= len(links) <= 10
    assert all(" call" in link.label and " · " in link.label for link in links)
    assert any("SELECT" in link.label.upper() for link in links)
    assert all("queryid=" in link.query_string for link in links)
    chosen = queryid_of(demo_url, PLANTED["select_star"].statements[0])
    at.selectbox[0].set_value(chosen).run()
    assert at.query_params["queryid"] == str(chosen) and any(m.label == "Mean time" for m in at.metric)
    at = open_app(demo_url, DETAIL, queryid="1; DROP TABLE clients")
    assert "is not a queryid" in texts(at.info) and not at.error


@pytest.fixture()
def small_db(pg) -> str:
    url = servers.create_database(pg, prefix="pages")
    run_as_app(url, lambda conn: conn.execute("SELECT 'visible' AS marker, pg_sleep(0.01)"))
    return url


def reset_statistics_of(url: str, pg) -> None:
    """Reset one database's statements (tests share the servers), from another database so the reset
    statement itself is not recorded in the one reset."""
    dbname = url.rsplit("/", 1)[1]
    with psycopg.connect(servers.create_database(pg, prefix="resetter"), autocommit=True) as conn:
        conn.execute("SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = %s), 0)",
                     (dbname,))


def test_a_reset_between_two_page_loads(open_app, small_db, pg):
    queryid = queryid_of(small_db, "marker")
    at = open_app(small_db, DETAIL, queryid=str(queryid))
    assert any(m.label == "Calls" for m in at.metric)
    reset_statistics_of(small_db, pg)
    at.run()  # reload the shared link after the reset
    assert not at.exception and not at.error
    assert "not in pg_stat_statements any more" in texts(at.info)
    at = open_app(small_db, SLOW)
    assert not at.error and "No statements recorded yet" in texts(at.info)


def test_texts_the_parser_rejects(open_app, pg):
    url = servers.create_database(pg, prefix="badsql")
    run_as_app(url, unparsable_statement)
    at = open_app(url, DETAIL, queryid=str(queryid_of(url, "^COMMENT ON TABLE")))
    assert not at.error and "Not linted" in texts(at.info)
    at = open_app(url, SLOW)
    # COMMENT ON is DDL: listed apart, under Maintenance and DDL statements
    apart = next(d.value for d in at.dataframe if list(d.value.columns) == ["Statement", "Calls", "Mean", "Total"])
    assert not at.error and "COMMENT ON TABLE" in "".join(apart["Statement"])
    assert "COMMENT ON TABLE" not in "".join(at.dataframe[0].value["Statement"])


def test_role_without_stats_privilege(open_app, pg, small_db):
    name = "pages_reader"
    with psycopg.connect(pg.url, autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS pages_reader")
        conn.execute("CREATE ROLE pages_reader LOGIN PASSWORD 'pw'")
    try:
        at = open_app(pg.url_for(small_db.rsplit("/", 1)[1], name, "pw"), SLOW)
        assert not at.error and "pg_monitor" in texts(at.info)
        assert "(hidden texts of postgres)" in set(at.dataframe[0].value["Statement"])
    finally:
        with psycopg.connect(pg.url, autocommit=True) as conn:
            conn.execute("DROP ROLE pages_reader")


def test_compute_query_id_off_is_explained(open_app, pg, small_db):
    with psycopg.connect(small_db, autocommit=True) as conn:
        conn.execute(sql.SQL("ALTER DATABASE {} SET compute_query_id = off").format(
            sql.Identifier(small_db.rsplit("/", 1)[1])))
    at = open_app(small_db, SLOW)
    assert not at.error and "compute_query_id is off" in texts(at.warning)


@pytest.fixture(scope="module")
def server_without_pgss():
    server = servers.start_server(servers.available_bin_dirs()["pg18"], preload=False)
    yield server
    server.destroy()


@pytest.mark.parametrize("page", [SLOW, DETAIL])
def test_without_pg_stat_statements_the_pages_say_how_to_enable_it(open_app, server_without_pgss, page):
    at = open_app(servers.create_database(server_without_pgss, extensions=()), page, queryid="42")
    assert not at.error and "shared_preload_libraries" in texts(at.warning)
    at.switch_page("pages/overview.py").run()  # the rest of the app works
    assert not at.exception and any(m.label == "Database size" for m in at.metric)


def test_extension_not_created(open_app, pg):
    at = open_app(servers.create_database(pg, extensions=()), SLOW)
    assert not at.error and "CREATE EXTENSION pg_stat_statements" in texts(at.warning)
