"""The index advisor on real servers: the demo's planted missing indexes are found (verified with hypopg
on PostgreSQL 15, from statistics on the embedded 18), nothing an existing index serves is recommended,
no hypothetical index is left behind, and bad input gets a clear answer."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

import psycopg
import pytest
from psycopg import sql

from lib.advisor import predicates
from lib.advisor.advise import advise
from lib.advisor.candidates import Candidate, served_by, table_from_row
from lib.demo.planted import MISSING_INDEXES
from tests.conftest import REPO, make_db


def has_hypopg(url: str) -> bool:
    with psycopg.connect(url, autocommit=True) as conn:
        return bool(conn.execute("SELECT count(*) FROM pg_available_extensions WHERE name = 'hypopg'").fetchone()[0])


def version(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.info.server_version


@pytest.fixture()
def demo_hypo_url(demo_url):
    """The demo database, with hypopg created where the server has it (15; CI requires it there)."""
    if version(demo_url) < 160000 and os.environ.get("PGPULSE_REQUIRE_PG15") == "1":
        assert has_hypopg(demo_url), "PostgreSQL 15 must have hypopg (apt-get install postgresql-15-hypopg)"
    if has_hypopg(demo_url):
        with psycopg.connect(demo_url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
    return demo_url


def demo_queryids(url: str, pattern: str) -> set[int]:
    with psycopg.connect(url) as conn:
        found = conn.execute("SELECT queryid, query FROM pg_stat_statements WHERE dbid = "
                             "(SELECT oid FROM pg_database WHERE datname = current_database())").fetchall()
    # pgpulse's own EXPLAINs of the statement are recorded too, tagged: not the application's statement
    return {q for q, text in found if re.search(pattern, text, re.IGNORECASE) and "/* pgpulse */" not in text}


def existing_leading_keys(url: str) -> dict[str, list[tuple[list[str], str | None]]]:
    """table -> [(key columns as pg_get_indexdef prints them, predicate)] of every valid btree index."""
    with psycopg.connect(url) as conn:
        rows = conn.execute("""
            SELECT n.nspname || '.' || c.relname, i.indexrelid, i.indnkeyatts, pg_get_expr(i.indpred, i.indrelid)
              FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
              JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
             WHERE am.amname = 'btree' AND i.indisvalid AND n.nspname = 'public'""").fetchall()
        out: dict[str, list] = {}
        for table, oid, nkeys, pred in rows:
            keys = [conn.execute("SELECT pg_get_indexdef(%s, %s, true)", (oid, k)).fetchone()[0]
                    for k in range(1, nkeys + 1)]
            out.setdefault(table, []).append((keys, pred))
    return out


def advisor_backends(conn, wait_s: float = 10) -> int:
    """The advisor's own backends still there (a closed connection's backend takes a moment to exit)."""
    deadline = time.monotonic() + wait_s
    while True:
        count = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgpulse-advisor'"
                             ).fetchone()[0]
        if count == 0 or time.monotonic() > deadline:
            return count
        time.sleep(0.2)


# -- the demo: planted missing indexes, on 15 (hypopg) and 18 (statistics) ---------------------------------
def test_demo_planted_missing_indexes_are_recommended(demo_hypo_url):
    db = make_db(demo_hypo_url)
    try:
        verified = db.capabilities.hypopg
        advice = advise(db)
    finally:
        db.close()
    assert advice.hypopg is verified
    if not verified:
        assert any("not verified: enable hypopg to verify" in n for n in advice.notes)
    for missing in MISSING_INDEXES:
        ids = demo_queryids(demo_hypo_url, missing.statement)
        assert ids, missing.statement
        found = [r for r in advice.recommendations
                 if r.table.display == missing.table and tuple(r.candidate.columns) == missing.keys]
        assert found, f"{missing.kind} index on {missing.table} {missing.keys} not recommended: " \
                      f"{[r.sql for r in advice.recommendations]}"
        rec = found[0]
        assert rec.verified is verified
        where = rec.candidate.where.label if rec.candidate.where else None
        assert where == missing.where
        served = [s for s in rec.statements if s.statement.queryid in ids]
        assert served, f"{rec.sql} does not list its statement"
        for s in served:
            if verified:
                assert s.cost_before is not None and s.cost_after is not None
                assert s.cost_after < 0.9 * s.cost_before
            else:
                assert s.cost_before is None and s.cost_after is None
        assert rec.sql.startswith("CREATE INDEX CONCURRENTLY ")
        assert rec.estimated_bytes > 0


def test_nothing_an_existing_index_serves_is_recommended(demo_hypo_url):
    db = make_db(demo_hypo_url)
    try:
        advice = advise(db)
    finally:
        db.close()
    existing = existing_leading_keys(demo_hypo_url)
    assert advice.already_served  # the demo's duplicate and composite invoices indexes serve statements
    for rec in advice.recommendations:
        keys = rec.candidate.columns
        for ix_keys, pred in existing.get(rec.table.display, []):
            same_prefix = ix_keys[:len(keys)] == keys or set(ix_keys[:len(keys)]) == set(keys)
            assert not (same_prefix and pred is None), f"{rec.sql} is served by an index on {ix_keys}"
    # the known ones: invoices by client_id (three indexes), clients by primary key, leads by status
    served = {c for c, _ in advice.already_served}
    assert "public.invoices (client_id)" in served
    assert "public.clients (id)" in served


def test_no_hypothetical_index_or_connection_is_left_behind(demo_hypo_url):
    db = make_db(demo_hypo_url)
    try:
        advise(db)
        with db.connection() as conn:  # the pool's connections never held one
            assert advisor_backends(conn) == 0
            if db.capabilities.hypopg:
                schema = db.capabilities.extension_schema("hypopg")
                listed = conn.execute(sql.SQL("SELECT count(*) FROM {}.hypopg_list_indexes").format(
                    sql.Identifier(schema))).fetchone()[0]
                assert listed == 0
    finally:
        db.close()


def test_cli_json(demo_hypo_url):
    done = subprocess.run([sys.executable, "-m", "lib", "advise", "--dsn", demo_hypo_url, "--json", "--top", "50"],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert set(data) == {"database", "hypopg", "recommendations", "notes"}
    assert data["hypopg"] is has_hypopg(demo_hypo_url)
    assert data["recommendations"]
    for rec in data["recommendations"]:
        assert {"table", "sql", "columns", "estimated_bytes", "statements", "benefit", "verified"} <= set(rec)
        for s in rec["statements"]:
            assert {"queryid", "query", "calls", "cost_before", "cost_after"} <= set(s)
            assert (s["cost_before"] is None) is (not data["hypopg"])
    text = subprocess.run([sys.executable, "-m", "lib", "advise", "--dsn", demo_hypo_url, "--top", "50"],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert text.returncode == 0, text.stderr
    assert "index(es) recommended" in text.stdout
    assert 'CREATE INDEX CONCURRENTLY "clients_lower_email_idx" ON "public"."clients" (lower("email"));' in text.stdout


def test_cli_sql_from_stdin_and_bad_input(demo_hypo_url, tmp_path):
    text = "SELECT id FROM clients WHERE lower(email) = 'ana.silva1@example.com';\nSELEC broken;\n"
    done = subprocess.run([sys.executable, "-m", "lib", "advise", "--dsn", demo_hypo_url, "--sql", "-", "--json"],
                          cwd=REPO, input=text, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert [r["columns"] for r in data["recommendations"]] == [["lower(email)"]]
    assert data["recommendations"][0]["statements"][0]["queryid"] is None
    assert any("SELEC broken" in n and "could not parse" in n for n in data["notes"])
    missing = subprocess.run([sys.executable, "-m", "lib", "advise", "--dsn", demo_hypo_url, "--sql",
                              str(tmp_path / "nope.sql")], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and len(missing.stderr.strip().splitlines()) == 1
    gone = subprocess.run([sys.executable, "-m", "lib", "advise", "--dsn", "postgresql://nobody@127.0.0.1:1/x"],
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    assert gone.returncode == 2 and len(gone.stderr.strip().splitlines()) == 1


# -- bad input on a fresh database ------------------------------------------------------------------------
HOSTILE = 'we"ird; DROP TABLE x; --'


@pytest.fixture()
def hostile_url(fresh_url):
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier("Odd Schema")))
        conn.execute(sql.SQL("CREATE TABLE {}.{} (id int PRIMARY KEY, {} text, {} int, deleted_at timestamptz)")
                     .format(sql.Identifier("Odd Schema"), sql.Identifier(HOSTILE), sql.Identifier("E-Mail "),
                             sql.Identifier("Score")))
        conn.execute(sql.SQL("INSERT INTO {}.{} SELECT g, 'user' || g || '@x.org', g % 100, "
                             "CASE WHEN g % 10 = 0 THEN now() END FROM generate_series(1, 50000) g")
                     .format(sql.Identifier("Odd Schema"), sql.Identifier(HOSTILE)))
        conn.execute(sql.SQL("ANALYZE {}.{}").format(sql.Identifier("Odd Schema"), sql.Identifier(HOSTILE)))
        conn.execute("CREATE VIEW odd_view AS SELECT * FROM " + sql.SQL("{}.{}").format(
            sql.Identifier("Odd Schema"), sql.Identifier(HOSTILE)).as_string(conn))
        conn.execute("CREATE TABLE parted (id int, k int) PARTITION BY RANGE (id)")
        conn.execute("CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (1000000)")
        conn.execute("INSERT INTO parted SELECT g, g FROM generate_series(1, 20000) g")
        conn.execute("ANALYZE parted")
    return fresh_url


def hostile_query() -> str:
    return sql.SQL("SELECT id FROM {}.{} WHERE lower({}) = 'user7@x.org' AND deleted_at IS NULL").format(
        sql.Identifier("Odd Schema"), sql.Identifier(HOSTILE), sql.Identifier("E-Mail ")).as_string(None)


def test_hostile_names_are_quoted_exactly_and_the_sql_runs(hostile_url):
    db = make_db(hostile_url)
    try:
        advice = advise(db, [hostile_query(), "SELECT * FROM odd_view WHERE \"Score\" = 5",
                             "SELECT id FROM parted WHERE k = 7"])
    finally:
        db.close()
    assert len(advice.recommendations) == 1, [r.sql for r in advice.recommendations]
    rec = advice.recommendations[0]
    assert rec.sql == ('CREATE INDEX CONCURRENTLY "we""ird; DROP TABLE x; --_lower_E-Mail _live_idx" '
                       'ON "Odd Schema"."we""ird; DROP TABLE x; --" (lower("E-Mail ")) WHERE "deleted_at" IS NULL')
    assert any("odd_view" in n and "view" in n for n in advice.notes)
    assert any("parted" in n and "partitioned" in n for n in advice.notes)
    with psycopg.connect(hostile_url, autocommit=True) as conn:
        conn.execute(rec.sql)  # the exact SQL shown is valid and builds the index
        assert conn.execute("SELECT count(*) FROM pg_indexes WHERE schemaname = 'Odd Schema'").fetchone()[0] == 2


def test_hypopg_in_schema_extensions_and_a_read_only_role(hostile_url):
    if not has_hypopg(hostile_url):
        pytest.skip("this server has no hypopg (the embedded 18): the statistics path is tested above")
    with psycopg.connect(hostile_url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA extensions")
        conn.execute("CREATE EXTENSION hypopg SCHEMA extensions")
        conn.execute("DROP ROLE IF EXISTS advisor_reader")
        conn.execute("CREATE ROLE advisor_reader LOGIN PASSWORD 'reader-pw'")
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO advisor_reader").format(sql.Identifier("Odd Schema")))
        conn.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO advisor_reader").format(
            sql.Identifier("Odd Schema")))
        conn.execute("ALTER ROLE advisor_reader SET default_transaction_read_only = on")
    reader_url = re.sub(r"//[^@]*@", "//advisor_reader:reader-pw@", hostile_url)
    db = make_db(reader_url)
    try:  # without USAGE on hypopg's schema: the statistics, and why
        advice = advise(db, [hostile_query()])
    finally:
        db.close()
    assert advice.hypopg is False and advice.recommendations and not advice.recommendations[0].verified
    assert any("permission denied" in n and "USAGE" in n for n in advice.notes), advice.notes
    with psycopg.connect(hostile_url, autocommit=True) as conn:
        conn.execute("GRANT USAGE ON SCHEMA extensions TO advisor_reader")  # as Supabase grants it
    db = make_db(reader_url)
    try:
        assert db.capabilities.extension_schema("hypopg") == "extensions"
        advice = advise(db, [hostile_query()])
    finally:
        db.close()
    assert advice.hypopg is True
    assert advice.recommendations, advice.notes
    rec = advice.recommendations[0]
    assert rec.verified and rec.statements[0].cost_after < rec.statements[0].cost_before
    assert rec.estimated_bytes > 0


def test_pooler_is_never_given_hypothetical_indexes(hostile_url):
    db = make_db(hostile_url, pooler=True)
    try:
        advice = advise(db, [hostile_query()])
    finally:
        db.close()
    assert advice.hypopg is False
    assert any("transaction pooler" in n for n in advice.notes)
    assert advice.recommendations and not advice.recommendations[0].verified


# -- pure parts: what a statement asks, and what an existing index serves ---------------------------------
def test_reading_statements():
    r = predicates.read("SELECT c.id FROM clients c JOIN invoices i ON i.client_id = c.id "
                        "WHERE i.status = 'overdue' AND c.created_at > $1 ORDER BY c.created_at LIMIT 5")
    uses = {u.table.name: u for u in r.uses.values()}
    assert [k.column for k in uses["invoices"].equal] == ["status", "client_id"]
    assert [k.column for k in uses["clients"].equal] == ["id"]
    assert [k.column for k in uses["clients"].ranges] == ["created_at"]
    assert [k.column for k in uses["clients"].sort] == ["created_at"]
    assert r.params[1].column == "created_at" and r.params[1].op == ">"
    assert predicates.read("SELEC 1").problem.startswith("could not parse")
    assert predicates.read("SELECT 1; SELECT 2").problem.startswith("several statements")
    r = predicates.read("SELECT 1 FROM t WHERE a = 1 OR b = 2")
    assert not r.uses[next(iter(r.uses))].equal  # an OR is no index condition as a whole


def test_served_by_duplicates_prefixes_permutations_and_predicates():
    row = {"oid": 1, "schema": "public", "name": "t", "kind": "r", "reltuples": 1e6, "relpages": 1000,
           "writes_per_day": 0, "columns": [{"name": n, "type": "int"} for n in ("a", "b", "c", "deleted_at")],
           "indexes": [{"name": "t_b_a_c", "method": "btree", "valid": True, "unique": False,
                        "keys": ["b", "a", "c"], "include": None, "predicate": None},
                       {"name": "t_c_live", "method": "btree", "valid": True, "unique": False,
                        "keys": ["c"], "include": None, "predicate": "(deleted_at IS NULL)"}]}
    table = table_from_row(row)
    k = predicates.Key
    live = predicates.Constant("deleted_at", "is_null")
    assert served_by(Candidate("public", "t", (k("a"), k("b")), 2), table).name == "t_b_a_c"
    assert served_by(Candidate("public", "t", (k("b"),), 1), table).name == "t_b_a_c"
    assert served_by(Candidate("public", "t", (k("a"), k("b"), k("c")), 2, ("x",)), table).name == "t_b_a_c"
    assert served_by(Candidate("public", "t", (k("a"),), 1), table) is None
    assert served_by(Candidate("public", "t", (k("c"),), 1, (), live), table).name == "t_c_live"
    assert served_by(Candidate("public", "t", (k("c"),), 1), table) is None  # the partial one cannot
    assert served_by(Candidate("public", "t", (k("a", "lower"),), 1), table) is None


def test_untypable_parameters_get_a_note(hostile_url):
    text = sql.SQL("SELECT id FROM {}.{} WHERE lower({}) = 'a' AND $1 IS NULL").format(
        sql.Identifier("Odd Schema"), sql.Identifier(HOSTILE), sql.Identifier("E-Mail ")).as_string(None)
    db = make_db(hostile_url)
    try:
        hypo = db.capabilities.hypopg
        advice = advise(db, [text])
    finally:
        db.close()
    if hypo:  # planned: PostgreSQL cannot type $1, and says so
        assert any("could not be planned" in n and "$1" in n for n in advice.notes), advice.notes
        assert not advice.recommendations
    else:  # statistics only: nothing is planned, the candidate stands unverified
        assert advice.recommendations and not advice.recommendations[0].verified


def test_what_if_session_plans_generic_on_every_version(hostile_url):
    """GENERIC_PLAN on 16+, the prepared statement's generic plan on 15; the session closes either way."""
    from lib.advisor import whatif

    text = sql.SQL("SELECT id FROM {}.{} WHERE {} = $1").format(
        sql.Identifier("Odd Schema"), sql.Identifier(HOSTILE), sql.Identifier("Score")).as_string(None)
    db = make_db(hostile_url)
    try:
        with whatif.session(db) as s:
            plans = s.plan_many([(text, None, 1), ("SELECT $1 + $2 FROM nowhere", None, 2)])
            assert s.generic is (version(hostile_url) >= 160000)
        assert plans[0]["Node Type"] == "Seq Scan" and plans[0]["Total Cost"] > 0
        assert isinstance(plans[1], whatif.PlanFailed) and "nowhere" in str(plans[1])
        with db.connection() as conn:
            assert advisor_backends(conn) == 0
    finally:
        db.close()
