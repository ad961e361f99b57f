"""Downsampling and retention keep every total over whole buckets exact; the lease allows one snapshot."""

from __future__ import annotations

import threading
from dataclasses import replace

import psycopg
import pytest

from lib.core.config import Thresholds
from lib.core.store import Store
from lib.history import lease, read, retention
from lib.history.snapshot import take_snapshot
from tests import servers
from tests.conftest import make_db

DAY0 = 1_799_971_200.0  # a UTC midnight
CALLS_PER_SNAPSHOT = [(i % 4) + 1 for i in range(36)]  # 36 five-minute snapshots: three hours


@pytest.fixture(scope="module")
def recorded(pg_servers, tmp_path_factory):
    """Three hours of real five-minute snapshots of a fresh database, with known calls between them."""
    url = servers.create_database(pg_servers["pg18"])
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE probe (v int)")
    db = make_db(url, name="r")
    path = tmp_path_factory.mktemp("retention") / "history.db"
    store = Store(path)
    take_snapshot(db, store, "r", at=DAY0, force=True, compact=False)
    with psycopg.connect(url, autocommit=True) as conn:
        for i, n in enumerate(CALLS_PER_SNAPSHOT, start=1):
            for _ in range(n):
                conn.execute("SELECT count(*) FROM probe")
            conn.execute("INSERT INTO probe VALUES (1)")
            conn.execute("SELECT pg_stat_force_next_flush()")  # table counters reach the views now
            take_snapshot(db, store, "r", at=DAY0 + i * 300, force=True, compact=False)
    db.close()
    store.close()
    return path


def probe_calls(store, since, until) -> int:
    return sum(r["calls"] for r in read.statement_deltas(store, "r", since, until)
               if r["query"] == "SELECT count(*) FROM probe")


def totals(store, since, until) -> dict:
    snaps = read.snapshots(store, "r", since, until)
    return {"calls": sum(s["calls"] for s in snaps), "exec_ms": sum(s["exec_ms"] for s in snaps),
            "xact_commit": sum(s["xact_commit"] for s in snaps), "blks_hit": sum(s["blks_hit"] for s in snaps)}


def copy(path, tmp_path) -> Store:
    target = tmp_path / "copy.db"
    target.write_bytes(path.read_bytes())
    return Store(target)


def test_hourly_then_daily_downsampling_keeps_totals(recorded, tmp_path):
    store = copy(recorded, tmp_path)
    hours = [(DAY0 + h * 3600, DAY0 + (h + 1) * 3600) for h in range(3)]
    made = [sum(CALLS_PER_SNAPSHOT[h * 12:(h + 1) * 12]) for h in range(3)]
    assert [probe_calls(store, *h) for h in hours] == made
    before = [totals(store, *h) for h in hours]
    inserted = {"rows": read.relation_deltas(store, "r", DAY0, DAY0 + 3 * 3600)}
    thresholds = replace(Thresholds(), history_raw_days=1, history_hourly_days=30, history_retention_days=365)

    merged = retention.compact(store, "r", thresholds, now=DAY0 + 2 * 86400)
    assert merged["hourly"] == 3 + 1  # the three hours, and the bucket of the baseline at midnight
    assert store.query("SELECT count(*) AS n FROM hist_snapshot")[0]["n"] == 4
    assert [probe_calls(store, *h) for h in hours] == made
    for h, expected in zip(hours, before, strict=True):
        got = totals(store, *h)
        assert got["calls"] == expected["calls"] and got["xact_commit"] == expected["xact_commit"]
        assert got["exec_ms"] == pytest.approx(expected["exec_ms"], rel=1e-12)
    rows = read.relation_deltas(store, "r", DAY0, DAY0 + 3 * 3600)
    probe_rel = next(r["id"] for r in read.all_relations(store, "r").values() if r["name"] == "probe")
    assert rows[probe_rel]["n_tup_ins"] == inserted["rows"][probe_rel]["n_tup_ins"] == len(CALLS_PER_SNAPSHOT)
    assert retention.compact(store, "r", thresholds, now=DAY0 + 2 * 86400)["hourly"] == 0  # nothing left to do

    retention.compact(store, "r", thresholds, now=DAY0 + 40 * 86400)
    assert store.query("SELECT count(*) AS n, max(resolution) AS r FROM hist_snapshot")[0] == {"n": 2, "r": 86400}
    assert probe_calls(store, DAY0, DAY0 + 86400) == sum(CALLS_PER_SNAPSHOT)
    assert read.relations_at(store, "r", DAY0 + 86400)[probe_rel]["n_live_tup"] == len(CALLS_PER_SNAPSHOT)
    store.close()


