"""How long the RLS policies page's data takes with thousands of policies: bench_tables' catalog made
Supabase-shaped, each table given row-level security and four policies (per-row auth.uid(), wrapped,
always-true, user_metadata), in a throwaway embedded PostgreSQL.

    python bench/bench_rls.py [--schemas 10] [--tables-per-schema 100] [--keep DIR]

Prints the page's one catalog read, the expressions parsed, the policy checks, and the list's rows
(first run on new connections and parse caches, then a second run).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_tables import big_catalog, timed  # noqa: E402

from lib.checks import rls  # noqa: E402
from lib.supabase import policies, shape  # noqa: E402

POLICIES = (
    ("own rows", "FOR SELECT TO authenticated USING (auth.uid() IS NOT NULL AND note = auth.uid()::text)"),
    ("own rows wrapped", "FOR UPDATE TO authenticated USING ((select auth.uid())::text = note)"),
    ("anyone deletes", "FOR DELETE TO authenticated USING (true)"),
    ("admins", "FOR SELECT TO authenticated USING ((auth.jwt() -> 'user_metadata' ->> 'role') = 'admin')"),
)


def add_policies(url: str) -> None:
    shape.install(url)
    with psycopg.connect(url, autocommit=True) as conn:
        tables = conn.execute("SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON "
                              "n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname LIKE 'app\\_%'").fetchall()
        with conn.pipeline():
            for schema, table in tables:
                name = sql.Identifier(schema, table)
                conn.execute(sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS note text").format(name))
                conn.execute(sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(name))
                for policy, rest in POLICIES:
                    conn.execute(sql.SQL("CREATE POLICY {} ON {} " + rest).format(sql.Identifier(policy), name))
    print(f"  {len(tables) * len(POLICIES):,} policies on {len(tables):,} tables")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schemas", type=int, default=10)
    parser.add_argument("--tables-per-schema", type=int, default=100)
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args()
    with big_catalog(args.schemas, args.tables_per_schema, "pgpulse-bench-rls-", args.keep, add_policies) as db:
        print("RLS policies page (first run, second run):")
        timed("catalog read (rls_policies.sql)", lambda: policies.read_policies(db))
        found = policies.read_policies(db)
        policies.parsed.cache_clear()
        timed("expressions parsed (pglast)", lambda: [(p.using, p.check) for p in found])
        timed("policy checks and the page's data (collect)", lambda: rls.collect(db))
        _, _, findings, _ = rls.collect(db)
        timed("list rows", lambda: policies.frame_rows(found, rls.issue_map(findings)))
        print(f"\n  {len(found):,} policies, {len(findings):,} findings (capped per check)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
