"""How long the Tables, Indexes, Schema audit and Guide checklist pages take to collect their data on a
big catalog: 10,000 tables and 40,000 indexes (TOAST ones included) across 50 schemas, in a throwaway
embedded PostgreSQL.

    python bench/bench_tables.py [--schemas 50] [--tables-per-schema 200] [--runs 5] [--keep DIR]

`--keep DIR` keeps the built server in DIR and reuses it on the next run (the build takes a while).
For each page: the median time of its data collection over `--runs` runs (the first run, on new
connections, is left out), the median time of the raw SQL it ran (the same statements with the same
parameters, replayed on one connection, rows fetched as tuples: the physical limit on this server),
and their ratio (what pgpulse adds). Then the queries behind the pages, the same way. The last line
is the worst page.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lib.checks import run_checks  # noqa: E402
from lib.core.config import DatabaseConfig, Thresholds  # noqa: E402
from lib.core.db import Database  # noqa: E402
from lib.core.findings import CheckContext  # noqa: E402
from lib.core.pgserver import LocalServer, embedded_bin_dir, free_port  # noqa: E402
from lib.guide import checklist  # noqa: E402
from lib.storage import bloat, indexes, schema_audit, tables  # noqa: E402

# One schema's tables in one DO block (one transaction: its locks must fit the shared lock table).
# Composed with psycopg.sql literals: a DO body cannot take bound parameters.
BUILD_SCHEMA = """
DO $$
DECLARE
    s text := {schema};
BEGIN
    EXECUTE format('CREATE SCHEMA %I', s);
    FOR i IN 1..{tables} LOOP
        EXECUTE format(
            'CREATE TABLE %I.%I (id bigint PRIMARY KEY, parent_id bigint, status text, created_at timestamp, '
            'amount float8, note text)', s, 't' || i);
        EXECUTE format('CREATE INDEX ON %I.%I (status)', s, 't' || i);
        EXECUTE format('CREATE INDEX ON %I.%I (parent_id, created_at)', s, 't' || i);
        IF i > 1 AND i % 5 = 0 THEN
            EXECUTE format('ALTER TABLE %I.%I ADD FOREIGN KEY (parent_id) REFERENCES %I.t1', s, 't' || i, s);
        END IF;
        EXECUTE format('INSERT INTO %I.%I SELECT g, NULL, (ARRAY[''new'', ''done''])[1 + g %% 2], now(), '
                       'g * 1.5, repeat(''x'', g %% 50) FROM generate_series(1, 20) g', s, 't' || i);
    END LOOP;
