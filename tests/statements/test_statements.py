"""The statements explorer's data on real servers (PostgreSQL 18 and 15): grouping, filters, sorting,
paging, what is left out, and the planted problems of the demo where a DBA looks for them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from dataclasses import replace

import psycopg
import pytest
from psycopg import sql

from lib.checks import run_checks
from lib.core.findings import CheckContext
from lib.demo.planted import PLANTED, TARGET_STATEMENTS
from lib.statements import explorer, nplus1, table_keys, targets
from lib.statements.explorer import Filters
from tests import servers
from tests.conftest import REPO, make_db

SHOP = """
CREATE TABLE authors (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE books (id bigint PRIMARY KEY, author_id bigint NOT NULL REFERENCES authors (id),
                    isbn text NOT NULL UNIQUE, title text NOT NULL);
INSERT INTO authors SELECT g, 'author ' || g FROM generate_series(1, 200) g;
INSERT INTO books SELECT g, 1 + g % 200, 'isbn-' || g, 'title ' || g FROM generate_series(1, 2000) g;
ANALYZE;
"""
LIST_AUTHORS = "SELECT id, name FROM authors ORDER BY name LIMIT 20"
BOOKS_OF_AUTHOR = "SELECT id, title FROM books WHERE author_id = %s"
BOOK_BY_ID = "SELECT title FROM books WHERE id = %s"
BOOK_BY_ISBN = "SELECT id, title FROM books WHERE isbn = %s"
LONG_COMMENT = "x" * 200_000


def run_as_app(url: str, work) -> None:
    """The application's traffic: its own connection, like any client."""
    with psycopg.connect(url, autocommit=True) as conn:
        work(conn)


def shop_traffic(conn: psycopg.Connection) -> None:
    for _ in range(12):  # the author list page, then one books query per listed author
        for (author_id, _name) in conn.execute(LIST_AUTHORS).fetchall():
            conn.execute(BOOKS_OF_AUTHOR, (author_id,))
    for value in (7, 40_000, 5_000_000_000):  # psycopg binds these as int2, int4 and int8
        conn.execute(BOOK_BY_ID, (value,))
    for n in range(5):
        conn.execute(BOOK_BY_ISBN, (f"isbn-{n}",))
        conn.execute("INSERT INTO authors (id, name) VALUES (%s, %s)", (10_000 + n, "new"))
    conn.execute("SELECT pg_sleep(0.15)")  # slow: above the 100 ms threshold
    conn.execute("SET work_mem = '64kB'")
    conn.execute("SELECT g FROM generate_series(1, 60000) g ORDER BY g DESC LIMIT 5")  # spills to temp
    conn.execute(f"SELECT /* {LONG_COMMENT} */ count(*) FROM books")


@pytest.fixture(scope="module")
def shop(pg) -> str:
    url = servers.create_database(pg, prefix="shop")
    run_as_app(url, lambda conn: conn.execute(SHOP))
    run_as_app(url, shop_traffic)
    return url


@pytest.fixture()
def shop_db(shop):
    db = make_db(shop)
    yield db
    db.close()


def rows_matching(db, text: str, **filters) -> list[dict]:
    page = explorer.list_page(db, Filters(search=text, **filters), limit=100)
    return page.frame.to_dict("records")


# -- grouping and counters ------------------------------------------------------------------------------
def test_one_row_for_a_text_recorded_under_several_queryids(shop_db):
    (row,) = rows_matching(shop_db, "SELECT title FROM books WHERE id")
    assert len(row["queryids"]) == 3  # int2, int4, int8 parameters
    assert row["calls"] == 3
    detail = explorer.detail(shop_db, row["queryids"][-1])  # any of its queryids opens the same statement
    assert detail["calls"] == 3 and sorted(detail["queryids"]) == sorted(row["queryids"])
    assert detail["query"] == "SELECT title FROM books WHERE id = $1"


def test_counters_and_derived_figures(shop_db):
    (books,) = rows_matching(shop_db, "FROM books WHERE author_id")
    assert books["calls"] == 240 and books["rows"] == 240 * 10
    assert books["rows_per_call"] == pytest.approx(10.0)
    assert 0 < books["load_share"] < 1
    assert books["kind"] == "select" and books["roles"] == "postgres"
    assert books["min_exec_ms"] <= books["mean_exec_ms"] <= books["max_exec_ms"]
    assert books["hit_ratio"] == pytest.approx(books["shared_blks_hit"] /
                                               (books["shared_blks_hit"] + books["shared_blks_read"]))
    (sleep,) = rows_matching(shop_db, "pg_sleep")
    assert sleep["slow"] and sleep["mean_exec_ms"] >= 150 and not books["slow"]
    (sort,) = rows_matching(shop_db, "ORDER BY g DESC")
    assert sort["temp_written_bytes"] > 0


def test_long_text_is_cut_in_the_list_and_whole_in_the_detail(shop_db):
    (row,) = rows_matching(shop_db, "count(*) FROM books")
    assert row["query_bytes"] > 200_000 and len(row["query"]) == explorer.LIST_TEXT_CHARS
    assert len(explorer.detail(shop_db, row["queryid"])["query"]) == row["query_bytes"]
    busy = {s.queryid: s for s in explorer.busiest(shop_db, max_bytes=100_000)}
    assert busy[row["queryid"]].query is None and busy[row["queryid"]].query_bytes == row["query_bytes"]


# -- filters, sorting, paging ---------------------------------------------------------------------------
@pytest.mark.parametrize(("sort", "column"), [("total", "total_exec_ms"), ("mean", "mean_exec_ms"),
                                              ("calls", "calls"), ("temp", "temp_written_bytes")])
def test_sorted_in_sql(shop_db, sort, column):
    frame = explorer.list_page(shop_db, Filters(sort=sort), limit=500).frame
    values = frame[column].astype(float).tolist()
    assert len(values) > 5 and values == sorted(values, reverse=True)


def test_io_sort_puts_the_statements_that_read_first(shop_db):
    frame = explorer.list_page(shop_db, Filters(sort="io"), limit=500).frame
    io = (frame["io_ms"] + frame["temp_io_ms"]).tolist()
    assert io == sorted(io, reverse=True)


def test_filters(shop_db):
    assert {r["kind"] for r in rows_matching(shop_db, "", kinds=("insert",))} == {"insert"}
    assert all(r["calls"] >= 200 for r in rows_matching(shop_db, "", min_calls=200))
    assert rows_matching(shop_db, "from BOOKS where AUTHOR_id")  # case does not matter
    (row,) = rows_matching(shop_db, "FROM books WHERE author_id")
    assert [r["queryid"] for r in rows_matching(shop_db, str(row["queryid"]))] == [row["queryid"]]
    assert rows_matching(shop_db, "no statement says this") == []
    assert rows_matching(shop_db, "authors", role="nobody_has_this_role") == []
    with pytest.raises(ValueError):
        Filters(sort="size; DROP TABLE x").params()


def test_paging(shop_db):
    everything = explorer.list_page(shop_db, Filters(), limit=500)
    second = explorer.list_page(shop_db, Filters(), limit=3, offset=3)
    assert second.matching == everything.matching == len(everything.frame)
    assert second.frame["queryid"].tolist() == everything.frame["queryid"].tolist()[3:6]
    beyond = explorer.list_page(shop_db, Filters(), limit=3, offset=10_000)
    assert beyond.frame.empty and beyond.matching == everything.matching


# -- what is left out -----------------------------------------------------------------------------------
def test_the_apps_own_statements_are_left_out(shop_db, shop):
    explorer.list_page(shop_db, Filters())
    assert explorer.list_page(shop_db, Filters(search="lead_word")).matching == 0
    with psycopg.connect(shop) as conn:  # ... although pg_stat_statements has them
        tagged = conn.execute("SELECT count(*) FROM pg_stat_statements WHERE query LIKE '%%lead\\_word%%' "
                              "AND query LIKE '%%/* pgpulse */'").fetchone()[0]
    assert tagged >= 1


def test_statements_of_other_databases_are_left_out(pg, shop_db):
    other = servers.create_database(pg, prefix="other")
    run_as_app(other, lambda conn: conn.execute("SELECT 'in another database' AS other_db_marker"))
    assert rows_matching(make_db(other), "other_db_marker")
    assert rows_matching(shop_db, "other_db_marker") == []


# -- bad input ------------------------------------------------------------------------------------------
@pytest.fixture()
def plain_role(pg, shop):
    """A login role without pg_monitor or pg_read_all_stats."""
    name = f"reader_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg.url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD 'pw'").format(sql.Identifier(name)))
    with psycopg.connect(shop, autocommit=True) as conn:
        conn.execute(sql.SQL("GRANT SELECT ON authors TO {}").format(sql.Identifier(name)))
    url = pg.url_for(shop.rsplit("/", 1)[1], name, "pw")
    run_as_app(url, lambda conn: conn.execute("SELECT name FROM authors WHERE id = %s", (3,)))
    yield name, url
    with psycopg.connect(shop, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
    with psycopg.connect(pg.url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


def test_insufficient_privilege_texts(plain_role, shop_db):
    name, url = plain_role
    db = make_db(url)
    try:
        assert not db.capabilities.sees_all_stats and db.capabilities.pgss_hidden_texts > 0
        frame = explorer.list_page(db, Filters(), limit=500).frame
        hidden = frame[frame["hidden"]]
        # other roles' statements: one row per role, no queryid, no text; the load still counts them
        assert hidden["roles"].tolist() == ["postgres"] and hidden["queryid"].isna().all()
        assert hidden["kind"].tolist() == ["unknown"]
        mine = frame[~frame["hidden"]]
        assert mine["roles"].unique().tolist() == [name]
        assert frame["load_share"].sum() == pytest.approx(1.0)
        assert [s.queryid for s in explorer.busiest(db)] == mine["queryid"].tolist()
        assert not run_checks(CheckContext(db, db.thresholds), ["lint.", "queries."]).errors
    finally:
        db.close()
    # the role filter, seen by a role that sees everything
    assert {r["roles"] for r in rows_matching(shop_db, "", role=name)} == {name}
    assert name in explorer.roles(shop_db)


def test_compute_query_id_off(pg):
    url = servers.create_database(pg, prefix="noqid")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("ALTER DATABASE {} SET compute_query_id = off").format(
            sql.Identifier(url.rsplit("/", 1)[1])))
    run_as_app(url, lambda conn: conn.execute("SELECT 'not recorded' AS without_query_id"))
    db = make_db(url)
    try:
        assert db.capabilities.compute_query_id == "off"
        assert explorer.list_page(db, Filters(search="without_query_id")).matching == 0
        assert not run_checks(CheckContext(db, db.thresholds), ["lint.", "queries."]).errors
    finally:
        db.close()


def unparsable_statement(conn: psycopg.Connection) -> None:
    """A text PostgreSQL accepted but that does not parse as standard SQL: a backslash-escaped quote."""
    conn.execute("CREATE TABLE notes (body text)")
    conn.execute("SET standard_conforming_strings = off")
    conn.execute("COMMENT ON TABLE notes IS 'it\\'s; not standard'")


def test_text_that_does_not_parse(pg):
    url = servers.create_database(pg, prefix="badsql")
    run_as_app(url, unparsable_statement)
    db = make_db(url)
    try:
        busy = explorer.busiest(db)
        (bad,) = [s for s in busy if s.query and s.query.startswith("COMMENT ON TABLE")]
        compliance = targets.collect(db, busy)
        assert compliance.not_read >= 1 and compliance.of(bad.queryid) is None
        assert nplus1.collect(db, busy) == []
        result = run_checks(CheckContext(db, db.thresholds), ["lint.", "queries."])
        assert not result.errors and str(bad.queryid) not in {f.object for f in result.findings}
        from lib.checks.lint import lint_text

        assert lint_text(bad.query).notes and not lint_text(bad.query)
        # a text cut short (as pg_stat_activity cuts at track_activity_query_size) is read the same way
        cut = replace(bad, query="SELECT id, title FROM books WHERE author_id = (SELECT id FROM authors WHERE")
        assert "may be truncated" in lint_text(cut.query).notes[0] and not lint_text(cut.query)
        assert targets.assess([cut], table_keys.collect(db), db.thresholds).not_read == 1
    finally:
        db.close()


def test_texts_are_not_cut_by_track_activity_query_size():
    """pg_stat_statements keeps whole texts: only pg_stat_activity is cut to track_activity_query_size."""
    server = servers.start_server(servers.available_bin_dirs()["pg18"])
    try:
        server.stop()
        with (server.data_dir / "postgresql.conf").open("a") as conf:
            conf.write("\ntrack_activity_query_size = 100\n")
        server.start()
        url = servers.create_database(server)
        padding = "y" * 5000
        with psycopg.connect(url, autocommit=True) as conn:
            seen = conn.execute(f"SELECT length(query) FROM pg_stat_activity WHERE pid = pg_backend_pid() "
                                f"/* {padding} */").fetchone()[0]
        assert seen < 100
        (row,) = rows_matching(make_db(url), "pg_backend_pid")
        assert row["query_bytes"] > 5000
    finally:
        server.destroy()


def test_a_reset_between_two_loads(pg):
    url = servers.create_database(pg, prefix="reset")
    run_as_app(url, lambda conn: conn.execute("SELECT 'before the reset' AS marker"))
    db = make_db(url)
    try:
        (row,) = rows_matching(db, "marker")
        with psycopg.connect(url, autocommit=True) as conn:  # this database only: the servers are shared
            conn.execute("SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database "
                         "WHERE datname = current_database()), 0)")
        assert explorer.detail(db, row["queryid"]) is None
        assert rows_matching(db, "marker") == []
    finally:
        db.close()


# -- the demo: every planted query problem where a DBA looks --------------------------------------------
def matching(texts, pattern: str):
    return [t for t in texts if re.search(pattern, t.query or "", re.IGNORECASE)]


@pytest.fixture()
def demo_db(demo_url):
    db = make_db(demo_url)
    yield db
    db.close()


def test_planted_slow_statements_are_flagged_slow(demo_db):
    frame = explorer.list_page(demo_db, Filters(sort="mean"), limit=500, text_chars=5000).frame
    for pattern in PLANTED["slow_query"].statements:
        found = frame[frame["query"].str.contains(pattern, case=False, regex=True)]
        assert len(found) == 1, pattern
        assert bool(found["slow"].iloc[0]), (pattern, found["mean_exec_ms"].iloc[0])


def test_planted_n_plus_one_is_flagged(demo_db):
    lookup_pattern, list_pattern = PLANTED["n_plus_one"].statements
    found = nplus1.collect(demo_db)
    (pair,) = [n for n in found if re.search(lookup_pattern, n.lookup.query)]
    assert re.search(list_pattern, pair.listing.query) and pair.likely
    assert (pair.table, pair.column) == ("public.invoices", "client_id")
    assert "client_id = ANY($1)" in pair.batched_sql
    with psycopg.connect(demo_db.config.conninfo) as conn:  # the suggestions are valid SQL here
        for name, text in (("joined", pair.joined_sql), ("batched", pair.batched_sql)):
            conn.execute(sql.SQL("PREPARE {} AS {}").format(sql.Identifier(f"check_{name}"), sql.SQL(text)))
        conn.rollback()


def test_ordinary_traffic_is_measured_against_its_target(demo_db):
    compliance = targets.collect(demo_db)
    expected = {"pk_select": "pk_lookup", "complex_join": "join", "insert": "write_single",
                "update": "write_single", "batch_insert_100": "batch_insert", "small_table_full_scan": "full_scan",
                "dashboard_load": "dashboard"}
    busy = [a.statement for a in compliance.assessments]
    for target, pattern in TARGET_STATEMENTS.items():
        (stmt,) = matching(busy, pattern)
        assert compliance.of(stmt.queryid).kind == expected[target], target
    assert {s.kind for s in compliance.summary() if s.statements} == set(targets.TARGETS)
    # the correlated subquery is a join far over its 200 ms target
    (slow,) = matching(busy, PLANTED["correlated_subquery"].statements[0])
    assert slow in [a.statement for a in compliance.offenders()]


LINT_OF_PLANTED = {"function_on_indexed_column": "function_on_column", "correlated_subquery": "correlated_subquery",
                   "or_chain": "or_chain", "select_distinct": "select_distinct",
                   "count_for_existence": "count_for_existence", "deep_offset": "deep_offset",
                   "select_star": "select_star"}


def test_cli_check_lists_the_planted_anti_patterns_as_lint_findings(demo_db, demo_url):
    done = subprocess.run([sys.executable, "-m", "lib", "check", "--dsn", demo_url, "--json", "--only", "lint.",
                           "--only", "queries."], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stderr
    report = json.loads(done.stdout)
    assert not report["errors"]
    findings = {(f["check"], f["object"]) for f in report["findings"]}
    busy = explorer.busiest(demo_db)
    for planted, rule in LINT_OF_PLANTED.items():
        for pattern in PLANTED[planted].statements:
            (stmt,) = matching(busy, pattern)
            assert (f"lint.{rule}", str(stmt.queryid)) in findings, (planted, pattern)
    (lookup,) = matching(busy, PLANTED["n_plus_one"].statements[0])
    assert ("queries.n_plus_one", str(lookup.queryid)) in findings
    per_rule = {}
    for check_id, _ in findings:
        per_rule[check_id] = per_rule.get(check_id, 0) + 1
    assert max(per_rule.values()) <= 20  # capped per rule


def test_catalog_keys_decide_the_class(shop_db):
    known = table_keys.collect(shop_db)
    assert known.find("books").is_key("isbn") and known.find("public.books").foreign_key_on("author_id")
    compliance = targets.collect(shop_db, catalog=known)
    (by_isbn,) = matching([a.statement for a in compliance.assessments], r"WHERE isbn = \$1")
    assert compliance.of(by_isbn.queryid).kind == "pk_lookup"  # unique column: no guessing from the name
