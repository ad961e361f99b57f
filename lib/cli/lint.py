"""`python -m lib lint FILE|-`: the guide's query rules on SQL from a file or stdin.

Findings are advice, so the exit code is 0 even when there are some, unless --fail asks for
1; a file that cannot be read is exit 2. Statements that do not parse are reported as notes
(on stderr with --json, so stdout stays a JSON list).
"""

from __future__ import annotations

import json
import sys

from lib.cli import UsageError
from lib.core.fmt import plural
from lib.sqltext.lint import SEVERITY_ORDER, LintFinding, lint


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "lint",
        help="lint SQL against the guide's query rules",
        description="Lint SQL (one or several statements) from FILE, or stdin with '-'.",
    )
    p.add_argument("file", metavar="FILE", help="SQL file, or - for stdin")
    p.add_argument("--json", action="store_true",
                   help="print a JSON list of findings (statement_index counts from 0)")
    p.add_argument("--fail", action="store_true", help="exit 1 when a finding reaches --fail-level")
    p.add_argument("--fail-level", choices=sorted(SEVERITY_ORDER, key=SEVERITY_ORDER.get), default="info",
                   help="lowest severity that makes --fail exit 1 (default: info)")
    p.set_defaults(func=run)


def _read(path: str) -> str:
    try:
        if path == "-":
            return sys.stdin.read()
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from exc


def _line(text: str, position: int | None) -> int | None:
    return None if position is None else text.count("\n", 0, position) + 1


def _as_json(finding: LintFinding, text: str) -> dict:
    return {
        "statement_index": finding.statement_index,
        "rule": finding.rule,
        "severity": finding.severity,
        "title": finding.title,
        "message": finding.message,
        "advice": finding.advice,
        "example": {"before": finding.example.before, "after": finding.example.after},
        "suggestion": finding.suggestion,
        "position": finding.position,
        "line": _line(text, finding.position),
    }


def _as_text(finding: LintFinding, text: str) -> str:
    line = _line(text, finding.position)
    where = f"statement {finding.statement_index + 1}" + (f", line {line}" if line else "")
    out = [
        f"{where}: {finding.severity} [{finding.rule}] {finding.title}",
        f"  {finding.message}",
        f"  advice: {finding.advice}",
    ]
    if finding.suggestion:
        out.append("  fix: " + finding.suggestion.replace("\n", "\n       "))
    return "\n".join(out)


def run(args) -> int:
    text = _read(args.file)
    report = lint(text)
    if args.json:
        print(json.dumps([_as_json(f, text) for f in report], indent=2))
        for note in report.notes:
            print(f"note: {note}", file=sys.stderr)
    else:
        for finding in report:
            print(_as_text(finding, text))
        for note in report.notes:
            print(f"note: {note}")
        print(plural(len(report), "finding"))
    threshold = SEVERITY_ORDER[args.fail_level]
    if args.fail and any(SEVERITY_ORDER.get(f.severity, 0) >= threshold for f in report):
        return 1
    return 0
