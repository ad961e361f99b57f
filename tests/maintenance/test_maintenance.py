"""The maintenance engine on real servers: exact objects, never hanging, one at a time, audited, undoable."""

from __future__ import annotations

import shutil
import sys
import time
import types
import uuid
from dataclasses import replace

import psycopg
import pytest
from psycopg import sql

from lib.actions import builders
from lib.core.config import Thresholds
from lib.core.findings import Action
from lib.core.store import Store
from lib.maintenance import audit, preview, progress, routine, runner
from tests import servers
from tests.conftest import make_db

HOSTILE = ['a"; DROP TABLE victim; --', "Mixed Case", "sélect ünïcode", "with space", "x" * 63]
SCHEMA = 'S"; --'
ALICE = runner.Actor(app_user="alice")


def q(url: str, statement, params=None) -> list[tuple]:
    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(statement, params)
        return cur.fetchall() if cur.description else []


def ident(*names: str) -> sql.Composed:
    return sql.SQL(".").join(map(sql.Identifier, names))


def oid_of(url: str, schema: str, name: str) -> int | None:
    found = q(url, "SELECT c.oid::bigint FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                   "WHERE n.nspname = %s AND c.relname = %s", (schema, name))
    return found[0][0] if found else None


def counts(url: str, oid: int) -> tuple[int, int]:
    """(vacuum_count, analyze_count) of one table, by OID."""
    return q(url, "SELECT vacuum_count, analyze_count FROM pg_stat_all_tables WHERE relid = %s", (oid,))[0]


def pgss_calls(url: str, pattern: str) -> int:
    return q(url, "SELECT coalesce(sum(calls), 0)::int FROM pg_stat_statements WHERE query LIKE %s "
                  "AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())", (pattern,))[0][0]


def acting_db(url: str, **limits):
    db = make_db(url, actions_enabled=True)
    db.thresholds = replace(Thresholds(), **limits)
    return db


@pytest.fixture()
def store(tmp_path):
    s = Store(tmp_path / "audit.db")
    yield s
    s.close()


@pytest.fixture()
def hostile_db(fresh_url):
    """Each hostile name as a table (with an index) in a hostile schema, beside look-alike decoys."""
    q(fresh_url, sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(SCHEMA)))
    names = [*HOSTILE, "victim", "a", "mixed case", "select"]
    for name in names:
        q(fresh_url, sql.SQL("CREATE TABLE {} (id int PRIMARY KEY, ref int) WITH (autovacuum_enabled = false)")
          .format(ident(SCHEMA, name)))
        q(fresh_url, sql.SQL("INSERT INTO {} SELECT g, g % 7 FROM generate_series(1, 500) g").format(ident(SCHEMA, name)))
        q(fresh_url, sql.SQL("DELETE FROM {} WHERE id % 2 = 0").format(ident(SCHEMA, name)))
        q(fresh_url, builders.create_index(SCHEMA, name, ["ref"]).sql)
    db = acting_db(fresh_url)
    yield fresh_url, db, names
    db.close()


