"""Cancel / terminate behind a transaction pooler: one transaction, nothing left on the server connection.

Through a real PgBouncer in transaction mode (one server connection per database, so another client of
the bouncer sees whatever pgpulse would leave on it), and with the pooler flag on a direct connection
(pgpulse's own pooled connection is then inspectable). Every other action stays refused behind a pooler.
"""

from __future__ import annotations

import dataclasses
from contextlib import ExitStack
from datetime import timedelta

import psycopg
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from lib import stbind
from lib.actions import builders
from lib.core.config import DatabaseConfig, Thresholds
from lib.core.db import Database
from lib.core.pgserver import free_port
from lib.core.store import open_store
from lib.maintenance import lock, preview, runner
from tests import servers
from tests.bouncer import Bouncer, require_pgbouncer
from tests.lockscene import LockScene, Session, cancel_root_from_page, wait_until
from tests.query_samples import SAMPLE_PARAMS
from tests.test_pages import APP

BOB = runner.Actor(app_user="bob")
# Limits no server or pgpulse session has otherwise: seen anywhere after the action, they leaked.
ACTION_LIMITS = {"action_lock_timeout_ms": 4321, "action_statement_timeout_ms": 8765}
LEAK_VALUES = {"4321ms", "8765ms"}
POOLER_REFUSAL = ("This connection goes through a transaction pooler, which cannot keep an action's lock_timeout "
                  "or its per-object lock: configure a direct connection (port 5432) with actions = true for "
                  "maintenance.")
SERVER_STATE = ("SELECT pg_backend_pid() AS pid, current_setting('lock_timeout') AS lock_timeout, "
                "current_setting('statement_timeout') AS statement_timeout, "
                "(SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s) AS pgpulse_locks")


def pooled_db(url: str, actions_enabled: bool = True) -> Database:
    config = DatabaseConfig(name="pooled", conninfo=url, source="test", pooler=True, actions_enabled=actions_enabled)
    return Database(config, dataclasses.replace(Thresholds(), **ACTION_LIMITS))


def server_state(conn: psycopg.Connection) -> dict:
    cur = conn.cursor(row_factory=psycopg.rows.dict_row)
    return cur.execute(SERVER_STATE, (lock.NAMESPACE,)).fetchone()


