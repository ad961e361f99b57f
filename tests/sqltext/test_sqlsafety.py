"""A hostile suite for the EXPLAIN safety verdict: each statement's expected verdict by hand.

R = refused before anything is sent, C = needs the user's confirmation (with what is listed),
A = allowed as a read-only, rolled-back EXPLAIN.
"""

import pytest

from lib.sqltext.safety import analyze_for_explain, placeholders

R, C, A = "refused", "confirm", "allowed"

# (sql, status, kind, side-effect functions expected (in order), modifies_data, row_locks)
HOSTILE = [
    # more than one statement, however it is hidden
    ("select 1; drop table x", R, "multiple", [], False, False),
    ("select ';' as a; select 2", R, "multiple", [], False, False),
    ("ROLLBACK; DROP TABLE t", R, "multiple", [], False, False),
    ("select 1 /* ; */ ; /* ; */ delete from t", R, "multiple", [], False, False),
    ("select 1;\n-- trailing comment\ncommit", R, "multiple", [], False, False),
    # ... and where a ; is not a separator, it is one statement
    ("select $$;$$", A, "select", [], False, False),
    ("select $q$ ; drop table x; $q$ as s", A, "select", [], False, False),
    ("select 1 -- ; drop table x", A, "select", [], False, False),
    ("select 'a; delete from t' from t /* ; drop */", A, "select", [], False, False),
    ("select 1;", A, "select", [], False, False),
    # data-modifying statements and CTEs
    ("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", C, "select", [], True, False),
    ("with x as (select 1), y as (update t set a = 1 returning a) select * from x", C, "select", [], True, False),
    ("select * from (with i as (insert into t values (1) returning *) select * from i) s", C, "select", [], True, False),
    ("insert into t values (1)", C, "insert", [], True, False),
    ("update t set a = $1 where id = $2", C, "update", [], True, False),
    ("delete from t where id = 1", C, "delete", [], True, False),
    ("merge into t using s on t.id = s.id when matched then delete", C, "merge", [], True, False),
    # row locks
    ("SELECT * FROM t FOR UPDATE", C, "select", [], False, True),
    ("select * from t where a in (select a from u for share)", C, "select", [], False, True),
    ("select * from t for no key update skip locked", C, "select", [], False, True),
    # transaction control, session changes, utilities
    ("COMMIT", R, "transaction", [], False, False),
    ("begin", R, "transaction", [], False, False),
    ("savepoint a", R, "transaction", [], False, False),
    ("SET ROLE postgres", R, "set", [], False, False),
    ("set session authorization postgres", R, "set", [], False, False),
    ("set statement_timeout = 0", R, "set", [], False, False),
    ("set local work_mem = '1GB'", R, "set", [], False, False),
    ("RESET ALL", R, "set", [], False, False),
    ("DO $$ begin perform 1; end $$", R, "do", [], False, False),
    ("COPY t TO PROGRAM 'x'", R, "copy", [], False, False),
    ("copy t from '/etc/passwd'", R, "copy", [], False, False),
    ("call p()", R, "call", [], False, False),
    ("listen ch", R, "listen", [], False, False),
    ("notify ch, 'x'", R, "notify", [], False, False),
    ("vacuum full t", R, "vacuum", [], False, False),
    ("analyze t", R, "vacuum", [], False, False),
    ("lock table t in access exclusive mode", R, "lock", [], False, False),
    ("prepare p as select 1", R, "prepare", [], False, False),
    ("execute p", R, "execute", [], False, False),
    ("deallocate all", R, "deallocate", [], False, False),
    ("EXPLAIN ANALYZE select 1", R, "explain", [], False, False),
    ("CREATE TABLE x (a int)", R, "utility", [], False, False),
    ("create table x as select * from t", R, "utility", [], False, False),
    ("drop table t", R, "utility", [], False, False),
    ("alter system set fsync = off", R, "utility", [], False, False),
    ("declare c cursor for select 1", R, "utility", [], False, False),
    ("refresh materialized view mv", R, "utility", [], False, False),
    ("show work_mem", R, "utility", [], False, False),
    ("select * into t2 from t", R, "select_into", [], False, False),
    # side-effecting functions, wherever they hide
    ("select nextval('s')", C, "select", ["nextval"], False, False),
    ("select pg_catalog.setval('s', 1)", C, "select", ["pg_catalog.setval"], False, False),
    ("select (select pg_terminate_backend(1))", C, "select", ["pg_terminate_backend"], False, False),
    ("select * from generate_series(1, pg_cancel_backend(2))", C, "select", ["pg_cancel_backend"], False, False),
    ('select "extensions".pg_stat_statements_reset()', C, "select", ["extensions.pg_stat_statements_reset"],
     False, False),
    ("select 1 where exists (select pg_stat_reset())", C, "select", ["pg_stat_reset"], False, False),
    ("with c as (select pg_reload_conf()) select * from c", C, "select", ["pg_reload_conf"], False, False),
    ("select * from t order by pg_stat_reset_shared('bgwriter')", C, "select", ["pg_stat_reset_shared"],
     False, False),
    ("select a from t group by a having max(nextval('s')) > 0", C, "select", ["nextval"], False, False),
    ("select set_config('a.b','1', false)", C, "select", ["set_config"], False, False),
    ("select set_config('a.b', '1', $1)", C, "select", ["set_config"], False, False),
    ("select set_config('a.b','1', true)", A, "select", [], False, False),
    ("select set_config(setting_name => 'a.b', new_value => '1', is_local => 'on')", A, "select", [], False, False),
    ("select pg_advisory_xact_lock(1)", A, "select", [], False, False),
    ("select pg_advisory_lock(1)", C, "select", ["pg_advisory_lock"], False, False),
    ("select pg_try_advisory_lock_shared(1)", C, "select", ["pg_try_advisory_lock_shared"], False, False),
    ("select lo_export(1, '/tmp/x')", C, "select", ["lo_export"], False, False),
    ("select pg_read_file('/etc/passwd')", C, "select", ["pg_read_file"], False, False),
    ("select * from pg_ls_waldir()", C, "select", ["pg_ls_waldir"], False, False),
    ("select * from dblink('dbname=x', 'delete from t') as r(a int)", C, "select", ["dblink"], False, False),
    ("select pg_notify('ch', 'x')", C, "select", ["pg_notify"], False, False),
    ("select txid_current()", C, "select", ["txid_current"], False, False),
    ("select pg_current_xact_id()", C, "select", ["pg_current_xact_id"], False, False),
    ("select pg_switch_wal()", C, "select", ["pg_switch_wal"], False, False),
    ("select pg_create_restore_point('x')", C, "select", ["pg_create_restore_point"], False, False),
    ("select pg_logical_emit_message(false, 'p', 'x')", C, "select", ["pg_logical_emit_message"], False, False),
    ("select pg_rotate_logfile()", C, "select", ["pg_rotate_logfile"], False, False),
    ("select pg_promote()", C, "select", ["pg_promote"], False, False),
    ("select pg_drop_replication_slot('s')", C, "select", ["pg_drop_replication_slot"], False, False),
    ("select query_to_xml('select pg_stat_reset()', true, true, '')", C, "select", ["query_to_xml"], False, False),
    ("select hypopg_create_index('create index on t (a)')", C, "select", ["hypopg_create_index"], False, False),
    ("insert into t select nextval('s')", C, "insert", ["nextval"], True, False),
    ("select pg_sleep(1)", A, "select", ["pg_sleep"], False, False),  # listed as info only
    # plain reads
    ("select * from t where id = $1", A, "select", [], False, False),
    ("values (1), (2)", A, "select", [], False, False),
    ("table t", A, "select", [], False, False),
    ("select pg_stat_get_db_stat_reset_time(1), currval('s'), now()", A, "select", [], False, False),
    # nothing to run
    ("", R, None, [], False, False),
    ("   ", R, None, [], False, False),
    ("-- only a comment", R, None, [], False, False),
    ("/* only ; a comment */", R, None, [], False, False),
    ("select * frm t", R, None, [], False, False),
]


