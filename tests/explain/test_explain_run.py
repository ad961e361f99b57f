"""EXPLAIN on real servers: options by version, parameters, the session afterwards, the planted
demo problems found through pg_stat_statements, and kept plans."""

from __future__ import annotations

import re

import psycopg
import pytest

from lib.core.store import Store
from lib.demo.planted import PLANTED
from lib.explain import gate, keep, source
from lib.explain.errors import (
    BAD_OPTIONS,
    NEEDS_CONFIRMATION,
    NEEDS_VALUES,
    REFUSED,
    ExplainFailed,
    ExplainRefused,
)
from lib.explain.options import ExplainOptions, effective, explain_statement
from lib.explain.run import parameter_types, run_explain
from lib.explain.session import rolled_back
from tests import servers
from tests.conftest import make_db

# -- options and the gate, without a server ---------------------------------------------------------------


def test_explain_text_is_tagged_and_puts_the_statement_on_its_own_line():
    text = explain_statement(ExplainOptions(analyze=True, verbose=True), "SELECT 1 -- x\n").as_string(None)
    assert text == "/* pgpulse */ EXPLAIN (ANALYZE, BUFFERS, VERBOSE, FORMAT JSON)\nSELECT 1 -- x\n\n/* pgpulse */"
    plain = explain_statement(ExplainOptions(buffers=False, generic_plan=True), "SELECT $1").as_string(None)
    assert plain.splitlines()[0] == "/* pgpulse */ EXPLAIN (GENERIC_PLAN, BUFFERS false, FORMAT JSON)"


@pytest.mark.parametrize(("options", "version", "kept", "note"), [
    (ExplainOptions(analyze=False, wal=True), 180000, {"wal": False}, "WAL left out: it needs ANALYZE"),
    (ExplainOptions(analyze=True, wal=True), 120000, {"wal": False}, "WAL left out: it needs PostgreSQL 13"),
    (ExplainOptions(analyze=True, wal=True), 130000, {"wal": True}, None),
    (ExplainOptions(settings=True), 110000, {"settings": False}, "SETTINGS left out"),
    (ExplainOptions(buffers=True), 120000, {"buffers": False}, "BUFFERS left out"),
    (ExplainOptions(analyze=True, buffers=True), 120000, {"buffers": True}, None),
])  # fmt: skip
def test_options_the_server_cannot_take_are_left_out_with_a_note(options, version, kept, note):
    used, notes = effective(options, version)
    for key, value in kept.items():
        assert getattr(used, key) == value
    assert (note is None and notes == []) or (note is not None and notes and notes[0].startswith(note))


@pytest.mark.parametrize(("options", "version", "words"), [
    (ExplainOptions(generic_plan=True), 150000, "needs PostgreSQL 16"),
    (ExplainOptions(generic_plan=True, analyze=True), 180000, "cannot be run"),
    (ExplainOptions(timeout_ms=0), 180000, "must be positive"),
])  # fmt: skip
def test_impossible_options_are_refused(options, version, words):
    with pytest.raises(ExplainRefused) as refused:
        effective(options, version)
    assert refused.value.kind == BAD_OPTIONS and words in str(refused.value)


def test_without_analyze_nothing_runs_so_writes_and_side_effects_need_no_permission():
    permit = gate.check("DELETE FROM t WHERE id = nextval('s')", ExplainOptions(analyze=False))
    assert permit.read_only
    assert "nothing in the statement runs" in permit.notes[0]


def test_behind_a_pooler_a_session_advisory_lock_is_refused_even_confirmed():
    with pytest.raises(ExplainRefused) as refused:
        gate.check("SELECT pg_advisory_lock(1)", ExplainOptions(analyze=True, confirmed=True), pooler=True)
    assert refused.value.kind == REFUSED and "pooler" in str(refused.value)
    # a transaction-level advisory lock ends with the rollback: fine anywhere
    assert gate.check("SELECT pg_advisory_xact_lock(1)", ExplainOptions(analyze=True), pooler=True).read_only
    # a confirmed one on a direct connection runs (the connection is closed afterwards)
    assert gate.check("SELECT pg_advisory_lock(1)", ExplainOptions(analyze=True, confirmed=True)).read_only


def test_confirmation_lists_every_side_effect():
    with pytest.raises(ExplainRefused) as refused:
        gate.check("SELECT nextval('s'), pg_stat_statements_reset()", ExplainOptions(analyze=True))
    assert refused.value.kind == NEEDS_CONFIRMATION and refused.value.can_be_allowed
    assert [r.split("(")[0] for r in refused.value.reasons] == ["nextval", "pg_stat_statements_reset"]


@pytest.mark.parametrize(("text", "options", "params", "kind", "words"), [
    ("SELECT $1, $2", ExplainOptions(), ("1",), NEEDS_VALUES, "($1, $2): give 2 value(s)"),
    ("SELECT 1", ExplainOptions(), ("1",), BAD_OPTIONS, "no $n placeholders"),
    ("SELECT $1", ExplainOptions(generic_plan=True), ("1",), BAD_OPTIONS, "takes no parameter values"),
])  # fmt: skip
def test_placeholder_values_must_match(text, options, params, kind, words):
    with pytest.raises(ExplainRefused) as refused:
        gate.check(text, options, params)
    assert refused.value.kind == kind and words in str(refused.value)