END
$$
"""


def build(url: str, schemas: int, per_schema: int) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for k in range(1, schemas + 1):
            conn.execute(sql.SQL(BUILD_SCHEMA).format(schema=sql.Literal(f"app_{k:02d}"),
                                                      tables=sql.Literal(per_schema)))
        conn.execute("ANALYZE")
        conn.execute("SELECT pg_stat_force_next_flush()")


class RecordingDatabase(Database):
    """A Database that remembers every statement it runs (name and parameters), to replay them raw."""

    recording: list[tuple[str, dict]] | None = None

    def _record(self, name: str, params: Mapping[str, Any] | None) -> None:
        if self.recording is not None:
            self.recording.append((name, dict(params or {})))

    def rows(self, name: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        self._record(name, params)
        return super().rows(name, params)

    def frame(self, name: str, params: Mapping[str, Any] | None = None):
        self._record(name, params)
        return super().frame(name, params)


def raw_seconds(db: RecordingDatabase, calls: list[tuple[str, dict]]) -> float:
    """The statements replayed on one pooled connection, rows fetched as tuples: what the server needs."""
    statements = [(db.statement(name), params) for name, params in calls]
    with db.connection() as conn:
        start = time.perf_counter()
        for statement, params in statements:
            conn.execute(statement, params).fetchall()
        return time.perf_counter() - start


def measure(db: RecordingDatabase, fn: Callable[[], Any], runs: int) -> tuple[float, float, int]:
    """Median seconds of fn() and of the raw SQL it ran, over `runs` runs after one warm-up run
    (new pooled connections build PostgreSQL's catalog caches first); and how many statements."""
    db.recording = []
    fn()
    spent, raw = [], []
    calls: list[tuple[str, dict]] = []
    for _ in range(runs):
        db.recording = calls = []
        start = time.perf_counter()
        fn()
        spent.append(time.perf_counter() - start)
        db.recording = None
        raw.append(raw_seconds(db, calls))
    return statistics.median(spent), statistics.median(raw), len(calls)


HEADER = f"  {'':<44} {'time':>9} {'raw SQL':>9} {'ratio':>6} {'statements':>10}"


def line(label: str, figures: tuple[float, float, int | None]) -> str:
    """One row: time, raw SQL, their ratio, and how many statements (when counted)."""
    spent, raw, count = figures
    ratio = f"{spent / raw:6.1f}" if raw > 0 else f"{'-':>6}"
    return f"  {label:<44} {spent:7.3f} s {raw:7.3f} s {ratio}" + (f" {count:>10}" if count is not None else "")


def pages(db: Database) -> dict:
    """Each page's first view as the page calls lib (without Streamlit's cache, sharing what the page
    shares between its lists and its checks)."""
    everything = {}

    def tables_page():
        collected = tables.collect(db)
        ctx = CheckContext(db, db.thresholds)
        ctx.memo("tables.settings", lambda: collected["settings"])
        frame = ctx.memo("tables.bloat", lambda: bloat.list_frame(db, "table"))
        tables.table_page(db, number=2)  # the reader turns a page
        everything["tables"] = (run_checks(ctx, ["tables."]), frame)

    def indexes_page():
        collected = indexes.collect(db)
        ctx = CheckContext(db, db.thresholds)
        ctx.memo("indexes.catalog", lambda: collected["catalog"])
        ctx.memo("indexes.fk", lambda: collected["fk"])
        ctx.memo("indexes.cache", lambda: collected["cache"])
        ctx.memo("tables.settings", lambda: tables.settings(db))  # the page's cache() also shows it
        ctx.memo("indexes.bloat", lambda: bloat.list_frame(db, "index", collected["catalog"]))
        tables.table_page(db, sort="heap_blks_read", size=10)
        run_checks(ctx, ["indexes.", "cache."])

    def schema_page():
        everything["schema"] = run_checks(CheckContext(db, db.thresholds), ["schema."])

    def checklist_page():
        run = run_checks(CheckContext(db, db.thresholds))
        everything["checklist"] = checklist.score(run, db.capabilities, db.config)

    return {"Tables": tables_page, "Indexes": indexes_page, "Schema audit": schema_page,
            "Guide checklist": checklist_page, "_": everything}


def queries(db: Database) -> dict:
    t = db.thresholds
    return {
        "table_list (one page of 50)": lambda: tables.table_page(db),
        "table_list (search 'app_07.t1')": lambda: tables.table_page(db, search="app_07.t1"),
        "table_space_by_schema": lambda: tables.schema_space(db),
        "table_health (one page)": lambda: tables.health_page(db),
        "table_health (problems only, all)": lambda: tables.problem_tables(db),
        "table bloat (the list: 500 largest + findings)": lambda: bloat.list_frame(db, "table"),
        "table bloat (every table)": lambda: bloat.table_bloat(db),
        "index_catalog": lambda: indexes.catalog(db),
        "index bloat (the list: 500 largest + findings)": lambda: bloat.list_frame(db, "index"),
        "index bloat (every index)": lambda: bloat.index_bloat(db),
        "fk_without_index": lambda: indexes.fk_without_index(db, 101),
        "schema_columns + classify": lambda: schema_audit.column_issues(db),
        "tables_without_pk": lambda: schema_audit.tables_without_pk(db, 101),
        "sequences_usage": lambda: schema_audit.sequences_near_max(db, t.sequence_ratio, 101),
    }


@contextmanager
def big_catalog(schemas: int, per_schema: int, prefix: str, keep: Path | None = None,
                then: Callable[[str], None] | None = None) -> Iterator[Database]:
    """The bench database built on a throwaway embedded PostgreSQL (`then(url)` runs after the build),
    as a pgpulse Database. With `keep`, the server stays in that folder and the next run reuses it."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # so the server below is always stopped
    home = keep or Path(tempfile.mkdtemp(prefix=prefix))
    server = LocalServer(embedded_bin_dir(), home / "data", free_port())
    try:
        fresh = not server.is_initialized()
        server.stop()  # left running by an interrupted run: a restart empties PostgreSQL's caches too
        server.ensure_started()
        url = server.url_for("bench")
        if fresh:
            with psycopg.connect(server.url, autocommit=True) as conn:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier("bench")))
            count = schemas * per_schema
            print(f"Building {count:,} tables and {3 * count:,} indexes in {schemas} schemas…", flush=True)
            start = time.perf_counter()
            build(url, schemas, per_schema)
            if then is not None:
                then(url)
            print(f"  built in {time.perf_counter() - start:.0f} s", flush=True)
        db = RecordingDatabase(DatabaseConfig(name="bench", conninfo=url, source="bench"), Thresholds())
        with db.connection() as conn:
            found = conn.execute("SELECT (SELECT count(*) FROM pg_class WHERE relkind = 'r' AND relnamespace::regnamespace"
                                 "::text LIKE 'app\\_%%'), (SELECT count(*) FROM pg_index)").fetchone()
        print(f"  {found[0]:,} tables, {found[1]:,} indexes in the catalog\n")
        try:
            yield db
        finally:
            db.close()
    finally:
        if keep:
            server.stop()
        else:
            server.destroy()
            shutil.rmtree(home, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schemas", type=int, default=50)
    parser.add_argument("--tables-per-schema", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5, help="runs measured per page (medians are printed)")
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the built server in this folder")
    args = parser.parse_args()
    with big_catalog(args.schemas, args.tables_per_schema, "pgpulse-bench-tables-", args.keep) as db:
        print(f"Page data collection, median of {args.runs} runs:")
        print(HEADER)
        page_fns = pages(db)
        results = page_fns.pop("_")
        worst = (0.0, 0.0, 0)
        for label, fn in page_fns.items():
            figures = measure(db, fn, args.runs)
            print(line(label, figures), flush=True)
            worst = max(worst, figures)
        print("\nQueries behind them:")
        print(HEADER)
        for label, fn in queries(db).items():
            print(line(label, measure(db, fn, args.runs)), flush=True)
        schema_run = results["schema"]
        print(f"\nSchema audit findings: {len(schema_run.findings):,} (each check lists at most "
              f"{db.thresholds.max_findings_per_check} objects, then one finding counts the rest)")
        tables_count = args.schemas * args.tables_per_schema
        print(f"worst page data at {tables_count:,} tables: {worst[0]:.2f} s (raw SQL {worst[1]:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