def test_hostile_names_are_acted_on_exactly(hostile_db, store):
    url, db, names = hostile_db
    for name in HOSTILE:
        others = {n: oid_of(url, SCHEMA, n) for n in names if n != name}
        other_counts = {n: counts(url, o) for n, o in others.items()}
        other_indexes = {n: oid_of(url, SCHEMA, builders.index_name(n, ["ref"])) for n in others}
        table_oid = oid_of(url, SCHEMA, name)
        index = builders.index_name(name, ["ref"])
        definition = q(url, "SELECT pg_get_indexdef(%s)", (oid_of(url, SCHEMA, index),))[0][0]

        run = runner.execute(db, builders.vacuum(SCHEMA, name, analyze=True), store, ALICE)
        assert run.state == "done", run.message
        assert run.target_oid == table_oid
        assert counts(url, table_oid) == (1, 1)
        assert run.before["dead_tuples"] == 250 and run.after["dead_tuples"] == 0

        old_index_oid = oid_of(url, SCHEMA, index)
        run = runner.execute(db, builders.reindex(SCHEMA, index), store, ALICE)
        assert run.state == "done", run.message
        assert run.target_oid == old_index_oid and oid_of(url, SCHEMA, index) != old_index_oid  # rebuilt
        run = runner.execute(db, builders.drop_index(SCHEMA, index), store, ALICE, typed_name=index)
        assert run.state == "done", run.message
        assert oid_of(url, SCHEMA, index) is None
        run = runner.execute(db, builders.analyze(SCHEMA, name), store, ALICE)
        assert run.state == "done" and counts(url, table_oid) == (1, 2)
        run = runner.execute(db, builders.recreate_index(SCHEMA, index, definition), store, ALICE)
        assert run.state == "done", run.message
        assert q(url, "SELECT pg_get_indexdef(%s)", (oid_of(url, SCHEMA, index),))[0][0] == definition

        # Nothing else was touched: same statistics, same index OIDs.
        assert {n: counts(url, o) for n, o in others.items()} == other_counts
        assert {n: oid_of(url, SCHEMA, builders.index_name(n, ["ref"])) for n in others} == other_indexes


def test_sql_that_is_not_its_target_is_refused(hostile_db, store):
    url, db, _ = hostile_db
    victim = oid_of(url, SCHEMA, "victim")
    lying = [Action("vacuum", 'VACUUM "S""; --"."victim"', target_kind="table", target_schema=SCHEMA, target_name="a"),
             Action("vacuum", 'VACUUM "S""; --"."a"; DROP TABLE "S""; --"."victim"', target_kind="table",
                    target_schema=SCHEMA, target_name="a"),
             Action("analyze", 'DROP TABLE "S""; --"."victim"', target_kind="table", target_schema=SCHEMA,
                    target_name="victim"),
             Action("vacuum", 'VACUUM FULL "S""; --"."victim"', target_kind="table", target_schema=SCHEMA,
                    target_name="victim"),
             Action("vacuum", "VACUUM victim", target_kind="table", target_schema="public", target_name="victim")]
    for action in lying:
        run = runner.execute(db, action, store, ALICE)
        assert run.state == "refused", action.sql
    assert oid_of(url, SCHEMA, "victim") == victim and counts(url, victim) == (0, 0)


def test_locked_table_fails_fast_and_nothing_waits(fresh_url, store):
    q(fresh_url, "CREATE TABLE t (id int PRIMARY KEY)")
    db = acting_db(fresh_url, action_lock_timeout_ms=300)
    with psycopg.connect(fresh_url) as holder:
        holder.execute("LOCK TABLE t IN ACCESS EXCLUSIVE MODE")
        for action in (builders.vacuum("public", "t"), builders.create_index("public", "t", ["id"], "t_id2")):
            run = runner.execute(db, action, store, ALICE)
            assert run.state == "failed"
            assert run.problem.title == "Object is locked"
            assert "public.t is locked by another session" in run.message and "300 ms" in run.message
            assert "AccessExclusiveLock" in run.message  # who holds it
            waiting = q(fresh_url, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                   "AND (wait_event_type = 'Lock' OR application_name LIKE 'pgpulse:%%')")
            assert waiting == [(0,)]
        holder.rollback()
    assert oid_of(fresh_url, "public", "t_id2") is None
    assert [r["outcome"] for r in audit.entries(store)] == ["failed", "failed"]
    db.close()