def test_queryid_from_the_url():
    assert source.parse_queryid("-6523412785436120435") == -6523412785436120435
    assert source.parse_queryid(" 42 ") == 42
    assert source.parse_queryid("abc") is None
    assert source.parse_queryid(str(2**63)) is None
    assert source.parse_queryid(None) is None


# -- on real servers ---------------------------------------------------------------------------------------
@pytest.fixture()
def items_db(fresh_url):
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE items (id int PRIMARY KEY, name text, qty int)")
        conn.execute("INSERT INTO items SELECT i, 'item ' || i, i FROM generate_series(1, 50) i")
        conn.execute("ANALYZE items")
    db = make_db(fresh_url)
    yield db
    db.close()


def test_values_are_parameters_with_the_types_postgresql_infers(items_db):
    text = "SELECT * FROM items WHERE qty > $1 AND name LIKE $2"
    assert parameter_types(items_db, text) == ["integer", "text"]
    result = run_explain(items_db, text, ExplainOptions(analyze=True), ("45", "%item%"))
    assert result.plan.root.actual_rows == 5  # qty 46..50
    assert result.params == ("45", "%item%")


def test_a_percent_sign_in_the_statement_is_plain_text(items_db):
    result = run_explain(items_db, "SELECT * FROM items WHERE name LIKE '%1%'", ExplainOptions(analyze=True))
    assert result.plan.root.actual_rows == 14  # 1, 10-19, 21, 31, 41


def test_verbose_wal_and_buffers_reach_the_plan(items_db):
    result = run_explain(items_db, "UPDATE items SET qty = qty + 1 WHERE id <= 3",
                         ExplainOptions(analyze=True, allow_writes=True, verbose=True, wal=True))
    root = result.plan.root.raw
    assert root["WAL Records"] >= 3  # the update really wrote, inside the rolled-back transaction
    assert "Shared Hit Blocks" in root
    assert result.plan.nodes[-1].raw["Output"]  # VERBOSE lists output columns
    with psycopg.connect(items_db.config.conninfo) as conn:
        assert conn.execute("SELECT sum(qty) FROM items").fetchone()[0] == 1275  # unchanged


def test_generic_plan_by_version(items_db):
    text = "SELECT * FROM items WHERE id = $1"
    if items_db.capabilities.version_num >= 160000:
        result = run_explain(items_db, text, ExplainOptions(generic_plan=True))
        assert result.plan.root.relation == "items" and not result.plan.analyzed
    else:
        with pytest.raises(ExplainRefused) as refused:
            run_explain(items_db, text, ExplainOptions(generic_plan=True))
        assert refused.value.kind == BAD_OPTIONS


def test_server_errors_become_sentences(items_db):
    with pytest.raises(ExplainFailed) as failed:
        run_explain(items_db, "SELECT * FROM no_such_table", ExplainOptions(analyze=True))
    assert failed.value.problem.title == "PostgreSQL refused the statement"
    assert 'relation "no_such_table" does not exist' in failed.value.problem.detail
    assert "rolled back" in failed.value.problem.hint


def test_the_session_is_clean_after_the_rolled_back_transaction(items_db):
    with items_db.dedicated_connection() as conn:
        user = conn.execute("SELECT current_user").fetchone()[0]
        with rolled_back(conn, read_only=True, timeout_ms=5000, lock_timeout_ms=1000) as session:
            assert conn.execute("SHOW transaction_read_only").fetchone()[0] == "on"
            assert conn.execute("SHOW statement_timeout").fetchone()[0] == "5s"
            conn.execute("SELECT set_config('role', 'pg_monitor', false)")
            assert conn.execute("SELECT current_user").fetchone()[0] == "pg_monitor"
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        assert conn.execute("SELECT current_user").fetchone()[0] == user
        assert conn.execute("SHOW statement_timeout").fetchone()[0] == "15s"  # the monitoring default again
        assert session.changes == []


def test_explain_runs_are_marked_as_pgpulse_in_pg_stat_statements(items_db):
    run_explain(items_db, "SELECT qty AS marker_4711 FROM items", ExplainOptions(analyze=True))
    with psycopg.connect(items_db.config.conninfo) as conn:
        texts = [r[0] for r in conn.execute("SELECT query FROM pg_stat_statements WHERE query LIKE %s",
                                            ["%marker_4711%"])]  # fmt: skip
    assert texts and all("/* pgpulse */" in t for t in texts)


def test_statement_text_by_queryid(items_db):
    with psycopg.connect(items_db.config.conninfo, autocommit=True) as conn:
        conn.execute("SELECT name FROM items WHERE qty = 7 /* full text */")
        queryid = conn.execute("SELECT queryid FROM pg_stat_statements WHERE query LIKE %s",
                               ["SELECT name FROM items WHERE qty = $1%"]).fetchone()[0]  # fmt: skip
    found = source.statement_text(items_db, queryid)
    assert found.query.startswith("SELECT name FROM items WHERE qty = $1") and found.calls == 1
    assert source.statement_text(items_db, 12345) is None


