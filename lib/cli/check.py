"""`python -m lib check`: run every check and report the findings (text or JSON)."""

from __future__ import annotations

import argparse
import json

from lib.checks import run_checks
from lib.cli.common import add_target_arguments, open_database
from lib.core.findings import CheckContext, Severity
from lib.core.fmt import evidence_text

MARKS = {Severity.CRITICAL: "CRIT", Severity.WARNING: "WARN", Severity.INFO: "info", Severity.OK: " ok "}


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("check", help="run the health checks and list findings",
                            description="Run every check against one database. Exit 0 when no finding "
                            "reaches --fail-on, 1 when one does, 2 when the database could not be checked.")
    add_target_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument("--fail-on", choices=["info", "warning", "critical"], default="critical",
                        help="lowest severity that makes the exit code 1 (default: critical)")
    parser.add_argument("--only", action="append", metavar="PREFIX",
                        help="run only checks whose id starts with PREFIX (repeatable)")
    parser.add_argument("--all", action="store_true", help="list ok findings too (text output)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    db = open_database(args)
    try:
        result = run_checks(CheckContext(db, db.thresholds), args.only)
        caps = db.capabilities
    finally:
        db.close()
    if args.json:
        print(json.dumps({
            "database": {"name": caps.database, "version": caps.version, "version_num": caps.version_num,
                         "target": db.config.display},
            "findings": [f.to_dict() for f in result.findings],
            "errors": result.errors,
        }, indent=2, default=str))
    else:
        print(f"{caps.database} on PostgreSQL {caps.version} ({db.config.display})")
        for finding in result.findings:
            if finding.severity == Severity.OK and not args.all:
                continue
            print(f"[{MARKS[finding.severity]}] {finding.check:<32} {finding.object}: {finding.title}")
            if finding.evidence:
                print(f"       {evidence_text(finding.evidence)}")
            if finding.severity >= Severity.WARNING and finding.recommendation:
                print(f"       → {finding.recommendation}")
        for check_id, error in result.errors.items():
            print(f"[fail] {check_id}: could not run: {error}")
        counts = {s: sum(1 for f in result.findings if f.severity == s) for s in Severity}
        print(f"{counts[Severity.CRITICAL]} critical, {counts[Severity.WARNING]} warning, "
              f"{counts[Severity.INFO]} info")
    return 1 if result.worst() >= Severity.parse(args.fail_on) else 0