def test_retention_forgets_old_snapshots_but_keeps_the_last_sizes(recorded, tmp_path):
    store = copy(recorded, tmp_path)
    before = read.relations_at(store, "r", DAY0 + 3 * 3600)
    pruned = retention.prune(store, "r", DAY0 + 2 * 3600)
    assert pruned == 24  # the baseline and the first 23 five-minute snapshots
    assert read.snapshots(store, "r", 0, DAY0 + 2 * 3600 - 1) == []
    assert probe_calls(store, DAY0 + 2 * 3600, DAY0 + 3 * 3600) == sum(CALLS_PER_SNAPSHOT[24:])
    after = read.relations_at(store, "r", DAY0 + 3 * 3600)
    assert {r["name"]: r["size_bytes"] for r in after.values()} == {r["name"]: r["size_bytes"] for r in before.values()}
    store.close()


def test_one_snapshot_per_interval_across_sessions(tmp_path, pg_servers):
    """Four sessions, each with its own store connection (as processes have), race for one interval."""
    url = servers.create_database(pg_servers["pg18"])
    path = tmp_path / "shared.db"
    Store(path).close()
    results, barrier = [], threading.Barrier(4)

    def contender():
        db, store = make_db(url, name="shared"), Store(path)
        barrier.wait()
        results.append(take_snapshot(db, store, "shared"))
        db.close()
        store.close()

    threads = [threading.Thread(target=contender) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.skipped is None for r in results) == [False, False, False, True]
    store = Store(path)
    assert store.query("SELECT count(*) AS n FROM hist_snapshot")[0]["n"] == 1
    assert lease.acquire(store, "shared", 300) is None  # the interval is taken
    assert lease.acquire(store, "shared", 300, force=True) is not None  # --force takes another
    store.close()


def test_lease_on_a_postgres_store(fresh_url):
    first, second = Store(fresh_url), Store(fresh_url)
    try:
        token = lease.acquire(first, "x", 300, now=1000.0)
        assert token is not None
        assert lease.acquire(second, "x", 300, now=1001.0) is None  # busy, and this interval is taken
        lease.release(first, "x", token)
        assert lease.acquire(second, "x", 300, now=1002.0) is None  # done, but the interval is taken
        assert lease.acquire(second, "x", 300, now=1000.0 + 300 - 10) is not None  # a cron run a bit early
    finally:
        first.close()
        second.close()


def test_table_growth_over_the_last_days(pg_servers, tmp_path):
    url = servers.create_database(pg_servers["pg18"])
    table = '"Grow ""n"" t"'
    size = f"SELECT pg_total_relation_size('public.{table}'::regclass)"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE public.{table} (v text)")
        conn.execute(f"INSERT INTO public.{table} SELECT repeat('x', 100) FROM generate_series(1, 1000)")
        before = conn.execute(size).fetchone()[0]
    db = make_db(url, name="g")
    store = Store(tmp_path / "history.db")
    try:
        take_snapshot(db, store, "g", at=DAY0, force=True, compact=False)
        assert read.table_growth(store, "g", 7, now=DAY0 + 60) == {}  # one snapshot: no growth yet
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"INSERT INTO public.{table} SELECT repeat('y', 500) FROM generate_series(1, 20000)")
            after = conn.execute(size).fetchone()[0]
        take_snapshot(db, store, "g", at=DAY0 + 86400, force=True, compact=False)
        growth = read.table_growth(store, "g", 7, now=DAY0 + 86400 + 60)
        assert growth[("public", 'Grow "n" t')] == after - before > 10_000_000
        # the window starts at the last snapshot before it; one that holds no new snapshot shows no growth
        assert read.table_growth(store, "g", 0.5, now=DAY0 + 86400 + 60)[("public", 'Grow "n" t')] == after - before
        assert read.table_growth(store, "g", 30 / 86400, now=DAY0 + 86400 + 60) == {}
    finally:
        store.close()
        db.close()