def test_disabled_actions_never_reach_the_server(fresh_url, store):
    q(fresh_url, "CREATE TABLE t (id int PRIMARY KEY)")
    q(fresh_url, "CREATE INDEX t_id ON t (id)")
    db = make_db(fresh_url)  # actions not enabled
    tried = [builders.vacuum("public", "t", analyze=True), builders.analyze("public", "t"),
             builders.reindex("public", "t_id"), builders.create_index("public", "t", ["id"], "t_new"),
             builders.reset_statements("public"), builders.terminate_backend(1)]
    for action in tried:
        run = runner.execute(db, action, store, ALICE, typed_name=action.target_name)
        assert run.state == "refused" and "Actions are off" in run.message
    drop = runner.execute(db, builders.drop_index("public", "t_id"), store, ALICE, typed_name="t_id")
    assert drop.state == "refused"
    for pattern in ("VACUUM%", "ANALYZE%", "REINDEX%", "CREATE INDEX CONCURRENTLY%", "DROP INDEX%",
                    "%pg_stat_statements_reset%", "%pg_terminate_backend%"):
        assert pgss_calls(fresh_url, pattern) == 0, pattern
    assert oid_of(fresh_url, "public", "t_id") is not None
    assert {r["outcome"] for r in audit.entries(store)} == {"refused"} and len(audit.entries(store)) == 7
    # The same check sees an action once it is enabled.
    runner.execute(acting_db(fresh_url), builders.vacuum("public", "t", analyze=True), store, ALICE)
    assert pgss_calls(fresh_url, "VACUUM%") == 1
    db.close()


def test_two_attempts_on_one_object_run_once(fresh_url, store):
    q(fresh_url, "CREATE TABLE t (id int PRIMARY KEY, v int)")
    db = acting_db(fresh_url, action_lock_timeout_ms=60_000)
    create = builders.create_index("public", "t", ["v"])
    with psycopg.connect(fresh_url) as writer:
        writer.execute("INSERT INTO t VALUES (1, 1)")  # the build waits for this writer: it runs long
        first = runner.start(db, create, store, ALICE)
        deadline = time.monotonic() + 30
        while first.pid is None and not first.is_final and time.monotonic() < deadline:
            time.sleep(0.02)
        second = runner.execute(db, create, store, runner.Actor(app_user="bob"))
        other_kind = runner.execute(db, builders.vacuum("public", "t"), store, runner.Actor(app_user="carol"))
        writer.commit()
    first.thread.join(60)
    assert first.state == "done", first.message
    assert second.state == "refused" and "alice" in second.message and create.sql in second.message
    assert other_kind.state == "refused" and "alice" in other_kind.message
    assert pgss_calls(fresh_url, "CREATE INDEX CONCURRENTLY%") == 1
    assert pgss_calls(fresh_url, "VACUUM%") == 0
    assert sorted(r["outcome"] for r in audit.entries(store)) == ["done", "refused", "refused"]
    db.close()


def test_progress_is_observed_on_a_big_build(fresh_url, store):
    # 800,000 rows of text: a build of a second or two, its table scan reported block by block.
    q(fresh_url, "CREATE TABLE big AS SELECT g AS id, md5(g::text) AS h FROM generate_series(1, 800000) g")
    db = acting_db(fresh_url)
    run = runner.start(db, builders.create_index("public", "big", ["h"]), store, ALICE)
    seen = []
    while not run.is_final:
        p = progress.read(db, run.pid)
        if p is not None:
            seen.append(p)
        time.sleep(0.02)
    run.thread.join()
    assert run.state == "done", run.message
    scans = [p for p in seen if p.phase == "building index: scanning table" and p.blocks_total]
    assert scans, [p.text for p in seen]
    assert all(0 <= p.fraction <= 1 for p in scans)
    assert any(0 < p.blocks_done < p.blocks_total for p in seen if p.blocks_total), [p.text for p in seen]
    assert all(p.command == "CREATE INDEX CONCURRENTLY" for p in seen)
    assert run.after["valid"] is True and run.after["size_bytes"] > 5_000_000
    db.close()


