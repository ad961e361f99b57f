"""Replication on real servers (PostgreSQL 15 and 18): an inactive physical slot on the test servers, and a
primary of its own (wal_level = logical) with a logical slot and a real standby made by pg_basebackup -R."""

from __future__ import annotations

import os
import pwd
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest
from streamlit.testing.v1 import AppTest

from lib import stbind
from lib.checks import run_checks
from lib.core.findings import CheckContext, Severity
from lib.core.pgserver import SERVER_USER, LocalServer, free_port
from lib.core.store import Store
from lib.live import replication
from lib.maintenance import preview, runner
from tests import servers
from tests.conftest import make_db
from tests.test_pages import APP

SLOT = "pgpulse_test_inactive"
WHO = runner.Actor(app_user="tester")


def execute(url: str, statement: str, params=None):
    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(statement, params)
        return cur.fetchall() if cur.description else None


def make_wal(url: str, rows: int = 20_000) -> None:
    execute(url, "CREATE TABLE IF NOT EXISTS wal_maker (id int, pad text)")
    execute(url, "INSERT INTO wal_maker SELECT g, repeat('x', 100) FROM generate_series(1, %s) g", (rows,))


@pytest.fixture()
def inactive_slot(pg, fresh_url):
    """A physical slot that reserves WAL at once and that nothing reads (slots are server-wide: dropped after)."""
    execute(pg.url, "SELECT pg_create_physical_replication_slot(%s, true)", (SLOT,))
    try:
        make_wal(fresh_url)
        yield fresh_url
    finally:
        execute(pg.url, "SELECT pg_drop_replication_slot(%s)", (SLOT,))


def test_an_inactive_slot_is_a_finding_with_the_wal_it_keeps(inactive_slot):
    db = make_db(inactive_slot)
    try:
        state = replication.collect(db)
        slot = state.slots.set_index("slot_name").loc[SLOT]
        assert slot["slot_type"] == "physical" and not slot["active"]
        assert slot["retained_bytes"] > 1_000_000  # the 20,000 rows' WAL at least
        assert SLOT in set(state.inactive_slots["slot_name"]) and state.retained_bytes >= slot["retained_bytes"]
        found = run_checks(CheckContext(db, db.thresholds), ["replication."]).findings
        (finding,) = [f for f in found if f.object == SLOT]
        assert finding.severity == Severity.WARNING  # 1 GB is far
        assert finding.evidence["retained_bytes"] == pytest.approx(int(slot["retained_bytes"]), rel=0.5)
        assert f"pg_drop_replication_slot('{SLOT}')" in finding.action.sql
        small = replace(db.thresholds, inactive_slot_critical_mb=0.5)
        (critical,) = [f for f in run_checks(CheckContext(db, small), ["replication."]).findings if f.object == SLOT]
        assert critical.severity == Severity.CRITICAL
    finally:
        db.close()


def test_dropping_the_inactive_slot_is_confirmed_by_its_name_and_audited(inactive_slot, tmp_path):
    db = make_db(inactive_slot, actions_enabled=True)
    kept = Store(tmp_path / "audit.db")
    try:
        (finding,) = [f for f in run_checks(CheckContext(db, db.thresholds), ["replication."]).findings
                      if f.object == SLOT]
        action = finding.action
        assert action.kind == "drop_replication_slot"
        assert action.sql == f"SELECT pg_catalog.pg_drop_replication_slot('{SLOT}')"
        shown = preview.preview(db, action)
        assert shown.can_run and shown.needs_typed_name, shown.refusal
        assert "keeps" in shown.effect and "must be rebuilt" in shown.effect
        refused = runner.execute(db, action, kept, WHO, typed_name="wrong")
        assert refused.state == "refused" and "slot name typed" in refused.message
        other = replace(action, target_name="another_slot")  # the SQL names another slot than its target
        assert runner.execute(db, other, kept, WHO, typed_name="another_slot").state == "refused"
        assert execute(inactive_slot, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = %s",
                       (SLOT,)) == [(1,)]
        done = runner.execute(db, action, kept, WHO, typed_name=SLOT)
        assert done.state == "done", done.message
        assert done.before["exists"] and done.before["retained_bytes"] > 1_000_000 and not done.after["exists"]
        assert execute(inactive_slot, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = %s",
                       (SLOT,)) == [(0,)]
        logged = kept.query("SELECT action, outcome, sql FROM audit_log ORDER BY id")
        assert [(r["action"], r["outcome"]) for r in logged][-1] == ("drop_replication_slot", "done")
        gone = runner.execute(db, action, kept, WHO, typed_name=SLOT)
        assert gone.state == "refused" and "does not exist" in gone.message
    finally:
        execute(inactive_slot, "SELECT pg_create_physical_replication_slot(%s, true)", (SLOT,))  # for the teardown
        kept.close()
        db.close()


