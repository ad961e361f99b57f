"""How long the Overview's data takes on a big catalog, check by check: 10,000 tables and 40,000
indexes (bench_tables' build) plus a pg_stat_statements workload, in a throwaway embedded PostgreSQL.

    python bench/bench_overview.py [--schemas 50] [--tables-per-schema 200] [--statements 1200]
                                   [--runs 3] [--keep DIR] [--supabase]

`--keep DIR` keeps the built server in DIR and reuses it on the next run (the build takes about half a
minute; a kept server keeps the workload it was built with). `--statements` distinct statements are run
first (five shapes per table: 5,000 needs 1,000 tables). Prints, for every check within a run of all
checks (sharing what they share, as the page does), the median over `--runs` warm runs of its time and
of the raw SQL it ran (replayed on one connection, rows fetched as tuples: the physical limit on this
server) and their ratio; the cold first run's total too. Then the rest of the Overview's data, and its
checks grouped by how long their findings are reused (each group is cached apart).
`--supabase` makes the database Supabase-shaped with every schema exposed to the API and every table
readable by anon, so Supabase's API lints (checks supabase.*) read all 10,000 tables.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_tables import HEADER, RecordingDatabase, big_catalog, line, measure, raw_seconds  # noqa: E402

from lib.checks import check_ttls, load_checks, run_checks  # noqa: E402
from lib.core.findings import CheckContext  # noqa: E402
from lib.live import overview  # noqa: E402
from lib.statements import review  # noqa: E402
from lib.supabase import shape  # noqa: E402

# Statement shapes run on the tables: lint, targets and N+1 have something to read. Past these, shape k
# is an OR chain of k terms (a distinct statement each).
WORKLOAD = ("SELECT * FROM {t} WHERE status = %s", "SELECT id FROM {t} WHERE id = %s",
            "SELECT count(*) FROM {t} WHERE parent_id = %s", "UPDATE {t} SET note = note WHERE id = %s",
            "SELECT id, amount FROM {t} ORDER BY created_at DESC LIMIT %s")


def statement_shape(k: int) -> tuple[str, int]:
    """The k-th statement shape and how many parameters it takes."""
    if k < len(WORKLOAD):
        return WORKLOAD[k], 1
    terms = k - len(WORKLOAD) + 2
    return "SELECT id FROM {t} WHERE " + " OR ".join(["id = %s"] * terms), terms


def workload(url: str, statements: int, schemas: int, per_schema: int) -> None:
    """`statements` distinct statements, each run three times. PostgreSQL 18 groups statements on tables of
    the same name (pg_stat_statements jumbles names, not OIDs): shapes go round the distinct names."""
    names = [sql.Identifier(f"app_{1 + j % schemas:02d}", f"t{1 + j}") for j in range(per_schema)]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        conn.execute("SELECT pg_stat_statements_reset()")
        with conn.pipeline():
            for n in range(statements):
                text, count = statement_shape(n // len(names))
                for call in range(3):
                    params = ("new",) if "status" in text else tuple(range(call + 1, call + 1 + count))
                    conn.execute(sql.SQL(text).format(t=names[n % len(names)]), params)


def expose_everything(url: str) -> None:
    """The Supabase shape, every schema served by the API and every table readable by anon."""
    shape.install(url)
    with psycopg.connect(url, autocommit=True) as conn:
        schemas = [r[0] for r in conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'app\\_%'")]
        for schema in schemas:
            conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {0} TO anon; GRANT SELECT ON ALL TABLES IN SCHEMA {0} TO anon")
                         .format(sql.Identifier(schema)))
        conn.execute(sql.SQL("ALTER ROLE authenticator IN DATABASE {} SET pgrst.db_schemas = {}").format(
            sql.Identifier(conn.info.dbname), sql.Literal(", ".join(["public", *schemas]))))


def one_run(db: RecordingDatabase, label: str) -> dict[str, tuple[float, float]]:
    """Every check once with one shared context (as run_checks does): seconds per check, and seconds
    of the raw SQL it ran (what it shares, the first check to need it runs)."""
    ctx = CheckContext(db, db.thresholds)
    seconds: dict[str, float] = {}
    calls: dict[str, list] = {}
    start_all = time.perf_counter()
    for spec in load_checks().values():
        db.recording = calls[spec.id] = []
        start = time.perf_counter()
        try:
            spec.func(ctx)
        except Exception as exc:  # noqa: BLE001 - reported, as run_checks does
            print(f"  {spec.id} failed: {exc}")
        seconds[spec.id] = time.perf_counter() - start
    db.recording = None
    total = time.perf_counter() - start_all
    raw = {check_id: raw_seconds(db, made) for check_id, made in calls.items()}
    print(f"  {label}: all checks {total:.2f} s (raw SQL {sum(raw.values()):.2f} s)", flush=True)
    return {check_id: (seconds[check_id], raw[check_id]) for check_id in seconds}


def report(runs: list[dict[str, tuple[float, float]]]) -> None:
    """Medians over the runs, by category and for the checks over 20 ms."""
    def median(check_id: str, i: int) -> float:
        return statistics.median(r[check_id][i] for r in runs)

    specs = load_checks()
    by_category: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for check_id in runs[0]:
        for i in (0, 1):
            by_category[specs[check_id].category][i] += median(check_id, i)
    print(f"\nBy category, median of {len(runs)} warm runs:")
    print(HEADER)
    for category, (spent, raw) in sorted(by_category.items(), key=lambda kv: -kv[1][0]):
        print(line(category, (spent, raw, None)))
    print("\nChecks over 20 ms:")
    print(HEADER)
    for check_id in sorted(runs[0], key=lambda c: -median(c, 0)):
        if median(check_id, 0) >= 0.02:
            print(line(check_id, (median(check_id, 0), median(check_id, 1), None)))
    spent = sum(median(c, 0) for c in runs[0])
    raw = sum(median(c, 1) for c in runs[0])
    print(f"\nall checks: {spent:.2f} s (raw SQL {raw:.2f} s, ratio {spent / raw:.1f})")


def page_extras(db: RecordingDatabase, runs: int) -> None:
    print(f"\nThe rest of the Overview page's data, median of {runs} runs:")
    print(HEADER)
    print(line("overview numbers", measure(db, lambda: overview.collect(db), runs)))
    print(line("performance targets (statement_review)", measure(db, lambda: review.review(db), runs)))


def tiers(db: RecordingDatabase, runs: int) -> None:
    """What the Overview runs per TTL (pages/widgets/cached_checks.py: its figures shared with the checks)."""
    print(f"\nThe Overview's checks by TTL, median of {runs} runs:")
    print(HEADER)
    numbers = overview.collect(db)
    for ttl in check_ttls():
        count = sum(1 for s in load_checks().values() if s.ttl == ttl)

        def run(ttl=ttl):
            ctx = CheckContext(db, db.thresholds)
            ctx.memo("overview", lambda: numbers)
            run_checks(ctx, ttl=ttl)

        print(line(f"{count} checks reused for {ttl} s", measure(db, run, runs)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schemas", type=int, default=50)
    parser.add_argument("--tables-per-schema", type=int, default=200)
    parser.add_argument("--statements", type=int, default=1200, help="distinct statements the workload runs")
    parser.add_argument("--runs", type=int, default=3, help="warm runs measured (medians are printed)")
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the built server in this folder")
    parser.add_argument("--supabase", action="store_true", help="Supabase-shaped, every table exposed to anon")
    args = parser.parse_args()
    def then(url: str) -> None:
        workload(url, args.statements, args.schemas, args.tables_per_schema)
        if args.supabase:
            expose_everything(url)

    with big_catalog(args.schemas, args.tables_per_schema, "pgpulse-bench-overview-", args.keep, then=then) as db:
        with db.connection() as conn:
            found = conn.execute("SELECT count(*) FROM pg_stat_statements").fetchone()[0]
        print(f"{found:,} statements in pg_stat_statements; {len(load_checks())} checks registered. "
              "All of them, as the Overview runs them on each cache miss:")
        cold = one_run(db, "cold")
        slowest = sorted(cold, key=lambda c: -cold[c][0])[:5]
        print("  slowest when cold: " + ", ".join(f"{c} {cold[c][0]:.2f} s (raw SQL {cold[c][1]:.2f} s)"
                                                  for c in slowest))
        runs = [one_run(db, "warm") for _ in range(args.runs)]
        report(runs)
        page_extras(db, args.runs)
        tiers(db, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