@pytest.mark.parametrize(("sql", "status", "kind", "effects", "modifies", "locks"), HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_statement(sql, status, kind, effects, modifies, locks):
    verdict = analyze_for_explain(sql)
    assert verdict.status == status, verdict.reason
    if status != R or kind is not None:
        assert verdict.kind == kind
    assert [e.function for e in verdict.side_effects] == effects
    assert (verdict.modifies_data, verdict.row_locks) == (modifies, locks)
    assert verdict.reason
    if status == R:
        assert verdict.refused and not verdict.allowed and not verdict.needs_confirmation
    if status == C:
        assert verdict.needs_confirmation and verdict.statement is not None


def test_hostile_suite_is_big_enough():
    assert len(HOSTILE) >= 40


def test_invalid_sql_reports_parser_message_and_position():
    verdict = analyze_for_explain("select * frm t")
    assert verdict.refused
    assert 'syntax error at or near "frm"' in verdict.reason
    assert verdict.error_position == 9


def test_nested_data_modifying_cte_is_seen_as_modifying():
    # the server rejects it later (data-modifying WITH must be top level); the grammar accepts
    # it, so the verdict must not depend on the server's refusal
    verdict = analyze_for_explain("select * from (with i as (insert into t values (1) returning *) select * from i) s")
    assert verdict.needs_confirmation and verdict.modifies_data and "data-modifying WITH" in verdict.reason


def test_copy_program_reason_mentions_shell():
    assert "shell command" in analyze_for_explain("COPY t TO PROGRAM 'x'").reason


def test_set_role_reason():
    assert "acts as" in analyze_for_explain("SET ROLE postgres").reason


def test_side_effect_reasons_explain_why():
    verdict = analyze_for_explain("select nextval('s')")
    (effect,) = verdict.side_effects
    assert "not rolled back" in effect.why and effect.level == "warning"
    assert "nextval()" in verdict.reason


def test_sleep_is_info_and_does_not_need_confirmation():
    verdict = analyze_for_explain("select pg_sleep(5)")
    assert verdict.allowed
    assert [(e.function, e.level) for e in verdict.side_effects] == [("pg_sleep", "info")]


def test_functions_listed_wherever_they_are():
    sql = (
        "with c as (select lower(name) as n from t) "
        "select upper(n), (select max(length(x)) from u) from c, generate_series(1, 3) "
        "where coalesce(abs($1), 0) > 0 order by md5(n)"
    )
    verdict = analyze_for_explain(sql)
    assert verdict.allowed
    assert set(verdict.functions) == {"lower", "upper", "max", "length", "generate_series", "abs", "md5"}


def test_statement_text_drops_separator_and_trailing_comments():
    verdict = analyze_for_explain("/* lead */ select 1 /* keep */ from t; -- tail")
    assert verdict.statement == "select 1 /* keep */ from t"


def test_modifying_verdict_notes_defaults_and_triggers():
    notes = " ".join(analyze_for_explain("insert into t (a) values (1)").notes)
    assert "nextval" in notes and "triggers" in notes


def test_verdict_placeholders():
    verdict = analyze_for_explain("select * from t where a = $2 and b = $1 and c = $2")
    assert verdict.placeholders == (1, 2)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select $2, $1, $2 from t where x = 'a$3' -- $4", [1, 2]),
        ("select $10 /* $11 */, $$ $12 $$", [10]),
        ("select 1", []),
        ("SELECT id FROM t WHERE id IN ($1, $2", [1, 2]),  # truncated text still answers
        ("select $1, 'abc", [1]),
        ("", []),
    ],
)
def test_placeholders(sql, expected):
    assert placeholders(sql) == expected


