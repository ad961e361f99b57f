"""History deltas equal the calls a test made between two snapshots, across resets, evictions, restarts."""

from __future__ import annotations

import os
import signal
import time

import psycopg
import pytest
from psycopg import sql

from lib.core.config import Thresholds
from lib.core.store import Store
from lib.history import read
from lib.history.periods import between
from lib.history.snapshot import take_snapshot
from lib.history.weekly import build_review
from tests import servers
from tests.conftest import make_db

T0 = 1_799_971_200.0  # a UTC midnight: snapshots are taken under simulated times from here
PROBES = ("probe_a", "probe_b")


def prepare(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for name in PROBES:
            conn.execute(sql.SQL("CREATE TABLE {} (v int)").format(sql.Identifier(name)))


def call(url: str, table: str, times: int) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for _ in range(times):
            conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))


def calls(store, key: str, table: str, since: float, until: float) -> int:
    """Calls of `SELECT count(*) FROM <table>` between two times, as history tells them."""
    found = [r for r in read.statement_deltas(store, key, since, until)
             if r["query"] == f'SELECT count(*) FROM "{table}"']
    assert len(found) <= 1
    return found[0]["calls"] if found else 0


def insert(url: str, table: str, rows: int) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for _ in range(rows):
            conn.execute(sql.SQL("INSERT INTO {} VALUES (1)").format(sql.Identifier(table)))
        conn.execute("SELECT pg_stat_force_next_flush()")  # table counters reach the views now


def inserted(store, key: str, table: str, since: float, until: float) -> int:
    rel = next(r["id"] for r in read.all_relations(store, key).values() if r["name"] == table)
    return (read.relation_deltas(store, key, since, until).get(rel) or {}).get("n_tup_ins", 0)


def reset(url: str, queryid_of: str | None = None) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        if queryid_of is None:
            conn.execute("SELECT pg_stat_statements_reset()")
            return
        queryid = conn.execute("SELECT queryid FROM pg_stat_statements WHERE query = %s",
                               (f'SELECT count(*) FROM "{queryid_of}"',)).fetchone()[0]
        conn.execute("SELECT pg_stat_statements_reset(0, 0, %s)", (queryid,))


@pytest.fixture(scope="module", params=list(servers.available_bin_dirs()))
def own_server(request):
    server = servers.start_server(servers.available_bin_dirs()[request.param])
    yield server
    server.destroy()


@pytest.fixture()
def setup(pg, tmp_path):
    url = servers.create_database(pg)
    prepare(url)
    db = make_db(url, name="t")
    store = Store(tmp_path / "history.db")
    yield url, db, store
    db.close()
    store.close()


@pytest.fixture()
def own(own_server, tmp_path):
    """Like `setup`, on a server of this module's own (for tests that reset or restart it)."""
    url = servers.create_database(own_server)
    prepare(url)
    db, store = make_db(url, name="t"), Store(tmp_path / "history.db")
    yield url, db, store
    db.close()
    store.close()


def snap(db, store, i: int):
    return take_snapshot(db, store, "t", at=T0 + i * 300, force=True)


def test_first_snapshot_is_a_baseline_and_later_ones_count_the_calls(setup):
    url, db, store = setup
    call(url, "probe_a", 4)  # before any snapshot: when it ran is unknown, so it is never counted
    assert snap(db, store, 0).baseline
    call(url, "probe_a", 7)
    call(url, "probe_b", 2)
    second = snap(db, store, 1)
    assert not second.baseline and second.statements_moved >= 2
    assert calls(store, "t", "probe_a", T0, T0 + 300) == 7
    assert calls(store, "t", "probe_b", T0, T0 + 300) == 2
    snap(db, store, 2)  # nothing ran: nothing stored for the probes
    assert calls(store, "t", "probe_a", T0 + 300, T0 + 600) == 0
    assert store.query("SELECT count(*) AS n FROM hist_statement s JOIN hist_snapshot n ON n.id = s.snapshot_id "
                       "WHERE n.at = :at", {"at": T0 + 600})[0]["n"] <= 3  # only the snapshot's own reads moved
    assert calls(store, "t", "probe_a", T0 - 1, T0 + 600) == 7
    # pgpulse's own statements (the snapshot's reads) are tagged and left out, on 15 and on 18 alike.
    texts = [r["query"] for r in store.query("SELECT query FROM hist_query_text")]
    own = ("pg_stat_statements_info", "pg_stat_user_tables", "pg_database_size", "FROM \"public\".pg_stat_statements")
    assert texts and not [t for t in texts if any(mark in t for mark in own)]


