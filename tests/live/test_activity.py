"""Live activity against real servers: a real lock contention, hidden sessions, other databases, and the
cancel / terminate actions through the shared confirmed runner (lib.maintenance.runner)."""

from __future__ import annotations

import dataclasses
import time

import psycopg
import pytest

from lib.actions import builders
from lib.checks import run_checks
from lib.core.config import DatabaseConfig, Thresholds
from lib.core.db import Database
from lib.core.findings import CheckContext, Severity
from lib.core.store import open_store
from lib.live import activity
from lib.maintenance import preview, runner
from tests.lockscene import LockScene, Session, wait_until

BOB = runner.Actor(app_user="bob")


def database(url: str, actions_enabled: bool = True, **thresholds) -> Database:
    config = DatabaseConfig(name="activity-test", conninfo=url, source="test", actions_enabled=actions_enabled)
    return Database(config, dataclasses.replace(Thresholds(), **thresholds))


@pytest.fixture()
def scene(fresh_url):
    scene = LockScene(fresh_url)
    yield scene
    scene.close()


@pytest.fixture()
def store(tmp_path):
    s = open_store(tmp_path / "store.db")
    yield s
    s.close()


def test_blocking_tree_names_the_root_and_cancelling_it_frees_the_others(scene, store):
    db = database(scene.url)
    try:
        snap = activity.collect(db)
        nodes = snap.blocking()
        mine = [n for n in nodes if scene.root.pid in n.roots]
        assert [n.pid for n in mine if n.is_root] == [scene.root.pid]
        waiting = {n.pid: n for n in mine if not n.is_root}
        assert set(waiting) == scene.waiters
        assert waiting[scene.reader.pid].lock["wanted_mode"] == "AccessShareLock"
        assert waiting[scene.writer.pid].lock["wanted_mode"] == "RowExclusiveLock"
        for node in waiting.values():
            assert node.parent == scene.root.pid and node.blocked_by == (scene.root.pid,)
            assert node.lock["relation"] == "contended"
            assert node.held_by_parent == "AccessExclusiveLock"
            assert node.wait_s is not None and node.wait_s >= 0
        root = next(n for n in mine if n.is_root)
        assert root.waiting == 2 and "LOCK TABLE" in root.session["query"]

        findings = run_checks(CheckContext(db, db.thresholds), ["activity.blocking"]).findings
        about_root = [f for f in findings if f.object == f"pid {scene.root.pid}"]
        assert len(about_root) == 1
        assert about_root[0].evidence["blocked"] == 2
        assert "LOCK TABLE" in about_root[0].evidence["root_statement"]
        assert about_root[0].action.sql == f'SELECT "pg_catalog"."pg_cancel_backend"({scene.root.pid})'
        # the session the finding is about, so that a pid taken over by another session is refused
        assert about_root[0].action.backend_start == root.session["backend_start"].isoformat()

        run = runner.execute(db, about_root[0].action, store, BOB)
        assert run.state == "done", run.message
        assert run.before["backend_start"] == root.session["backend_start"].isoformat()
        assert scene.root.finished() and scene.reader.finished() and scene.writer.finished()
        assert scene.reader.error is None and scene.writer.error is None
        assert isinstance(scene.root.error, psycopg.errors.QueryCanceled)
        assert not [n for n in activity.collect(db).blocking() if scene.root.pid in n.roots]
        audit = store.query("SELECT action, object, outcome, sql, app_user, target_kind FROM audit_log")
        assert audit == [{"action": "cancel_backend", "object": f"backend {scene.root.pid}", "outcome": "done",
                          "sql": about_root[0].action.sql, "app_user": "bob", "target_kind": "backend"}]
    finally:
        db.close()


