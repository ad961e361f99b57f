"""How long the Slow queries page's data takes with pg_stat_statements full (5,000 statements).

    python bench/bench_slow_queries.py [STATEMENTS] [LONG_TEXTS]

Starts a throwaway PostgreSQL 18 (embedded) with pg_stat_statements at its default max of 5,000,
creates 20 tables, and sends STATEMENTS distinct statements (distinct in structure, so each is its
own queryid) in psycopg pipeline mode, LONG_TEXTS of them carrying a 1 MB comment. Then times what
the page and the drill-down ask for: first call (cold parse caches) and best of three.
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
from psycopg import sql  # noqa: E402

from lib.checks import run_checks  # noqa: E402
from lib.checks.lint import lint_text  # noqa: E402
from lib.core.config import DatabaseConfig, Thresholds  # noqa: E402
from lib.core.db import Database  # noqa: E402
from lib.core.findings import CheckContext  # noqa: E402
from lib.core.pgserver import LocalServer, embedded_bin_dir, free_port  # noqa: E402
from lib.statements import charts, explorer, nplus1, review, table_keys, targets  # noqa: E402
from lib.statements.explorer import Filters  # noqa: E402

TABLES, COLUMNS = 20, 10
OPS = ("=", "<", ">", "<=", ">=")
MB = 1024 * 1024


def load(url: str, count: int, long_texts: int) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for t in range(TABLES):
            cols = ", ".join(f"c{c} int" for c in range(COLUMNS))
            conn.execute(sql.SQL("CREATE TABLE {} (" + cols + ")").format(sql.Identifier(f"t{t}")))
        conn.execute("SELECT pg_stat_statements_reset()")
        shapes = product(range(TABLES), range(COLUMNS), range(COLUMNS), OPS)
        padding = "x" * MB
        with conn.pipeline():
            for n, (t, a, b, op) in enumerate(shapes):
                if n >= count:
                    break
                comment = f" /* {padding} */" if n < long_texts else ""
                conn.execute(f"SELECT c{a} FROM t{t} WHERE c{b} {op} %s{comment}", (n,))


def timed(label: str, fn, repeat: int = 3):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    print(f"{label:<44} first {1000 * times[0]:8.1f} ms   best {1000 * min(times):8.1f} ms")
    return result


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 4_990
    long_texts = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    home = Path(tempfile.mkdtemp(prefix="pgpulse-bench-"))
    server = LocalServer(embedded_bin_dir(), home / "data", free_port())
    try:
        server.ensure_started()
        with psycopg.connect(server.url, autocommit=True) as conn:
            conn.execute("CREATE DATABASE bench")
        url = server.url_for("bench")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION pg_stat_statements")
        start = time.perf_counter()
        load(url, count, long_texts)
        print(f"loaded {count:,} statements ({long_texts} of 1 MB) in {time.perf_counter() - start:.1f} s")
        db = Database(DatabaseConfig("bench", url, "bench"), Thresholds())
        with psycopg.connect(url) as conn:
            n, size = conn.execute("SELECT count(*), sum(length(query)) FROM pg_stat_statements").fetchone()
        print(f"pg_stat_statements: {n:,} entries, {size / MB:.1f} MB of text\n")

        first = timed("list page (50 rows, sort by total)", lambda: explorer.list_page(db, Filters()))
        chart_page = timed("chart data (500 rows)", lambda: explorer.list_page(db, Filters(), 500))
        timed("list page, text search 'c3 <'", lambda: explorer.list_page(db, Filters(search="c3 <")))
        timed("list page, sort by mean, page 40", lambda: explorer.list_page(db, Filters(sort="mean"), 50, 2000))
        timed("totals and roles", lambda: (explorer.totals(db), explorer.roles(db)))
        timed("table and charts (pandas, plotly)", lambda: (
            charts.table_frame(first.frame, True), charts.top_total_bar(chart_page.frame),
            charts.calls_vs_mean(chart_page.frame, 100)))
        busy = timed("busiest texts (500, whole)", lambda: explorer.busiest(db))
        known = timed("catalog keys", lambda: table_keys.collect(db))
        timed("performance targets (parse 500)", lambda: targets.assess(busy, known, db.thresholds))
        timed("N+1 detection", lambda: nplus1.detect(busy, known, db.thresholds))
        timed("lint and query checks (CLI check)", lambda: run_checks(CheckContext(db, db.thresholds),
                                                                      ["lint.", "queries."]))
        timed("Slow queries page data (as the page asks)", lambda: (
            explorer.totals(db), explorer.roles(db), explorer.list_page(db, Filters(), 500),
            explorer.list_page(db, Filters()), review.review(db)))
        long_id = int(explorer.list_page(db, Filters(search="xxxxxxxxxx"), 1).frame["queryid"].iloc[0])
        timed("drill-down of a 1 MB statement", lambda: explorer.detail(db, long_id))
        short_id = int(first.frame["queryid"].iloc[-1])
        timed("drill-down of a short statement", lambda: explorer.detail(db, short_id))
        timed("Query detail page data (short statement)", lambda: (
            explorer.detail(db, short_id), review.review(db),
            lint_text(explorer.detail(db, short_id)["query"])))
        db.close()
    finally:
        server.destroy()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
