"""History at scale: snapshot time and stored bytes for 5,000 statements, and the weekly report time.

Run by hand: `python bench/bench_history.py` (15 to 25 minutes on 2 cores: the synthetic week
dominates). It starts its own PostgreSQL 18 (pg_stat_statements.max = 10000), creates 5,000 distinct
statements, times real snapshots into a SQLite store, then records a week of five-minute snapshots
of that database (counters advanced from the real reading by a Zipf-like call model of 200,000
calls per 5 minutes, busy enough that every statement moves in every snapshot: the worst case) and
times the weekly review over it, raw and after hourly downsampling. It ends with the space a year
takes under the default tiers (5 minutes for 2 days, hourly to 90, daily to 365), for that model and
for a skewed one where most statements run a few times a day.
"""

from __future__ import annotations

import math
import random
import sys
import tempfile
import time
from copy import deepcopy
from dataclasses import replace
from pathlib import Path

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lib.core.config import Thresholds  # noqa: E402
from lib.core.fmt import fmt_bytes  # noqa: E402
from lib.core.store import Store  # noqa: E402
from lib.history import collect, retention  # noqa: E402
from lib.history.periods import Period  # noqa: E402
from lib.history.snapshot import record, take_snapshot  # noqa: E402
from lib.history.weekly import build_review  # noqa: E402
from tests import servers  # noqa: E402
from tests.conftest import make_db  # noqa: E402

TABLES, COLUMNS, FILTERS = 100, 10, 5  # 100 × 10 × 5 = 5,000 statement shapes
CALLS_PER_5MIN = 200_000  # a busy database: about 670 statements a second
ZIPF = 1.1


def store_bytes(store: Store) -> int:
    row = store.query("SELECT (SELECT page_count FROM pragma_page_count()) - "
                      "(SELECT freelist_count FROM pragma_freelist_count()) AS pages, "
                      "(SELECT page_size FROM pragma_page_size()) AS size")[0]
    return row["pages"] * row["size"]


