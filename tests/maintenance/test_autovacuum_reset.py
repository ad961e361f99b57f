"""The "autovacuum is turned off" finding's fix: ALTER TABLE ... RESET (autovacuum_enabled), confirmed, checked,
audited, and undone (SET (autovacuum_enabled = false), as it was) from the audit log."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

from lib.checks import run_checks
from lib.core.findings import Action, CheckContext
from lib.core.store import Store
from lib.maintenance import audit, runner
from tests.conftest import make_db

NAME = 'queue "Q"; x'
QUOTED = '"public"."queue ""Q""; x"'
ALICE = runner.Actor(app_user="alice")


def option(url: str) -> list[str] | None:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT reloptions FROM pg_class WHERE oid = %s::regclass",
                            [sql.Identifier("public", NAME).as_string(conn)]).fetchone()[0]


@pytest.fixture()
def switched_off(fresh_url, tmp_path):
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE TABLE {} (id int PRIMARY KEY) WITH (autovacuum_enabled = false, fillfactor = 90)")
                     .format(sql.Identifier("public", NAME)))
    db = make_db(fresh_url, actions_enabled=True)
    store = Store(tmp_path / "audit.db")
    yield fresh_url, db, store
    store.close()
    db.close()


def autovacuum_findings(db):
    run = run_checks(CheckContext(db, db.thresholds), ["tables.autovacuum_disabled"])
    assert not run.errors, run.errors
    return [f for f in run.findings if f.object == 'public."queue ""Q""; x"']


def test_reset_is_offered_run_audited_and_undone(switched_off):
    url, db, store = switched_off
    [finding] = autovacuum_findings(db)
    action = finding.action
    assert action.kind == "reset_autovacuum"
    assert action.sql == f"ALTER TABLE {QUOTED} RESET (autovacuum_enabled)"
    assert "SHARE UPDATE EXCLUSIVE" in action.lock

    run = runner.execute(db, action, store, ALICE)
    assert run.state == "done", run.message
    assert option(url) == ["fillfactor=90"]  # only autovacuum_enabled went
    assert autovacuum_findings(db) == []
    assert "not set" in run.message and "false" in run.message

    [entry] = audit.entries(store)
    assert entry["sql"] == action.sql and entry["app_user"] == "alice"
    undo = audit.undo_of_entry(entry)
    assert undo.sql == f"ALTER TABLE {QUOTED} SET (autovacuum_enabled = false)"
    undone = runner.execute(db, undo, store, ALICE)
    assert undone.state == "done", undone.message
    assert sorted(option(url)) == ["autovacuum_enabled=false", "fillfactor=90"]
    assert [e["action"] for e in audit.entries(store)] == ["disable_autovacuum", "reset_autovacuum"]


def test_only_the_autovacuum_switch_of_the_named_table_may_run(switched_off):
    url, db, store = switched_off
    target = {"target_kind": "table", "target_schema": "public", "target_name": NAME}
    lying = [Action("reset_autovacuum", f"ALTER TABLE {QUOTED} RESET (fillfactor)", **target),
             Action("reset_autovacuum", f"ALTER TABLE {QUOTED} RESET (autovacuum_enabled, fillfactor)", **target),
             Action("reset_autovacuum", f"ALTER TABLE {QUOTED} RESET (autovacuum_enabled), DROP COLUMN id", **target),
             Action("reset_autovacuum", f"ALTER TABLE {QUOTED} SET (autovacuum_enabled = true)", **target),
             Action("disable_autovacuum", f"ALTER TABLE {QUOTED} SET (autovacuum_enabled = true)", **target),
             Action("reset_autovacuum", f"ALTER INDEX {QUOTED} RESET (autovacuum_enabled)", **target),
             Action("reset_autovacuum", "ALTER TABLE public.other RESET (autovacuum_enabled)", **target)]
    for action in lying:
        assert runner.execute(db, action, store, ALICE).state == "refused", action.sql
    assert sorted(option(url)) == ["autovacuum_enabled=false", "fillfactor=90"]


def test_a_table_that_had_no_setting_offers_no_undo(fresh_url, tmp_path):
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE plain (id int)")
    db = make_db(fresh_url, actions_enabled=True)
    store = Store(tmp_path / "audit.db")
    try:
        from lib.actions import builders

        assert runner.execute(db, builders.reset_autovacuum("public", "plain"), store, ALICE).state == "done"
        [entry] = audit.entries(store)
        assert entry["action"] == "reset_autovacuum" and audit.undo_of_entry(entry) is None
    finally:
        store.close()
        db.close()