def test_the_replication_page_lists_the_slot(inactive_slot, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", inactive_slot)
    stbind.settings.clear()
    try:
        at = AppTest.from_file(APP, default_timeout=60)
        at.run()
        at.switch_page("pages/replication.py").run()
        assert not at.exception, at.exception
        assert at.title[0].value.startswith("Replication")
        slots = next(d.value for d in at.dataframe if "slot_name" in d.value.columns)
        assert SLOT in set(slots["slot_name"])
        assert any(SLOT in m.value and "inactive" in m.value for m in at.markdown)
        assert next(m for m in at.metric if m.label == "Slots").value == "1"
    finally:
        stbind.settings.clear()


def test_no_slot_no_standby_no_finding(fresh_url):
    db = make_db(fresh_url)
    try:
        state = replication.collect(db)
        assert state.standbys.empty and state.retained_bytes == 0
        assert run_checks(CheckContext(db, db.thresholds), ["replication."]).findings == []
    finally:
        db.close()


# -- a primary of its own, with a logical slot and a real standby ----------------------------------------

def _server_owned_dir(path: Path) -> None:
    path.mkdir(mode=0o700)
    if os.geteuid() == 0:
        entry = pwd.getpwnam(SERVER_USER)
        os.chown(path, entry.pw_uid, entry.pw_gid)


@pytest.fixture(scope="module", params=list(servers.available_bin_dirs()))
def primary_and_standby(request):
    bin_dir = servers.available_bin_dirs()[request.param]
    root = Path(tempfile.mkdtemp(prefix="pgpulse-repl-"))
    primary = LocalServer(bin_dir, root / "primary", free_port())
    primary.init()
    with open(primary.data_dir / "postgresql.conf", "a") as conf:
        conf.write("wal_level = logical\n")
    with open(primary.data_dir / "pg_hba.conf", "a") as hba:
        hba.write("host replication postgres 127.0.0.1/32 trust\n")
    primary.start()
    standby = LocalServer(bin_dir, root / "standby", free_port())
    try:
        _server_owned_dir(standby.data_dir)
        primary._pg("pg_basebackup", "-D", str(standby.data_dir), "-R", "-X", "stream", "-h", "127.0.0.1",
                    "-p", str(primary.port), "-U", "postgres")
        standby.configure()  # its own port; then where its primary is (configure rewrote the auto.conf)
        with open(standby.data_dir / "postgresql.auto.conf", "a") as conf:
            conf.write(f"primary_conninfo = 'host=127.0.0.1 port={primary.port} user=postgres "
                       "application_name=pgpulse_standby'\n")
        standby.start()
        deadline = time.monotonic() + 60
        while not execute(primary.url, "SELECT 1 FROM pg_stat_replication WHERE state = 'streaming'"):
            assert time.monotonic() < deadline, standby.log_tail()
            time.sleep(0.3)
        yield primary, standby
    finally:
        standby.destroy()
        primary.destroy()
        shutil.rmtree(root, ignore_errors=True)


def test_a_real_standby_and_a_logical_slot(primary_and_standby):
    primary, standby = primary_and_standby
    url = servers.create_database(primary, prefix="repl", extensions=())
    execute(url, "SELECT pg_create_logical_replication_slot('pgpulse_logical', 'pgoutput')")
    try:
        make_wal(url)
        db = make_db(url)
        try:
            state = replication.collect(db)
            (row,) = state.standbys.to_dict("records")
            assert row["client"] == "pgpulse_standby" and row["state"] == "streaming"
            assert row["sync_state"] == "async" and row["replay_lag_bytes"] is not None
            slots = state.slots.set_index("slot_name")
            logical = slots.loc["pgpulse_logical"]
            assert logical["slot_type"] == "logical" and logical["plugin"] == "pgoutput"
            assert logical["database"] == url.rsplit("/", 1)[1] and not logical["active"]
            assert logical["retained_bytes"] > 1_000_000
            found = run_checks(CheckContext(db, db.thresholds), ["replication."]).findings
            slot_finding = next(f for f in found if f.object == "pgpulse_logical")
            assert slot_finding.evidence["plugin"] == "pgoutput"
            # a standby "behind" a threshold below its lag: lag is measured once WAL flows
            strict = replace(db.thresholds, replication_lag_s=-1)
            deadline = time.monotonic() + 30
            while True:
                lagging = [f for f in run_checks(CheckContext(db, strict), ["replication.lag"]).findings]
                if lagging or time.monotonic() > deadline:
                    break
                make_wal(url, 1000)
                time.sleep(0.2)
            assert lagging and lagging[0].object == "pgpulse_standby"
        finally:
            db.close()
        # the standby answers too: it sees no standby of its own, and no byte lag it cannot compute
        standby_db = make_db(standby.url)
        try:
            assert replication.collect(standby_db).standbys.empty
        finally:
            standby_db.close()
    finally:
        execute(url, "SELECT pg_drop_replication_slot('pgpulse_logical')")