def test_deltas_survive_pg_stat_statements_reset(own):
    # A full reset empties pg_stat_statements for the whole server: never on the shared test servers.
    url, db, store = own
    snap(db, store, 0)
    call(url, "probe_a", 5)
    snap(db, store, 1)
    call(url, "probe_a", 3)  # lost with the reset: no snapshot saw them
    reset(url)
    call(url, "probe_a", 8)  # more than before the reset: only the reset time tells it restarted
    call(url, "probe_b", 1)
    restarted = snap(db, store, 2)
    assert restarted.restarted
    assert calls(store, "t", "probe_a", T0 + 300, T0 + 600) == 8
    assert calls(store, "t", "probe_b", T0 + 300, T0 + 600) == 1
    call(url, "probe_a", 4)
    snap(db, store, 3)
    assert calls(store, "t", "probe_a", T0 + 600, T0 + 900) == 4
    assert calls(store, "t", "probe_a", T0, T0 + 900) == 5 + 8 + 4


def test_deltas_survive_an_evicted_entry(setup, pg):
    url, db, store = setup
    call(url, "probe_a", 6)
    snap(db, store, 0)
    call(url, "probe_a", 2)
    snap(db, store, 1)
    reset(url, queryid_of="probe_a")  # the entry goes, as an eviction would take it
    call(url, "probe_a", 3)  # fewer than before: it went down, so it restarted
    snap(db, store, 2)
    assert calls(store, "t", "probe_a", T0 + 300, T0 + 600) == 3
    if db.capabilities.version_num >= 170000:
        reset(url, queryid_of="probe_a")
        call(url, "probe_a", 9)  # more than before: PostgreSQL 17+ says so with the entry's stats_since
        snap(db, store, 3)
        assert calls(store, "t", "probe_a", T0 + 600, T0 + 900) == 9


def crash(url: str) -> None:
    """Kill a backend: the server goes through crash recovery and every statistic starts from zero."""
    conn = psycopg.connect(url, autocommit=True)
    before = conn.execute("SELECT stats_reset FROM pg_stat_statements_info").fetchone()[0]
    os.kill(conn.execute("SELECT pg_backend_pid()").fetchone()[0], signal.SIGKILL)
    conn.close()
    deadline = time.monotonic() + 60
    while True:  # back when pg_stat_statements was set up anew by the recovery
        try:
            with psycopg.connect(url, autocommit=True) as again:
                if again.execute("SELECT stats_reset FROM pg_stat_statements_info").fetchone()[0] != before:
                    return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.2)


def test_deltas_survive_server_restarts(own_server, tmp_path):
    url = servers.create_database(own_server)
    prepare(url)
    store = Store(tmp_path / "history.db")
    db = make_db(url, name="t")
    try:
        snap(db, store, 0)
        call(url, "probe_a", 5)
        snap(db, store, 1)
        call(url, "probe_a", 3)
        db.close()
        own_server.stop("fast")  # a clean restart keeps pg_stat_statements (saved to disk)
        own_server.start()
        call(url, "probe_a", 2)
        insert(url, "probe_b", 5)
        after_clean = snap(db, store, 2)
        assert calls(store, "t", "probe_a", T0 + 300, T0 + 600) == 3 + 2
        assert not after_clean.restarted
        call(url, "probe_a", 4)  # lost in the crash below: nothing saved them
        db.close()
        crash(url)
        call(url, "probe_a", 20)  # more than the 14 counted before the crash
        insert(url, "probe_b", 7)  # more than the 5 before: table counters restarted with the crash too
        after_crash = snap(db, store, 3)
        assert after_crash.restarted
        assert calls(store, "t", "probe_a", T0 + 600, T0 + 900) == 20
        assert inserted(store, "t", "probe_b", T0 + 300, T0 + 600) == 5
        assert inserted(store, "t", "probe_b", T0 + 600, T0 + 900) == 7
        assert calls(store, "t", "probe_a", T0, T0 + 900) == 5 + 5 + 20
        started = store.query("SELECT DISTINCT server_started FROM hist_snapshot WHERE database = 't'")
        assert len(started) == 2  # the clean restart is a new postmaster; crash recovery is not
    finally:
        db.close()
        store.close()


def test_snapshots_into_a_postgres_store(own, own_server):
    """The store can be PostgreSQL too ([pgpulse] store_url): same increments, same answers."""
    url, db, _sqlite = own
    store = Store(servers.create_database(own_server, prefix="store", extensions=()))
    try:
        snap(db, store, 0)
        call(url, "probe_a", 6)
        snap(db, store, 1)
        reset(url)
        call(url, "probe_a", 9)
        snap(db, store, 2)
        assert calls(store, "t", "probe_a", T0, T0 + 300) == 6
        assert calls(store, "t", "probe_a", T0 + 300, T0 + 600) == 9
        assert read.relations_at(store, "t", T0 + 600)  # tables and their sizes are there
        review = build_review(store, "t", between("2027-01-15T00:05", "2027-01-15T00:10"), Thresholds())
        assert review.period.since == T0 + 300 and review.number("calls").value >= 9
        assert [s["calls"] for s in review.statements if s["query"] == 'SELECT count(*) FROM "probe_a"'] == [9]
        assert [s["previous"]["calls"] for s in review.statements if "probe_a" in s["query"]] == [6]
    finally:
        store.close()