def test_cancel_stops_the_action_and_offers_cleanup_of_the_invalid_index(fresh_url, store):
    q(fresh_url, "CREATE TABLE t (id int PRIMARY KEY, v int)")
    db = acting_db(fresh_url, action_lock_timeout_ms=60_000)
    with psycopg.connect(fresh_url) as writer:
        writer.execute("INSERT INTO t VALUES (1, 1)")
        run = runner.start(db, builders.create_index("public", "t", ["v"]), store, ALICE)
        deadline = time.monotonic() + 30
        while not (progress.read(db, run.pid) or run.is_final) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert runner.cancel(db, run)
        run.thread.join(30)
        writer.rollback()
    assert run.state == "cancelled"
    assert [c.sql for c in run.cleanup] == ['DROP INDEX CONCURRENTLY "public"."t_v_idx"']
    assert q(fresh_url, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'public.t_v_idx'::regclass") == [(False,)]
    cleanup = runner.execute(db, run.cleanup[0], store, ALICE, typed_name="t_v_idx")
    assert cleanup.state == "done" and oid_of(fresh_url, "public", "t_v_idx") is None
    assert [r["outcome"] for r in audit.entries(store)] == ["done", "cancelled"]
    db.close()


def test_audit_survives_a_store_reopen_and_drop_recreate_is_identical(fresh_url, tmp_path):
    schema, name = "Ünï Schema", 'Idx "one"; x'
    q(fresh_url, sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    q(fresh_url, sql.SQL("CREATE TABLE {} (id int, email text, deleted_at timestamptz, n int)").format(
        ident(schema, "T")))
    q(fresh_url, sql.SQL("CREATE UNIQUE INDEX {} ON {} (lower(email) DESC NULLS LAST, n) INCLUDE (id) "
                         "WHERE deleted_at IS NULL").format(sql.Identifier(name), ident(schema, "T")))
    original = q(fresh_url, "SELECT pg_get_indexdef(%s)", (oid_of(fresh_url, schema, name),))[0][0]
    db = acting_db(fresh_url)
    first = Store(tmp_path / "audit.db")
    run = runner.execute(db, builders.drop_index(schema, name), first, ALICE, typed_name=name)
    assert run.state == "done"
    first.close()

    reopened = Store(tmp_path / "audit.db")  # the app restarted
    [entry] = audit.dropped_indexes(reopened, db.config.name)
    assert entry["index_definition"] == original and entry["app_user"] == "alice"
    assert entry["sql"] == builders.drop_index(schema, name).sql and entry["duration_ms"] > 0
    before, after = audit.figures(entry)
    assert before["exists"] is True and after == {"exists": False}
    again = runner.execute(db, audit.recreate_action(entry), reopened, ALICE)
    assert again.state == "done", again.message
    assert q(fresh_url, "SELECT pg_get_indexdef(%s)", (oid_of(fresh_url, schema, name),))[0][0] == original
    csv = audit.to_csv(audit.entries(reopened))
    assert csv.count("\n") == 3 and "CREATE UNIQUE INDEX CONCURRENTLY" in csv
    reopened.close()
    db.close()


@pytest.fixture()
def other_role(pg, fresh_url):
    role, password = f"maint_{uuid.uuid4().hex[:8]}", "pw-" + uuid.uuid4().hex
    q(fresh_url, sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(role), sql.Literal(password)))
    q(fresh_url, sql.SQL("GRANT CREATE ON SCHEMA public TO {}").format(sql.Identifier(role)))
    yield role, pg.url_for(fresh_url.rsplit("/", 1)[1], role, password)


def test_privileges_are_checked_before_anything_runs(fresh_url, other_role, store):
    role, role_url = other_role
    q(fresh_url, "CREATE TABLE owned_by_postgres (id int PRIMARY KEY)")
    db = acting_db(role_url)
    for action in (builders.vacuum("public", "owned_by_postgres"), builders.reindex("public", "owned_by_postgres_pkey"),
                   builders.create_index("public", "owned_by_postgres", ["id"], "x_idx")):
        run = runner.execute(db, action, store, ALICE)
        assert run.state == "refused", run.message
        assert f"Role {role} may not run" in run.message and "postgres" in run.message
    assert pgss_calls(fresh_url, "VACUUM%") == 0
    if db.capabilities.version_num >= 170000:
        q(fresh_url, sql.SQL("GRANT MAINTAIN ON owned_by_postgres TO {}").format(sql.Identifier(role)))
        assert runner.execute(db, builders.vacuum("public", "owned_by_postgres"), store, ALICE).state == "done"
        drop = runner.execute(db, builders.drop_index("public", "owned_by_postgres_pkey"), store, ALICE,
                              typed_name="owned_by_postgres_pkey")
        assert drop.state == "refused"  # MAINTAIN does not allow DROP
    else:
        refusal = preview.preview(db, builders.vacuum("public", "owned_by_postgres")).refusal
        assert "upgrade to PostgreSQL 17+" in refusal
    assert preview.preview(db, builders.analyze("public", "owned_by_postgres")).can_run is (
        db.capabilities.version_num >= 170000)
    db.close()


def test_signalling_other_roles_needs_pg_signal_backend(fresh_url, other_role, pg, store):
    role, role_url = other_role
    victim_role, victim_password = f"victim_{uuid.uuid4().hex[:8]}", "pw"
    q(fresh_url, sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(victim_role),
                                                                  sql.Literal(victim_password)))
    db = acting_db(role_url)
    with psycopg.connect(pg.url_for(fresh_url.rsplit("/", 1)[1], victim_role, victim_password)) as victim:
        pid = victim.info.backend_pid
        run = runner.execute(db, builders.terminate_backend(pid), store, ALICE)
        assert run.state == "refused" and f"GRANT pg_signal_backend TO {role}" in run.message
        ended = q(fresh_url, "SELECT pg_backend_pid()")[0][0]  # that connection is closed by now
        assert "No session" in runner.execute(db, builders.cancel_backend(ended), store, ALICE).message
        q(fresh_url, sql.SQL("GRANT pg_signal_backend TO {}").format(sql.Identifier(role)))
        run = runner.execute(db, builders.terminate_backend(pid), store, ALICE)
        assert run.state == "done", run.message
        assert run.before["role"] == victim_role and run.after == {"exists": False}
        with pytest.raises(psycopg.OperationalError):
            victim.execute("SELECT 1")
    db.close()


