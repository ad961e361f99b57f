"""`python -m lib fix`: run the actions of matching Findings, under the app's safety rules and audit."""

from __future__ import annotations

import argparse
import sys

from lib.checks import run_checks
from lib.cli import UsageError
from lib.cli.common import add_target_arguments, open_database
from lib.core.config import load_settings
from lib.core.findings import CheckContext, Severity
from lib.core.fmt import plural
from lib.core.store import open_store
from lib.maintenance import progress, recommend, routine, runner
from lib.maintenance.recommend import Recommendation
from lib.maintenance.target import KIND_WORDS, TYPED_KINDS

MARKS = {Severity.CRITICAL: "CRIT", Severity.WARNING: "WARN", Severity.INFO: "info", Severity.OK: " ok "}


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "fix", help="run the maintenance actions of the findings (confirmed, audited)",
        description="Run the actions that fix the findings of one database, one at a time, with the same "
        "rules as the app: actions must be enabled for the database, lock_timeout, one action per object, "
        "privileges checked first, everything written to the audit log. Asks on the terminal before each "
        "action unless --yes; refuses with no terminal. Exit 0 when every action was done (or there was "
        "nothing to do), 1 when one was refused or failed, 2 when nothing could be run.")
    add_target_arguments(parser)
    parser.add_argument("--check", action="append", metavar="CHECK_ID",
                        help="only findings of this check (an id or an id prefix; repeatable)")
    parser.add_argument("--object", metavar="NAME",
                        help="only actions on this object (schema.name or name); with --yes, a DROP INDEX "
                        "runs only when --object names that index (the typed-name confirmation), and a VACUUM "
                        "FULL only when it names that table")
    parser.add_argument("--weekly", action="store_true",
                        help="the weekly routine instead: VACUUM ANALYZE of the busiest tables, then the checks")
    parser.add_argument("--dry-run", action="store_true", help="print the SQL that would run; change nothing")
    parser.add_argument("--yes", action="store_true", help="do not ask before each action (for cron)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not (args.dry_run or args.yes or sys.stdin.isatty()):
        raise UsageError("no terminal to confirm on: pass --yes to run without asking, or --dry-run to see the SQL")
    db = open_database(args)
    try:
        recs = _weekly(db) if args.weekly else _recommendations(db, args.check)
        recs = [r for r in recs if _matches(r, args.object)]
        if not recs:
            print("Nothing to fix: no finding with an action matches.")
            return 0
        for rec in recs:
            _describe(rec)
        if args.dry_run:
            print(f"-- dry run: {plural(len(recs), 'action')} shown, nothing was run")
            return 0
        store = open_store(load_settings().store_url)
        try:
            outcomes = [_run_one(db, store, rec, args) for rec in recs]
        finally:
            store.close()
        if args.weekly:
            _weekly_checks(db)
        return 0 if all(o == "done" for o in outcomes) else 1
    finally:
        db.close()


def _recommendations(db, checks: list[str] | None) -> list[Recommendation]:
    result = run_checks(CheckContext(db, db.thresholds), checks)
    for check_id, error in result.errors.items():
        print(f"[fail] {check_id}: could not run: {error}", file=sys.stderr)
    invalid = []
    if not checks or any(recommend.INVALID_CHECK.startswith(c) for c in checks):
        invalid = db.rows("maint_invalid_indexes", {"oid": 0})
    return recommend.recommended(result.findings, invalid)


def _weekly(db) -> list[Recommendation]:
    return [Recommendation(t.action, Severity.INFO, f"weekly VACUUM ANALYZE: {t.changes:,} changes since the "
                           f"last vacuum/analyze, {t.dead_tuples:,} dead tuples", f"{t.schema}.{t.name}",
                           check="maintenance.weekly_routine") for t in routine.plan(db)]


def _matches(rec: Recommendation, name: str | None) -> bool:
    if not name:
        return True
    a = rec.action
    return name in (rec.object, a.target_name, f"{a.target_schema}.{a.target_name}")


def _describe(rec: Recommendation) -> None:
    print(f"[{MARKS[rec.severity]}] {rec.check} {rec.object}: {rec.title}")
    print(f"  {rec.action.sql};")
    if rec.action.lock:
        print(f"  -- lock: {rec.action.lock}")


def _run_one(db, store, rec: Recommendation, args) -> str:
    action = rec.action
    typed = None
    typed_kind = TYPED_KINDS.get(action.kind)
    if typed_kind:
        typed = action.target_name if args.yes and args.object in (
            action.target_name, f"{action.target_schema}.{action.target_name}") else None
    if action.kind == "vacuum_full" and args.yes and not (args.object and _matches(rec, args.object)):
        print("  refused: VACUUM FULL blocks every read and write of the table for the whole rewrite; with --yes "
              "it runs only when --object names that table")
        return "refused"
    if not args.yes:
        shown = f"{action.target_schema}.{action.target_name}" if action.target_schema else action.target_name
        question = (f"Type the {typed_kind} name to confirm {KIND_WORDS[action.kind]} of {shown}: " if typed_kind
                    else f"Run {action.sql}? [y/N] ")
        answer = input(question).strip()
        if typed_kind:
            typed = answer
        elif answer.lower() not in ("y", "yes"):
            print("  skipped")
            return "skipped"
    actor = runner.Actor(client="cli")
    started = runner.start(db, action, store, actor, typed_name=typed)
    try:
        _watch(db, started)
    except KeyboardInterrupt:
        runner.cancel(db, started)
        started.thread.join()
        print(f"  {started.state}: {started.message}")
        raise
    print(f"  {started.state} ({(started.duration_ms or 0) / 1000:.1f} s): {started.message}")
    for cleanup in started.cleanup:
        print(f"  cleanup: {cleanup.sql};  (python -m lib fix --check {recommend.INVALID_CHECK} "
              f"--object {cleanup.target_schema}.{cleanup.target_name})")
    for note in started.notes:
        print(f"  note: {note}")
    return started.state


def _watch(db, run: runner.ActionRun) -> None:
    """Wait for the run; on a terminal, show its progress on one line."""
    live = sys.stderr.isatty()
    while run.thread.is_alive():
        run.thread.join(timeout=1.0)
        if live and run.thread.is_alive():
            seen = progress.read(db, run.pid)
            if seen is not None:
                print(f"\r  {seen.text:<100}", end="", file=sys.stderr, flush=True)
    if live:
        print("\r" + " " * 102 + "\r", end="", file=sys.stderr, flush=True)


def _weekly_checks(db) -> None:
    result = run_checks(CheckContext(db, db.thresholds))
    left = [f for f in result.findings if f.severity >= Severity.WARNING]
    print(f"checks after the routine: {plural(len(left), 'finding')} at warning or above")
    for finding in left:
        print(f"[{MARKS[finding.severity]}] {finding.check:<32} {finding.object}: {finding.title}")