# -- the planted demo problems, as the drill-down would hand them over -------------------------------------
def _value_for(type_name: str) -> str:
    return "nobody@example.com" if type_name in ("text", "character varying") else "10"


def _planted_statement(db, planted_id: str) -> str:
    pattern = PLANTED[planted_id].statements[0]
    with psycopg.connect(db.config.conninfo) as conn:
        rows = conn.execute("SELECT queryid, query FROM pg_stat_statements WHERE toplevel AND dbid = "
                            "(SELECT oid FROM pg_database WHERE datname = current_database())").fetchall()
    queryid = next(qid for qid, text in rows if re.search(pattern, text, re.IGNORECASE))
    return source.statement_text(db, queryid).query


@pytest.mark.parametrize(("planted_id", "rule"), [
    ("sort_spills_to_disk", "sort-spill"),
    ("seq_scan_large_table", "seq-scan-filter"),
    ("function_on_indexed_column", "function-in-filter"),
])  # fmt: skip
def test_planted_problems_show_their_diagnostics(demo_url, planted_id, rule):
    db = make_db(demo_url)
    try:
        text = _planted_statement(db, planted_id)
        values = [_value_for(t) for t in parameter_types(db, text)]
        result = run_explain(db, text, ExplainOptions(analyze=True), values)
        found = [d for d in result.diagnostics if d.rule == rule]
        assert found, [d.rule for d in result.diagnostics]
        if rule == "sort-spill":
            assert "work_mem" in found[0].message
        if rule == "function-in-filter":
            assert "lower(" in found[0].message.lower() and "CREATE INDEX" in found[0].message
        if db.capabilities.version_num >= 160000 and values:  # and with no values at all
            generic = run_explain(db, text, ExplainOptions(generic_plan=True))
            assert not generic.plan.analyzed and generic.plan.nodes
    finally:
        db.close()


# -- kept plans ----------------------------------------------------------------------------------------------
DOC = [{"Plan": {"Node Type": "Seq Scan", "Relation Name": "t", "Total Cost": 10.0, "Plan Rows": 5,
                 "Actual Total Time": 2.0, "Actual Rows": 5, "Actual Loops": 1}, "Execution Time": 2.5}]


@pytest.mark.parametrize("where", ["sqlite", "postgres"])
def test_kept_plans_round_trip(where, tmp_path, request):
    if where == "sqlite":
        target = tmp_path / "store.db"
    else:
        target = servers.create_database(request.getfixturevalue("pg_servers")["pg18"], prefix="store", extensions=())
    store = Store(target)
    try:
        first = keep.keep(store, "demo", "before", DOC, "SELECT * FROM t", at=1000.0)
        second = keep.keep(store, "demo", "  ", DOC, None, source="pasted", options={"analyze": True}, at=2000.0)
        keep.keep(store, "other", "elsewhere", DOC)
        listed = keep.kept(store, "demo")
        assert [k.id for k in listed] == [second, first]  # newest first, this database only
        assert listed[0].label == "plan" and listed[0].source == "pasted" and listed[0].options == {"analyze": True}
        got = keep.get(store, first)
        assert got.sql == "SELECT * FROM t" and got.execution_ms == 2.5 and got.document == DOC
        assert got.plan().root.relation == "t"
        keep.forget(store, first)
        assert keep.get(store, first) is None and len(keep.kept(store)) == 2
    finally:
        store.close()


@pytest.mark.parametrize("where", ["sqlite", "postgres"])
def test_kept_plans_are_numbered_from_one_per_database_and_keep_their_values(where, tmp_path, request):
    if where == "sqlite":
        target = tmp_path / "store.db"
    else:
        target = servers.create_database(request.getfixturevalue("pg_servers")["pg18"], prefix="store", extensions=())
    store = Store(target)
    try:
        keep.keep(store, "other", "elsewhere", DOC, at=500.0)  # takes id 1
        a = keep.keep(store, "demo", "a", DOC, "SELECT $1", params=["x@y.z"], at=1000.0)
        b = keep.keep(store, "demo", "b", DOC, "SELECT $1", params=["5"], at=2000.0)
        c = keep.keep(store, "demo", "c", DOC, "SELECT $1", params=["5"], at=3000.0)
        listed = keep.kept(store, "demo")
        assert [(k.id, k.number) for k in listed] == [(c, 3), (b, 2), (a, 1)]
        assert listed[2].title.startswith("#1 a (") and keep.number_of(store, b) == 2
        assert keep.get(store, a).number == 1 and keep.get(store, a).params == ["x@y.z"]
        assert keep.run_difference(listed[2], listed[1]) == "different parameters"
        assert keep.run_difference(listed[1], listed[0]) is None
        keep.forget(store, a)
        assert [k.number for k in keep.kept(store, "demo")] == [2, 1]
    finally:
        store.close()