def statements(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for t in range(TABLES):
            cols = sql.SQL(", ").join(sql.SQL("{} int").format(sql.Identifier(f"c{c}")) for c in range(COLUMNS))
            conn.execute(sql.SQL("CREATE TABLE {} ({})").format(sql.Identifier(f"t{t}"), cols))
        run_all(conn, 1.0)


def run_all(conn, share: float) -> int:
    rng = random.Random(1)
    ran = 0
    for t in range(TABLES):
        for c in range(COLUMNS):
            for f in range(FILTERS):
                if share < 1 and rng.random() > share:
                    continue
                conn.execute(sql.SQL("SELECT {} FROM {} WHERE {} = 1").format(
                    sql.Identifier(f"c{c}"), sql.Identifier(f"t{t}"), sql.Identifier(f"c{(c + f + 1) % COLUMNS}")))
                ran += 1
    return ran


def rates(n: int, exponent: float = ZIPF) -> list[float]:
    """Calls per five minutes of each statement: CALLS_PER_5MIN shared along a Zipf-like curve."""
    weights = [1 / (i + 1) ** exponent for i in range(n)]
    total = sum(weights)
    return [CALLS_PER_5MIN * w / total for w in weights]


def moved_share(lam: list[float], intervals: int) -> float:
    """Expected statements with at least one call in `intervals` five-minute intervals."""
    return sum(1 - math.exp(-x * intervals) for x in lam)


def main() -> None:
    server = servers.start_server(servers.embedded_bin_dir())
    try:
        with psycopg.connect(server.url, autocommit=True) as conn:
            conn.execute("ALTER SYSTEM SET pg_stat_statements.max = 10000")
        server.stop()
        server.start()
        url = servers.create_database(server, prefix="bench")
        t = time.monotonic()
        statements(url)
        print(f"created 5,000 statements in {time.monotonic() - t:.1f} s")
        db = make_db(url, name="bench")
        work = Path(tempfile.mkdtemp(prefix="pgpulse-bench-"))
        store = Store(work / "history.db")
        empty = store_bytes(store)

        base = take_snapshot(db, store, force=True, compact=False)
        after_base = store_bytes(store)
        print(f"baseline snapshot: {base.statements:,} statements in {base.seconds:.2f} s, "
              f"{fmt_bytes(after_base - empty)} (texts, state, table sizes)")
        with psycopg.connect(url, autocommit=True) as conn:
            run_all(conn, 1.0)
        every = take_snapshot(db, store, force=True, compact=False)
        after_every = store_bytes(store)
        per_statement = (after_every - after_base) / every.statements_moved
        print(f"snapshot, all {every.statements_moved:,} statements moved: {every.seconds:.2f} s, "
              f"{fmt_bytes(after_every - after_base)} stored ({per_statement:.0f} bytes a statement)")
        with psycopg.connect(url, autocommit=True) as conn:
            ran = run_all(conn, 0.1)
        tenth = take_snapshot(db, store, force=True, compact=False)
        after_tenth = store_bytes(store)
        print(f"snapshot, {tenth.statements_moved:,} moved ({ran} run): {tenth.seconds:.2f} s, "
              f"{fmt_bytes(after_tenth - after_every)} stored")

        # A week of five-minute snapshots, from the real reading, counters advanced by the call model.
        reading = collect.read(db)
        db.close()
        week_store = Store(work / "week.db")
        lam = rates(len(reading.statements))
        rng = random.Random(7)
        order = list(range(len(reading.statements)))
        rng.shuffle(order)  # which statement is busy has nothing to do with its position
        monday = 1_795_392_000.0  # 2026-11-23 00:00 UTC, a Monday
        record(week_store, "bench", reading, monday, {}, False)
        t = time.monotonic()
        moved_rows = 0
        for i in range(1, 7 * 288 + 1):
            reading = deepcopy(reading) if i == 1 else reading
            for rank, idx in enumerate(order):
                calls = _poisson(rng, lam[rank])
                if calls:
                    s = reading.statements[idx]
                    s["calls"] += calls
                    s["total_exec_ms"] += calls * 0.8
                    s["rows"] += calls
                    s["shared_blks_hit"] += 3 * calls
            moved_rows += record(week_store, "bench", reading, monday + i * 300, {}, False).statements_moved
        took = time.monotonic() - t
        raw_bytes = store_bytes(week_store)
        print(f"a week of 2,016 five-minute snapshots recorded in {took:.0f} s ({took / 2016 * 1000:.0f} ms each): "
              f"{moved_rows:,} statement rows, {fmt_bytes(raw_bytes)} ({raw_bytes / moved_rows:.0f} bytes a row)")
        week = Period(_dt(monday), _dt(monday + 7 * 86400), "2026-W48")
        for label in ("raw five-minute snapshots", "after hourly downsampling"):
            t = time.monotonic()
            review = build_review(week_store, "bench", week, Thresholds())
            print(f"weekly review over {label}: {time.monotonic() - t:.2f} s "
                  f"({len(review.statements):,} statements)")
            if label.startswith("raw"):
                t = time.monotonic()
                retention.compact(week_store, "bench", replace(Thresholds(), history_raw_days=0),
                                  now=monday + 7 * 86400)
                week_store.execute("VACUUM")
                print(f"hourly downsampling of the week: {time.monotonic() - t:.1f} s, "
                      f"store {fmt_bytes(store_bytes(week_store))}")
        per_row = raw_bytes / moved_rows
        print(f"a year under the default tiers (5 min for 2 days, hourly to 90, daily to 365), at "
              f"{per_row:.0f} bytes a statement row:")
        for label, exponent in (("every statement runs every 5 minutes (the week above)", ZIPF),
                                ("skewed: a few hundred run all the time, most a few times a day", 2.0)):
            lam = rates(len(reading.statements), exponent)
            per_5min, per_hour, per_day = (moved_share(lam, k) for k in (1, 12, 288))
            rows_year = 2 * 288 * per_5min + 88 * 24 * per_hour + 275 * per_day
            print(f"  {label}: {per_5min:,.0f} statements move per 5 min, {per_hour:,.0f} per hour, "
                  f"{per_day:,.0f} per day -> {rows_year / 1e6:.1f} M rows, about {fmt_bytes(rows_year * per_row)}")
    finally:
        server.destroy()


def _poisson(rng: random.Random, lam: float) -> int:
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _dt(at: float):
    from datetime import UTC, datetime

    return datetime.fromtimestamp(at, UTC)


if __name__ == "__main__":
    main()