@pytest.mark.parametrize(
    "call",
    [
        "pg_stat_statements_reset()", "pg_stat_reset()", "pg_stat_reset_shared('io')",
        "pg_stat_reset_single_table_counters(1)", "pg_stat_reset_slru()", "pg_terminate_backend(1)",
        "pg_cancel_backend(1)", "pg_reload_conf()", "set_config('a.b', 'c', false)", "pg_advisory_lock(1)",
        "pg_advisory_lock_shared(1)", "pg_try_advisory_lock(1, 2)", "pg_advisory_unlock_all()", "nextval('s')",
        "setval('s', 5)", "lo_import('/etc/hosts')", "lo_export(1, '/tmp/x')", "lo_unlink(1)",
        "pg_read_file('x')", "pg_read_binary_file('x')", "pg_ls_dir('.')", "dblink_exec('c', 'drop table t')",
        "dblink_connect('c', 'dbname=x')", "pg_notify('c', 'x')", "txid_current()", "pg_current_xact_id()",
        "pg_switch_wal()", "pg_create_restore_point('r')", "pg_logical_emit_message(true, 'p', 'x')",
        "pg_rotate_logfile()", "pg_promote()", "pg_create_physical_replication_slot('s')",
        "pg_create_logical_replication_slot('s', 'pgoutput')", "pg_drop_replication_slot('s')",
        "pg_replication_slot_advance('s', '0/0')", "pg_logical_slot_get_changes('s', null, null)",
        "pg_catalog.pg_terminate_backend(1)", '"pg_catalog"."nextval"(\'s\')', "extensions.pg_stat_statements_reset()",
        "pg_qualstats_reset()",
    ],
)
def test_catalogue_recognises(call):
    verdict = analyze_for_explain(f"select {call}")
    assert verdict.needs_confirmation, call
    assert len(verdict.side_effects) == 1 and verdict.side_effects[0].why


@pytest.mark.parametrize(
    "call",
    [
        "pg_advisory_xact_lock(1)", "pg_try_advisory_xact_lock_shared(1)", "currval('s')", "lastval()",
        "pg_stat_get_db_stat_reset_time(1)", "txid_current_if_assigned()", "pg_current_xact_id_if_assigned()",
        "set_config('a.b', 'c', true)", "set_config('a.b', 'c', 'true'::boolean)", "current_setting('work_mem')",
        "pg_logical_slot_peek_changes('s', null, null)", "lower('A')", "pg_backend_pid()",
    ],
)
def test_catalogue_leaves_harmless_calls_alone(call):
    verdict = analyze_for_explain(f"select {call}")
    assert verdict.allowed and verdict.side_effects == (), verdict.reason


def test_functions_in_values_returning_limit_and_named_arguments():
    sql = (
        "insert into t (a, b) values (nextval('s'), default) on conflict (a) do update set b = upper(excluded.b) "
        "returning pg_notify('c', a::text)"
    )
    verdict = analyze_for_explain(sql)
    assert [e.function for e in verdict.side_effects] == ["nextval", "pg_notify"]
    assert "upper" in verdict.functions
    limit = analyze_for_explain("select 1 from t limit (select pg_cancel_backend(pid := 3))::int")
    assert [e.function for e in limit.side_effects] == ["pg_cancel_backend"]


def test_utility_reason_names_the_command():
    assert analyze_for_explain("/* x */ create /* y */ unique index on t (a)").reason.startswith("CREATE UNIQUE INDEX ")
    assert analyze_for_explain("refresh materialized view concurrently mv").reason.startswith(
        "REFRESH MATERIALIZED VIEW ")