@pytest.fixture()
def own_server_url():
    """A server of its own: a pg_stat_statements reset empties every database of its server, and the
    shared test servers hold the demo's statistics that other tests read."""
    server = servers.start_server(servers.available_bin_dirs()["pg18"])
    try:
        yield servers.create_database(server)
    finally:
        server.destroy()
        shutil.rmtree(server.data_dir.parent, ignore_errors=True)


def test_reset_takes_the_history_snapshot_first_and_refuses_when_it_fails(own_server_url, store, monkeypatch):
    fresh_url = own_server_url
    db = acting_db(fresh_url)
    q(fresh_url, "SELECT 42 AS marker")
    # The real history module: a snapshot lands in the store before the statistics go.
    run = runner.execute(db, builders.reset_statements("public"), store, ALICE)
    assert run.state == "done" and any(n.startswith("History snapshot before the reset") for n in run.notes)
    assert store.query("SELECT count(*) AS n FROM hist_snapshot") == [{"n": 1}]
    assert any("marker" in r["query"] for r in store.query("SELECT query FROM hist_query_text"))
    q(fresh_url, "SELECT 42 AS marker")
    calls = []

    def snapshot_before_reset(db_, store_):
        calls.append(pgss_calls(fresh_url, "SELECT %% AS marker"))  # the statistics still exist here
        return "snapshot #7 taken"

    monkeypatch.setitem(sys.modules, "lib.history", types.SimpleNamespace(snapshot_before_reset=snapshot_before_reset))
    shown = preview.preview(db, builders.reset_statements("public"))
    assert "statements" in shown.effect and "snapshot is taken first" in shown.notes[0]
    run = runner.execute(db, builders.reset_statements("public"), store, ALICE)
    assert run.state == "done" and calls == [1] and "snapshot #7 taken" in run.notes
    assert pgss_calls(fresh_url, "SELECT %% AS marker") == 0

    q(fresh_url, "SELECT 42 AS marker")

    def broken(db_, store_):
        raise OSError("history store is read-only")

    monkeypatch.setitem(sys.modules, "lib.history", types.SimpleNamespace(snapshot_before_reset=broken))
    run = runner.execute(db, builders.reset_statements("public"), store, ALICE)
    assert run.state == "refused" and "nothing was reset" in run.message
    assert pgss_calls(fresh_url, "SELECT %% AS marker") == 1
    db.close()