def test_long_running_and_idle_in_transaction_are_findings_with_their_action(fresh_url):
    sleeper = Session(fresh_url, "slow-report").start("SELECT pg_sleep(30)")
    idle = Session(fresh_url, "forgetful-app")
    idle.conn.autocommit = False
    idle.conn.execute("SELECT 1")  # opens a transaction and leaves it open
    db = database(fresh_url, long_running_s=0.3, idle_in_transaction_s=0.3)
    try:
        time.sleep(0.6)
        result = run_checks(CheckContext(db, db.thresholds), ["activity.", "settings.idle_in_transaction"])
        by_check = {}
        for f in result.findings:
            by_check.setdefault(f.check, []).append(f)
        long = [f for f in by_check["activity.long_running"] if f.object == f"pid {sleeper.pid}"]
        assert len(long) == 1 and "pg_sleep" in long[0].title and long[0].evidence["duration_ms"] >= 300
        assert long[0].evidence["wait_event"] == "PgSleep"
        assert long[0].action.kind == "cancel_backend" and long[0].action.backend_start
        stuck = [f for f in by_check["activity.idle_in_transaction"] if f.object == f"pid {idle.pid}"]
        assert len(stuck) == 1 and stuck[0].action.kind == "terminate_backend" and stuck[0].action.backend_start
        timeout = by_check["settings.idle_in_transaction_timeout"]
        assert timeout[0].severity == Severity.WARNING and timeout[0].evidence["idle_in_transaction"] >= 1
        # pgpulse's own sessions are never reported
        assert all("pgpulse" not in f.evidence.get("who", "") for f in result.findings)
        assert not result.errors
    finally:
        db.close()
        sleeper.close()
        idle.conn.rollback()
        idle.close()


@pytest.fixture()
def unprivileged(pg):
    with psycopg.connect(pg.url, autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS pgpulse_nomon")
        conn.execute("CREATE ROLE pgpulse_nomon LOGIN PASSWORD 'nomon-pw'")
    return pg


def test_a_role_without_pg_monitor_sees_hidden_rows_and_still_works(unprivileged, fresh_url):
    other = Session(fresh_url, "someone-else").start("SELECT pg_sleep(30)")
    dbname = fresh_url.rsplit("/", 1)[1]
    db = database(unprivileged.url_for(dbname, "pgpulse_nomon", "nomon-pw"), long_running_s=0)
    try:
        time.sleep(0.3)
        snap = activity.collect(db)
        row = snap.session(other.pid)
        assert row["query"] == activity.HIDDEN_QUERY and row["state_label"] == activity.HIDDEN_STATE
        assert snap.hidden >= 1
        assert activity.HIDDEN_STATE in snap.state_counts
        # Its duration is unknown, so it is not called long-running; the checks run without error.
        result = run_checks(CheckContext(db, db.thresholds), ["activity.", "connections.", "settings."])
        assert not result.errors, result.errors
        assert all(f.object != f"pid {other.pid}" for f in result.findings)
        assert "pg_monitor" in db.capabilities.privilege_note()
    finally:
        db.close()
        other.close()


def test_backends_of_other_databases_are_listed_as_such(pg, fresh_url):
    elsewhere = Session(pg.url, "in-postgres-db").start("SELECT pg_sleep(30)")
    db = database(fresh_url)
    try:
        time.sleep(0.2)
        snap = activity.collect(db)
        row = snap.session(elsewhere.pid)
        assert row["datname"] == "postgres" and not row["this_database"]
        assert snap.by("database").query("datname == 'postgres'")["sessions"].sum() >= 1
    finally:
        db.close()
        elsewhere.close()


def test_pgpulse_never_signals_its_own_sessions(fresh_url, store):
    db = database(fresh_url)
    try:
        with db.connection() as conn:
            pool_pid = conn.info.backend_pid
        for action in (builders.terminate_backend(pool_pid), builders.cancel_backend(pool_pid)):
            assert "pgpulse's own connection" in preview.preview(db, action).refusal  # the dialog says so
            run = runner.execute(db, action, store, BOB)
            assert run.state == "refused" and "pgpulse's own connection" in run.message
        with psycopg.connect(fresh_url) as conn:  # the pool's connection is still there
            assert conn.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pool_pid,)).fetchone()[0] == 1
        assert [r["outcome"] for r in store.query("SELECT outcome FROM audit_log")] == ["refused", "refused"]
    finally:
        db.close()


def test_sessions_that_ended_or_were_replaced_are_not_signalled(fresh_url, store):
    db = database(fresh_url)
    gone = Session(fresh_url, "short-lived")
    gone_pid = gone.pid
    gone.close()
    live = Session(fresh_url, "still-here")
    try:
        wait_until(lambda: activity.collect(db).session(gone_pid) is None, what="the session to end")
        run = runner.execute(db, builders.terminate_backend(gone_pid), store, BOB)
        assert run.state == "refused" and "already ended" in run.message
        # Same pid, another start time: a different session now has this pid.
        started = activity.collect(db).session(live.pid)["backend_start"]
        replaced = builders.terminate_backend(live.pid, started.replace(year=started.year - 1))
        assert "another session" in preview.preview(db, replaced).refusal
        run = runner.execute(db, replaced, store, BOB)
        assert run.state == "refused" and "another session" in run.message
        assert not live.conn.closed and live.conn.execute("SELECT 1").fetchone()[0] == 1
        assert [r["outcome"] for r in store.query("SELECT outcome FROM audit_log")] == ["refused", "refused"]
        # the session it was: signalled
        run = runner.execute(db, builders.cancel_backend(live.pid, started), store, BOB)
        assert run.state == "done", run.message
        # A blocker that ended between two queries of one snapshot: the tree still draws.
        rows = [{"pid": 1, "blocked_by": [gone_pid]}]
        nodes = activity.build_tree(rows, [])
        assert [(n.pid, n.session) for n in nodes if n.is_root] == [(gone_pid, None)]
    finally:
        db.close()
        live.close()


