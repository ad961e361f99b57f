"""How long the Overview's data takes on a big catalog, check by check: 10,000 tables and 30,000
indexes (bench_tables' build) plus a pg_stat_statements workload, in a throwaway embedded PostgreSQL.

    python bench/bench_overview.py [--schemas 50] [--tables-per-schema 200] [--keep DIR] [--supabase]

`--keep DIR` keeps the built server in DIR and reuses it on the next run (the build takes about half a minute).
Prints every check's time within one run of all checks (sharing what they share, as the page does):
the first run on new connections (cold), then a second run (warm). Then the rest of the Overview's
data, and its checks grouped by how long their findings are reused (each group is cached apart).
`--supabase` makes the database Supabase-shaped with every schema exposed to the API and every table
readable by anon, so Supabase's API lints (checks supabase.*) read all 10,000 tables.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_tables import big_catalog, timed  # noqa: E402

from lib.checks import check_ttls, load_checks, run_checks  # noqa: E402
from lib.core.db import Database  # noqa: E402
from lib.core.findings import CheckContext  # noqa: E402
from lib.live import overview  # noqa: E402
from lib.statements import review  # noqa: E402
from lib.supabase import shape  # noqa: E402

# A few statement shapes per table for the first tables: lint, targets and N+1 have something to read.
WORKLOAD = ("SELECT * FROM {t} WHERE status = %s", "SELECT id FROM {t} WHERE id = %s",
            "SELECT count(*) FROM {t} WHERE parent_id = %s", "UPDATE {t} SET note = note WHERE id = %s")


def workload(url: str, tables: int) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        conn.execute("SELECT pg_stat_statements_reset()")
        with conn.pipeline():
            for i in range(tables):
                name = sql.Identifier(f"app_{1 + i % 50:02d}", f"t{1 + i % 200}")
                for shape in WORKLOAD:
                    for n in range(3):
                        conn.execute(sql.SQL(shape).format(t=name), ("new" if "status" in shape else n,))


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


def one_run(db: Database, label: str) -> dict[str, float]:
    """Every check once with one shared context (as run_checks does); seconds per check."""
    ctx = CheckContext(db, db.thresholds)
    seconds: dict[str, float] = {}
    start_all = time.perf_counter()
    for spec in load_checks().values():
        start = time.perf_counter()
        try:
            spec.func(ctx)
        except Exception as exc:  # noqa: BLE001 - reported, as run_checks does
            print(f"  {spec.id} failed: {exc}")
        seconds[spec.id] = time.perf_counter() - start
    print(f"  {label}: all checks {time.perf_counter() - start_all:.2f} s", flush=True)
    return seconds


def report(runs: list[dict[str, float]]) -> None:
    by_category: dict[str, list[float]] = defaultdict(lambda: [0.0] * len(runs))
    specs = load_checks()
    for i, run in enumerate(runs):
        for check_id, s in run.items():
            by_category[specs[check_id].category][i] += s
    print("\nBy category (cold, warm):")
    for category, totals in sorted(by_category.items(), key=lambda kv: -kv[1][0]):
        print(f"  {category:<14} " + "  ".join(f"{s * 1000:8.0f} ms" for s in totals))
    print("\nChecks over 20 ms (cold, warm):")
    for check_id in sorted(runs[0], key=lambda c: -runs[0][c]):
        if max(r[check_id] for r in runs) >= 0.02:
            print(f"  {check_id:<40} " + "  ".join(f"{r[check_id] * 1000:8.0f} ms" for r in runs))


def page_extras(db: Database) -> None:
    print("\nThe rest of the Overview page's data (first, second):")
    timed("overview numbers", lambda: overview.collect(db))
    timed("performance targets (statement_review)", lambda: review.review(db))


def tiers(db: Database) -> None:
    """What the Overview runs per TTL (pages/widgets/cached_checks.py: its figures shared with the checks)."""
    print("\nThe Overview's checks by TTL (first, second):")
    numbers = overview.collect(db)
    for ttl in check_ttls():
        count = sum(1 for s in load_checks().values() if s.ttl == ttl)

        def run(ttl=ttl):
            ctx = CheckContext(db, db.thresholds)
            ctx.memo("overview", lambda: numbers)
            run_checks(ctx, ttl=ttl)

        timed(f"{count} checks reused for {ttl} s", run)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schemas", type=int, default=50)
    parser.add_argument("--tables-per-schema", type=int, default=200)
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the built server in this folder")
    parser.add_argument("--supabase", action="store_true", help="Supabase-shaped, every table exposed to anon")
    args = parser.parse_args()

    def then(url: str) -> None:
        workload(url, 300)
        if args.supabase:
            expose_everything(url)

    with big_catalog(args.schemas, args.tables_per_schema, "pgpulse-bench-overview-", args.keep, then=then) as db:
        print(f"{len(load_checks())} checks registered. All of them, as the Overview ran them on each cache miss:")
        runs = [one_run(db, "cold"), one_run(db, "warm")]
        report(runs)
        page_extras(db)
        tiers(db)
    return 0


if __name__ == "__main__":
    sys.exit(main())