def test_weekly_routine_vacuums_the_busiest_tables(fresh_url, store):
    for name, rows in (("busy", 3000), ("calm", 100), ("quiet", 20), ("idle", 0)):
        q(fresh_url, sql.SQL("CREATE TABLE {} (id int PRIMARY KEY) WITH (autovacuum_enabled = false)")
          .format(sql.Identifier(name)))
        if rows:
            q(fresh_url, sql.SQL("INSERT INTO {} SELECT generate_series(1, %s)").format(sql.Identifier(name)), (rows,))
            q(fresh_url, sql.SQL("DELETE FROM {} WHERE id % 2 = 0").format(sql.Identifier(name)))
    db = acting_db(fresh_url)
    planned = routine.plan(db)
    # quiet: 30 changes, under weekly_routine_min_changes (50)
    assert [(t.name, t.changes, t.dead_tuples) for t in planned] == [("busy", 4500, 1500), ("calm", 150, 50)]
    done = routine.execute(db, store, ALICE, planned)
    assert done.state == "done" and [r.state for r in done.runs] == ["done", "done"]
    assert [r.after["dead_tuples"] for r in done.runs] == [0, 0]
    assert counts(fresh_url, oid_of(fresh_url, "public", "idle")) == counts(fresh_url, oid_of(
        fresh_url, "public", "quiet")) == (0, 0)
    assert routine.plan(db) == []
    db.close()


def test_a_finding_whose_index_was_dropped_meanwhile_is_refused(fresh_url, store):
    q(fresh_url, "CREATE TABLE t (id int)")
    db = acting_db(fresh_url)
    run = runner.execute(db, builders.reindex("public", "gone_idx"), store, ALICE)
    assert run.state == "refused" and "does not exist" in run.message
    drop = runner.execute(db, builders.drop_index("public", "t"), store, ALICE, typed_name="wrong")
    assert drop.state == "refused" and "typed" in drop.message
    db.close()


def test_refresh_concurrently_needs_a_unique_index(fresh_url, store):
    q(fresh_url, 'CREATE TABLE t (id int PRIMARY KEY)')
    q(fresh_url, 'CREATE MATERIALIZED VIEW "My View" AS SELECT id FROM t')
    db = acting_db(fresh_url)
    refused = runner.execute(db, builders.refresh_matview("public", "My View", concurrently=True), store, ALICE)
    assert refused.state == "refused" and "needs a unique index" in refused.message
    q(fresh_url, "INSERT INTO t SELECT generate_series(1, 100)")
    q(fresh_url, 'CREATE UNIQUE INDEX ON "My View" (id)')
    done = runner.execute(db, builders.refresh_matview("public", "My View", concurrently=True), store, ALICE)
    assert done.state == "done", done.message
    assert q(fresh_url, 'SELECT count(*) FROM "My View"') == [(100,)]
    assert pgss_calls(fresh_url, "REFRESH MATERIALIZED VIEW CONCURRENTLY%") == 1
    db.close()