def test_actions_are_refused_where_they_are_off(fresh_url, store):
    victim = Session(fresh_url, "victim")
    db = database(fresh_url, actions_enabled=False)
    try:
        run = runner.execute(db, builders.terminate_backend(victim.pid), store, BOB)
        assert run.state == "refused" and "actions = true" in run.message
        assert victim.conn.execute("SELECT 1").fetchone()[0] == 1
    finally:
        db.close()
        victim.close()


def test_progress_of_a_running_create_index_is_visible(fresh_url):
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE big AS SELECT g AS id, md5(g::text) AS t FROM generate_series(1, 300000) g")
    scene = LockScene(fresh_url, table="guard")
    # CREATE INDEX CONCURRENTLY on `big` waits for the running transaction of the scene's root to end.
    builder = Session(fresh_url, "index-builder").start("CREATE INDEX CONCURRENTLY big_t_idx ON big (t)")
    db = database(fresh_url)
    try:
        wait_until(lambda: not activity.collect(db).progress.query(f"pid == {builder.pid}").empty,
                   what="progress of CREATE INDEX")
        row = activity.collect(db).progress.query(f"pid == {builder.pid}").iloc[0]
        assert row["command"] == "CREATE INDEX CONCURRENTLY" and row["relation"] == "big"
        assert row["phase"]
    finally:
        db.close()
        scene.close()
        builder.finished(30)
        builder.close()


def test_idle_connections_that_dominate_are_a_finding_and_pooling_advice(fresh_url):
    """Twelve connections opened and left idle: the idle-connections finding and the guide's pool size."""
    from lib.live import pooling
    idle = [psycopg.connect(fresh_url, autocommit=True, application_name="lazy-pool") for _ in range(12)]
    for conn in idle:
        conn.execute("SELECT 1")
    db = database(fresh_url, cpu_cores=4, spindles=1)
    try:
        found = run_checks(CheckContext(db, db.thresholds), ["connections.idle"])
        assert not found.errors
        [finding] = found.findings
        assert finding.severity == Severity.WARNING and finding.evidence["idle"] >= 12
        assert finding.evidence["idle_ratio"] > 0.5
        advice = pooling.advise(activity.collect(db), db.config.pooler, 4, 1)
        assert advice.recommended_pool == 9 and advice.idle >= 12
        lines = advice.lines(0.5, 10)
        assert lines[0] == "Recommended pool size: 4 cores × 2 + 1 spindle(s) = **9** server connections doing work at once."
        assert any(line.startswith(f"{advice.idle} of {advice.clients} client connections are idle") for line in lines)
        assert any("not through a transaction pooler" in line for line in lines)
        # the same sessions under a higher minimum: no finding
        quiet = database(fresh_url, idle_connections_min=10_000)
        try:
            assert run_checks(CheckContext(quiet, quiet.thresholds), ["connections.idle"]).findings == []
        finally:
            quiet.close()
    finally:
        db.close()
        for conn in idle:
            conn.close()


def test_pooling_advice_without_cores_asks_for_them():
    advice = pooling_advice(cores=None, active=30, idle=0, clients=30)
    assert advice.recommended_pool is None
    assert advice.lines(0.5, 10)[0].startswith("Enter the server's CPU cores")
    busy = pooling_advice(cores=2, active=30, idle=0, clients=30)
    assert "30 sessions are active now, more than 5" in busy.lines(0.5, 10)[1]


def pooling_advice(cores, active, idle, clients):
    from lib.live.pooling import PoolingAdvice

    return PoolingAdvice(cores=cores, spindles=1, pooler=True, clients=clients, active=active, idle=idle,
                         idle_in_transaction=0, usable=97)