def backend_start(url: str, pid: int):
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute("SELECT backend_start FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()[0]


def sleeping(url: str) -> Session:
    """A session (direct to the server) running pg_sleep, once the server shows it asleep."""
    victim = Session(url, "slow-report").start("SELECT pg_sleep(60)")

    def asleep() -> bool:
        with psycopg.connect(url, autocommit=True) as conn:
            return conn.execute("SELECT wait_event FROM pg_stat_activity WHERE pid = %s",
                                (victim.pid,)).fetchone() == ("PgSleep",)
    wait_until(asleep, what="the victim's pg_sleep")
    return victim


def audit_rows(store) -> list[dict]:
    return store.query("SELECT action, object, outcome, sql, app_user, target_kind FROM audit_log ORDER BY id")


@pytest.fixture()
def store(tmp_path):
    s = open_store(tmp_path / "store.db")
    yield s
    s.close()


@pytest.fixture(scope="module")
def bouncers(pg_servers):
    """bouncer_for(server): a PgBouncer in front of that test server, started once per module."""
    started: dict[int, Bouncer] = {}

    def bouncer_for(server) -> Bouncer:
        require_pgbouncer()
        if server.port not in started:
            started[server.port] = Bouncer(server)
        return started[server.port]

    yield bouncer_for
    for bouncer in started.values():
        bouncer.stop()


@pytest.fixture()
def through_bouncer(pg, bouncers, fresh_url):
    """(direct URL, URL through PgBouncer) of a fresh database."""
    return fresh_url, bouncers(pg).url_for(fresh_url.rsplit("/", 1)[1])


def test_behind_a_pooler_only_cancel_and_terminate_may_run(store):
    # Nothing listens on this port: a refusal that needed the server would fail instead.
    db = pooled_db(f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere")
    refused = [builders.vacuum("public", "t", analyze=True), builders.analyze("public", "t"),
               builders.reindex("public", "t_idx"), builders.create_index("public", "t", ["v"]),
               builders.refresh_matview("public", "mv", concurrently=True), builders.reset_statements("public")]
    for action in refused:
        run = runner.execute(db, action, store, BOB)
        assert (run.state, run.message) == ("refused", POOLER_REFUSAL), action.kind
        assert preview.preview(db, action).disabled == POOLER_REFUSAL
    drop = runner.execute(db, builders.drop_index("public", "t_idx"), store, BOB, typed_name="t_idx")
    assert (drop.state, drop.message) == ("refused", POOLER_REFUSAL)
    assert [r["outcome"] for r in audit_rows(store)] == ["refused"] * 7
    assert runner.disabled_reason(db) == POOLER_REFUSAL  # the Maintenance page's banner
    assert runner.disabled_reason(db, "cancel_backend") is None
    assert runner.disabled_reason(db, "terminate_backend") is None
    # Actions off for the database: off for a cancel too, with that reason.
    off = pooled_db(db.config.conninfo, actions_enabled=False)
    assert "actions = true" in runner.disabled_reason(off, "cancel_backend")
    assert "actions = true" in runner.execute(off, builders.cancel_backend(123), store, BOB).message


def test_cancel_through_pgbouncer_stops_a_sleeping_session_and_leaves_nothing_on_the_server_connection(
        through_bouncer, store):
    direct, bounced = through_bouncer
    db = pooled_db(bounced)
    victim = sleeping(direct)
    other = psycopg.connect(bounced, autocommit=True, prepare_threshold=None)  # another client of the pooler
    try:
        db.ping()  # pgpulse's monitoring session is on the server connection before the action
        before = server_state(other)
        action = builders.cancel_backend(victim.pid, backend_start(direct, victim.pid))
        assert preview.preview(db, action).can_run
        run = runner.execute(db, action, store, BOB)
        assert run.state == "done", run.message
        assert victim.finished() and isinstance(victim.error, psycopg.errors.QueryCanceled)
        assert run.message == "Statement cancelled; the session is now idle."
        assert (run.before["state"], run.before["query"]) == ("active", "SELECT pg_sleep(60)")
        assert run.after["state"] == "idle"
        assert audit_rows(store) == [{"action": "cancel_backend", "object": f"backend {victim.pid}", "outcome": "done",
                                      "sql": action.sql, "app_user": "bob", "target_kind": "backend"}]

        after = server_state(other)
        assert after == before  # the same server connection, its settings as they were, no pgpulse lock
        assert after["pgpulse_locks"] == 0 and not LEAK_VALUES & {after["lock_timeout"], after["statement_timeout"]}
        with psycopg.connect(direct, autocommit=True) as conn:  # that is the bouncer's only server connection
            serving = conn.execute("SELECT array_agg(pid) FROM pg_stat_activity WHERE datname = current_database() "
                                   "AND backend_type = 'client backend' AND pid NOT IN (%s, pg_backend_pid())",
                                   (victim.pid,)).fetchone()[0]
        assert serving == [after["pid"]]
    finally:
        other.close()
        db.close()
        victim.close()


def test_terminate_through_pgbouncer_ends_a_session_idle_in_transaction(through_bouncer, store):
    direct, bounced = through_bouncer
    db = pooled_db(bounced)
    idle = Session(direct, "forgetful-app")
    idle.conn.autocommit = False
    idle.conn.execute("SELECT 1")  # a transaction left open
    try:
        action = builders.terminate_backend(idle.pid, backend_start(direct, idle.pid))
        run = runner.execute(db, action, store, BOB)
        assert run.state == "done", run.message
        assert run.before["state"] == "idle in transaction" and run.after == {"exists": False}
        assert run.message == "The session has ended."
        with pytest.raises(psycopg.OperationalError):
            idle.conn.execute("SELECT 1")
        assert audit_rows(store) == [{"action": "terminate_backend", "object": f"backend {idle.pid}",
                                      "outcome": "done", "sql": action.sql, "app_user": "bob",
                                      "target_kind": "backend"}]
        with psycopg.connect(bounced, autocommit=True, prepare_threshold=None) as other:
            state = server_state(other)
        assert state["pgpulse_locks"] == 0 and not LEAK_VALUES & {state["lock_timeout"], state["statement_timeout"]}
    finally:
        db.close()
        idle.conn.close()


def test_through_pgbouncer_a_reused_pid_and_vacuum_are_refused(through_bouncer, store):
    direct, bounced = through_bouncer
    db = pooled_db(bounced)
    victim = sleeping(direct)
    try:
        started = backend_start(direct, victim.pid)
        replaced = builders.terminate_backend(victim.pid, started - timedelta(days=365))  # the session seen earlier
        assert "another session" in preview.preview(db, replaced).refusal
        run = runner.execute(db, replaced, store, BOB)
        assert run.state == "refused" and run.message == (
            f"pid {victim.pid} now belongs to another session (the one you saw has ended): refresh and look again.")
        vacuum = runner.execute(db, builders.vacuum("public", "pg_class"), store, BOB)
        assert (vacuum.state, vacuum.message) == ("refused", POOLER_REFUSAL)
        assert not victim.finished(0.2) and victim.error is None  # still asleep
        assert [(r["action"], r["outcome"]) for r in audit_rows(store)] == [("terminate_backend", "refused"),
                                                                            ("vacuum", "refused")]
    finally:
        db.close()
        victim.close()


def test_pooler_flag_on_a_direct_connection_keeps_its_pooled_connection_clean(pg, fresh_url, store):
    """pgpulse's own pooled connection, inspected afterwards: no SET and no lock of the action left on it,
    while pgpulse's per-object lock did serialize the action (a peer holding it is named)."""
    db = pooled_db(fresh_url)
    victim = sleeping(fresh_url)
    action = builders.cancel_backend(victim.pid, backend_start(fresh_url, victim.pid))
    peer = psycopg.connect(fresh_url, autocommit=True, application_name="pgpulse: carol via app")
    try:
        keys = lock.key(f"backend:{victim.pid}")
        peer.execute("SELECT pg_advisory_lock(%s, %s)", (keys["key1"], keys["key2"]))
        busy = runner.execute(db, action, store, BOB)
        assert busy.state == "refused" and busy.message.startswith(f"Not run: carol via app (role postgres, pid "
                                                                   f"{peer.info.backend_pid}) is already running")
        assert not victim.finished(0.1)
        peer.execute("SELECT pg_advisory_unlock_all()")

        run = runner.execute(db, action, store, BOB)
        assert run.state == "done", run.message
        assert victim.finished() and isinstance(victim.error, psycopg.errors.QueryCanceled)
        with ExitStack() as held:  # every connection of the pool at once: the action ran on one of them
            pooled = [held.enter_context(db.connection()) for _ in range(db.pool().get_stats()["pool_size"])]
            states = [server_state(conn) | {"name": conn.execute("SHOW application_name").fetchone()[0]}
                      for conn in pooled]
        # The monitoring limits of every pgpulse connection (Thresholds' defaults), not the action's.
        assert states and {(s["lock_timeout"], s["statement_timeout"], s["pgpulse_locks"], s["name"])
                           for s in states} == {("1s", "15s", 0, "pgpulse")}
        assert [(r["action"], r["outcome"]) for r in audit_rows(store)] == [("cancel_backend", "refused"),
                                                                            ("cancel_backend", "done")]
    finally:
        peer.close()
        db.close()
        victim.close()


def test_the_activity_page_cancels_a_blocker_through_pgbouncer_and_maintenance_stays_refused(pg_servers, bouncers, monkeypatch):
    """The user's path: Activity page on a pooler URL (`?pgbouncer=true`), Cancel, confirm, the result; the
    Maintenance page still refuses the rest."""
    server = pg_servers["pg18"]  # the page needs one server, not each
    direct = servers.create_database(server)
    bounced = bouncers(server).url_for(direct.rsplit("/", 1)[1]) + "?pgbouncer=true"
    scene = LockScene(direct)
    monkeypatch.setenv("DATABASE_URL", bounced)
    monkeypatch.setenv("PGPULSE_ACTIONS", "1")
    stbind.settings.clear()
    st.cache_data.clear()
    try:
        at = AppTest.from_file(APP, default_timeout=90)
        at.run()
        at.switch_page("pages/activity.py").run()
        assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
        at.button(key=f"cancel-root-{scene.root.pid}").click().run()
        shown = "\n".join(e.value for e in [*at.markdown, *at.code, *at.info, *at.error])
        assert f'pg_cancel_backend"({scene.root.pid})' in shown and POOLER_REFUSAL not in shown
        assert "goes through a transaction pooler" in shown  # the page knows it is behind one
        cancel_root_from_page(at, scene)
        assert isinstance(scene.root.error, psycopg.errors.QueryCanceled) and scene.writer.error is None

        at.switch_page("pages/maintenance.py").run()  # the rest stays refused there, and it says what runs
        assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
        assert at.info[0].value == POOLER_REFUSAL
        assert any(c.value.startswith("Cancel and terminate of a session still run here") for c in at.caption)
    finally:
        scene.close()
        stbind.settings.clear()
        st.cache_data.clear()


def test_monitoring_through_pgbouncer_keeps_its_limits_to_its_own_transactions(through_bouncer):
    """pgpulse's monitoring limits hold for its queries, and never stay on the pooler's shared server
    connection, where they would reach the other applications' transactions."""
    _direct, bounced = through_bouncer
    config = DatabaseConfig(name="pooled", conninfo=bounced, source="test", pooler=True)
    db = Database(config, dataclasses.replace(Thresholds(), statement_timeout_ms=7777, lock_timeout_ms=3333))
    other = psycopg.connect(bounced, autocommit=True, prepare_threshold=None)
    try:
        before = server_state(other)
        with db.connection() as conn:
            inside = server_state(conn)
        db.capabilities  # noqa: B018 - detection runs its queries
        for _ in range(8):  # psycopg would prepare a statement run 5 times: PgBouncer 1.18 cannot keep it
            db.rows("statements_list", SAMPLE_PARAMS)
        with db.connection() as conn:
            assert conn.prepare_threshold is None
        after = server_state(other)
        assert (inside["statement_timeout"], inside["lock_timeout"]) == ("7777ms", "3333ms")
        assert inside["pid"] == after["pid"]  # the bouncer's one server connection, shared by both clients
        assert (after["statement_timeout"], after["lock_timeout"]) == (before["statement_timeout"],
                                                                       before["lock_timeout"])
        assert "7777ms" not in (after["statement_timeout"], after["lock_timeout"])
    finally:
        other.close()
        db.close()
