"""`python -m lib plan FILE|-`: read an EXPLAIN plan (any pasted form) and explain it."""

from __future__ import annotations

import argparse
import json
import sys

from lib.cli import UsageError
from lib.plan.analysis import analyze
from lib.plan.compare import compare
from lib.plan.errors import PlanParseError
from lib.plan.export import to_json
from lib.plan.render import render_comparison, render_plan

LEVELS = {"info": 2, "warning": 1, "critical": 0}


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "plan", help="analyze an EXPLAIN plan from a file or stdin",
        description="Read a plan in TEXT or JSON format (bare, or as psql printed it) and show each "
        "node's own time, row estimates and what to fix. Exit 0 when done, 1 when a finding reaches "
        "--fail-on, 2 when the input is not a plan (the message names the line).",
    )  # fmt: skip
    parser.add_argument("file", help="file holding the plan, or - for stdin")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument("--compare", metavar="AFTER", help="compare FILE (before) with this plan (after)")
    parser.add_argument("--fail-on", choices=["info", "warning", "critical"], default=None,
                        help="lowest severity that makes the exit code 1 (default: never)")  # fmt: skip
    parser.set_defaults(func=run)


def read_input(path: str) -> str:
    try:
        data = sys.stdin.buffer.read() if path == "-" else open(path, "rb").read()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # PowerShell redirects write UTF-16
        return data.decode("utf-16")
    return data.decode("utf-8", errors="replace")


def _load(path: str):
    try:
        return analyze(read_input(path))
    except PlanParseError as exc:
        label = "stdin" if path == "-" else path
        raise UsageError(f"{label}: not a plan we can read: line {exc.line}: {exc.message}") from None


def run(args: argparse.Namespace) -> int:
    plan, diagnostics = _load(args.file)
    if args.compare:
        after, after_diag = _load(args.compare)
        result = compare(plan, after)
        if args.json:
            print(json.dumps({"comparison": result.to_json(), "after": to_json(after, after_diag)}, indent=2))
        else:
            sys.stdout.write(render_comparison(result))
        diagnostics = after_diag
    elif args.json:
        print(json.dumps(to_json(plan, diagnostics), indent=2))
    else:
        sys.stdout.write(render_plan(plan, diagnostics))
    if args.fail_on and any(LEVELS[d.severity] <= LEVELS[args.fail_on] for d in diagnostics):
        return 1
    return 0
