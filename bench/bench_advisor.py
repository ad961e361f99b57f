"""How long the index advisor takes on a full pg_stat_statements (5,000 statements), with hypopg.

    python bench/bench_advisor.py [STATEMENTS]

Starts a throwaway PostgreSQL 15 (Debian's, with hypopg) with pg_stat_statements, creates 20 tables
of 10 integer columns (20,000 analyzed rows each, no index), sends STATEMENTS distinct statements
(`SELECT cA FROM tT WHERE cB op $1`: 200 candidate indexes, each serving 25 statements), then times
`advise(db, top=STATEMENTS)` against the raw SQL any what-if needs at least (the statements' texts
read once, and each statement planned once with plain EXPLAIN on one connection), and prints the ratio.
Goal: under 5 s for 5,000 statements.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from itertools import product
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from psycopg import RawCursor, sql  # noqa: E402

from lib.advisor.advise import advise  # noqa: E402
from lib.core.config import DatabaseConfig, Thresholds  # noqa: E402
from lib.core.db import Database  # noqa: E402
from lib.core.pgserver import LocalServer, free_port  # noqa: E402
from lib.core.sqlfiles import TAG, TAIL  # noqa: E402
from lib.statements import explorer  # noqa: E402

PG15 = Path("/usr/lib/postgresql/15/bin")
TABLES, COLUMNS, ROWS = 20, 10, 20_000
OPS = ("=", "<", ">", "<=", ">=")


def load(url: str, count: int) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for t in range(TABLES):
            cols = ", ".join(f"c{c} int" for c in range(COLUMNS))
            conn.execute(sql.SQL("CREATE TABLE {} (" + cols + ")").format(sql.Identifier(f"t{t}")))
            values = ", ".join(f"(g * {c + 7}) %% {10 + 1000 * c}" for c in range(COLUMNS))
            conn.execute(sql.SQL("INSERT INTO {} SELECT " + values + " FROM generate_series(1, %s) g").format(
                sql.Identifier(f"t{t}")), (ROWS,))
            conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(f"t{t}")))
        conn.execute("SELECT pg_stat_statements_reset()")
        shapes = product(range(TABLES), range(COLUMNS), range(COLUMNS), OPS)
        with conn.pipeline():
            for n, (t, a, b, op) in enumerate(shapes):
                if n >= count:
                    break
                conn.execute(f"SELECT c{a} FROM t{t} WHERE c{b} {op} %s", (n % 1000,))


def raw_sql(db: Database, url: str, top: int) -> float:
    """The statements' texts read once, and each planned once with EXPLAIN on one connection."""
    start = time.perf_counter()
    texts = [s.query for s in explorer.busiest(db, limit=top) if s.query and s.query.startswith("SELECT")]
    with psycopg.connect(url, autocommit=True) as conn, RawCursor(conn) as cur:
        conn.execute("SET pg_stat_statements.track = none")  # as the advisor does: no entry per EXPLAIN
        for text in texts:
            cur.execute(f"{TAG}EXPLAIN (FORMAT JSON) {text}{TAIL}", ["1"] * text.count("$"), prepare=False)
            cur.fetchall()
    return time.perf_counter() - start


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5_000
    if not (PG15 / "postgres").exists():
        sys.exit(f"{PG15} is missing: apt-get install postgresql-15 postgresql-15-hypopg")
    home = Path(tempfile.mkdtemp(prefix="pgpulse-bench-"))
    server = LocalServer(PG15, home / "data", free_port())
    try:
        server.ensure_started()
        with psycopg.connect(server.url, autocommit=True) as conn:
            conn.execute("CREATE DATABASE bench")
        url = server.url_for("bench")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION pg_stat_statements")
            conn.execute("CREATE EXTENSION hypopg")
        start = time.perf_counter()
        load(url, count)
        print(f"loaded {count:,} statements on {TABLES} tables in {time.perf_counter() - start:.1f} s")
        db = Database(DatabaseConfig("bench", url, "bench"), Thresholds())
        db.capabilities  # noqa: B018 - detected before timing
        # As a superuser the advisor's EXPLAINs stay out of pg_stat_statements: the view is the same each run.
        times = []
        for _ in range(2):
            start = time.perf_counter()
            advice = advise(db, top=count)
            times.append(time.perf_counter() - start)
        took = min(times)
        raw = min(raw_sql(db, url, count) for _ in range(2))
        verified = "verified with hypopg" if advice.hypopg else "NOT verified"
        print(f"statements read                  {len(advice.statements):>8,}")
        print(f"indexes recommended              {len(advice.recommendations):>8,}  ({verified})")
        print(f"advisor (advise, top={count:,})   first {times[0]:6.2f} s   best {took:6.2f} s")
        print(f"raw SQL (texts + one EXPLAIN each)       {raw:6.2f} s")
        print(f"ratio advisor / raw SQL                  {took / raw:6.1f}x")
        db.close()
    finally:
        server.destroy()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
