"""`python -m lib explain (--db NAME | --dsn URL) SQL|-`: run EXPLAIN safely and explain the plan."""

from __future__ import annotations

import argparse
import json
import sys

from lib.cli import UsageError
from lib.cli.common import add_target_arguments, open_database
from lib.cli.plan import LEVELS
from lib.core.errors import PgPulseError
from lib.explain import gate
from lib.explain.errors import NEEDS_CONFIRMATION, NEEDS_VALUES, NEEDS_WRITES, ExplainRefused
from lib.explain.options import ExplainOptions
from lib.explain.run import ExplainRun, parameter_types, run_explain
from lib.plan.export import to_json
from lib.plan.render import render_plan

HOW_TO_ALLOW = {NEEDS_WRITES: "add --allow-writes to run it anyway (it is rolled back)",
                NEEDS_CONFIRMATION: "add --confirm to run it anyway: these effects are not rolled back",
                NEEDS_VALUES: "give them with --param VALUE (in order), or --generic on PostgreSQL 16+"}


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "explain", help="run EXPLAIN on a statement, safely, and explain the plan",
        description="EXPLAIN one statement in a transaction that is always rolled back (READ ONLY "
        "unless --allow-writes), with a statement timeout, on a connection of its own that is closed "
        "afterwards. Transaction control, DDL, COPY, DO, SET ROLE and several statements are refused "
        "before anything is sent. Exit 0 when done, 1 when a finding reaches --fail-on, 2 when refused "
        "or failed (the reason on stderr).",
    )  # fmt: skip
    add_target_arguments(parser)
    parser.add_argument("sql", metavar="SQL", help="the statement, or - to read it from stdin")
    parser.add_argument("--analyze", action="store_true", help="run the statement (EXPLAIN ANALYZE)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument("--allow-writes", action="store_true",
                        help="let INSERT/UPDATE/DELETE/MERGE and row locks run with --analyze (rolled back)")
    parser.add_argument("--confirm", action="store_true",
                        help="run with --analyze even though it calls functions whose effects a rollback does not undo")
    parser.add_argument("--param", metavar="VALUE", action="append", default=[],
                        help="value for $1, $2, ... in order (repeat); PostgreSQL converts it to the type it infers")
    parser.add_argument("--generic", action="store_true",
                        help="EXPLAIN (GENERIC_PLAN) for a statement with $n placeholders (PostgreSQL 16+, no --analyze)")
    parser.add_argument("--verbose", action="store_true", help="EXPLAIN VERBOSE (output columns, schemas)")
    parser.add_argument("--settings", action="store_true", help="list the settings that differ from defaults")
    parser.add_argument("--wal", action="store_true", help="WAL records written (with --analyze, PostgreSQL 13+)")
    parser.add_argument("--no-buffers", action="store_true", help="leave out buffer counts")
    parser.add_argument("--timeout", metavar="SECONDS", type=float, default=None,
                        help="statement timeout (default: explain_statement_timeout_ms, 30 s)")
    parser.add_argument("--fail-on", choices=["info", "warning", "critical"], default=None,
                        help="lowest severity that makes the exit code 1 (default: never)")  # fmt: skip
    parser.set_defaults(func=run)


def _options(args: argparse.Namespace, timeout_ms: int, lock_timeout_ms: int) -> ExplainOptions:
    if args.timeout is not None and args.timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds")
    return ExplainOptions(
        analyze=args.analyze, buffers=not args.no_buffers, verbose=args.verbose, settings=args.settings,
        wal=args.wal, generic_plan=args.generic, allow_writes=args.allow_writes, confirmed=args.confirm,
        timeout_ms=round(args.timeout * 1000) if args.timeout is not None else timeout_ms,
        lock_timeout_ms=lock_timeout_ms,
    )  # fmt: skip


def _refusal(exc: ExplainRefused, types: list[str] | None = None) -> UsageError:
    reasons = list(exc.reasons)
    if exc.kind == NEEDS_VALUES and types:
        reasons = [f"the statement needs values for {', '.join(f'${i} ({t})' for i, t in enumerate(types, 1))}"]
    how = HOW_TO_ALLOW.get(exc.kind)
    return UsageError("refused: " + "; ".join(reasons) + (f"; {how}" if how else ""))


def run(args: argparse.Namespace) -> int:
    text = sys.stdin.read() if args.sql == "-" else args.sql
    options = _options(args, 30_000, 2_000)
    params = tuple(args.param)
    try:  # refuse what can be refused before connecting at all
        gate.check(text, options, params)
    except ExplainRefused as exc:
        if exc.kind != NEEDS_VALUES:
            raise _refusal(exc) from None
    db = open_database(args)
    try:
        t = db.thresholds
        options = _options(args, t.explain_statement_timeout_ms, t.explain_lock_timeout_ms)
        try:
            result = run_explain(db, text, options, params)
        except ExplainRefused as exc:
            raise _refusal(exc, _types(db, text) if exc.kind == NEEDS_VALUES else None) from None
        except PgPulseError as exc:
            raise UsageError(exc.problem.line()) from None
    finally:
        db.close()
    if args.json:
        print(json.dumps({**to_json(result.plan, result.diagnostics), "explain": run_json(result)}, indent=2))
    else:
        sys.stdout.write(header(result) + render_plan(result.plan, result.diagnostics))
    if args.fail_on and any(LEVELS[d.severity] <= LEVELS[args.fail_on] for d in result.diagnostics):
        return 1
    return 0


def _types(db, text: str) -> list[str] | None:
    try:
        return parameter_types(db, text)
    except (PgPulseError, ExplainRefused):
        return None


def how_it_ran(result: ExplainRun) -> str:
    mode = "READ ONLY" if result.read_only else "with data changes allowed"
    return (f"Ran {mode} on PostgreSQL {result.server_version // 10000}, rolled back "
            f"(statement timeout {result.options.timeout_ms / 1000:g} s).")


def header(result: ExplainRun) -> str:
    lines = [result.explain_sql.splitlines()[0].removeprefix("/* pgpulse */ "), how_it_ran(result)]
    lines += [f"note: {n}" for n in result.notes]
    lines += [f"left in the session (the connection was closed, so it is gone): {c}" for c in result.session_changes]
    return "\n".join(lines) + "\n\n"


def run_json(result: ExplainRun) -> dict:
    return {
        "statement": result.statement,
        "sql": result.explain_sql,
        "read_only": result.read_only,
        "rolled_back": True,
        "server_version": result.server_version,
        "params": list(result.params),
        "timeout_ms": result.options.timeout_ms,
        "notes": result.notes,
        "session_changes": result.session_changes,
        "plan": result.document,
    }
