"""`python -m lib advise`: which indexes to create for the workload (or for SQL given in a file / stdin).

Exit 0 with the recommendations (none is fine), 2 when the database or the file cannot be read.
"""

from __future__ import annotations

import json

from lib.advisor.advise import DEFAULT_TOP, advise
from lib.cli import UsageError
from lib.cli.common import add_target_arguments, open_database
from lib.cli.lint import _read
from lib.core.errors import PgPulseError
from lib.core.fmt import fmt_bytes, fmt_count
from lib.sqltext.parse import split_statements


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "advise", help="recommend indexes for the workload (verified with hypopg when available)",
        description="Recommend indexes for the busiest statements of pg_stat_statements, or for the SQL "
                    "in FILE (or stdin with '-'): composite, expression, partial and INCLUDE indexes, "
                    "verified with hypothetical indexes when hypopg is available.")
    add_target_arguments(p)
    p.add_argument("--json", action="store_true", help="print the advice as JSON")
    p.add_argument("--sql", metavar="FILE", help="advise for the statements in FILE (- for stdin) instead")
    p.add_argument("--top", type=int, default=DEFAULT_TOP, metavar="N",
                   help=f"how many of the busiest statements to read (default {DEFAULT_TOP})")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.top < 1:
        raise UsageError("advise: --top must be at least 1")
    texts = None
    if args.sql:
        texts = [s.text for s in split_statements(_read(args.sql))]
        if not texts:
            raise UsageError(f"advise: no SQL statement in {args.sql}")
    db = open_database(args)
    try:
        advice = advise(db, texts, top=args.top)
    except PgPulseError as exc:
        raise UsageError(exc.problem.line()) from None
    finally:
        db.close()
    if args.json:
        print(json.dumps(advice.to_json(), indent=2, default=str))
        return 0
    print(render_text(advice))
    return 0


def render_text(advice) -> str:
    state = "verified with hypopg" if advice.hypopg else "estimated from statistics (not verified)"
    out = [f"{advice.database}: {len(advice.recommendations)} index(es) recommended, {state}"]
    for n, r in enumerate(advice.recommendations, 1):
        out.append("")
        out.append(f"{n}. {r.sql};")
        out.append(f"   {r.table.display}: about {fmt_bytes(r.estimated_bytes)}, "
                   f"{fmt_count(r.writes_per_day)} row writes/day to maintain it too")
        for s in r.statements:
            if s.cost_before is not None and s.cost_after is not None:
                gain = f"cost {s.cost_before:,.1f} → {s.cost_after:,.1f} (×{s.speedup:,.1f})" if s.speedup else ""
            else:
                gain = f"~{fmt_count(s.rows_before)} → ~{fmt_count(s.rows_after)} rows read"
            ident = s.statement.queryid if s.statement.queryid is not None else "sql"
            out.append(f"   - [{ident}] {s.statement.calls:,} calls, {gain}: {s.statement.short(70)}")
    for note in advice.notes:
        out.append(f"note: {note}")
    if not advice.recommendations:
        out.append("No missing index found for these statements.")
    return "\n".join(out)


