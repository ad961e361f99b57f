"""`python -m lib report`: the weekly review from history, as text, JSON or a standalone HTML file."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from lib.cli import UsageError
from lib.cli.common import add_target_arguments
from lib.core.config import ConfigError, DatabaseConfig, load_settings, strip_pooler_flag, validated
from lib.core.fmt import fmt_bytes, fmt_pct
from lib.history import history_key, present, read
from lib.history.access import HistoryUnavailable, open_history
from lib.history.periods import PeriodError, between, iso_week, last_full_week
from lib.history.report_html import render
from lib.history.weekly import build_review


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "report", help="the weekly review from history (text, JSON or a standalone HTML file)",
        description="Compare a week (default: the last full ISO week, UTC) or any --since/--until period "
        "with the period just before it, from the snapshots in pgpulse's store. Needs no connection "
        "to the database itself.")
    add_target_arguments(parser)
    parser.add_argument("--week", metavar="YYYY-Www", help="an ISO week, e.g. 2026-W47")
    parser.add_argument("--since", metavar="ISO", help="start of a custom period (e.g. 2026-11-17T00:00)")
    parser.add_argument("--until", metavar="ISO", help="end of a custom period")
    parser.add_argument("--out", metavar="FILE.html", help="write the review as a standalone HTML file")
    parser.add_argument("--json", action="store_true", help="print the review as JSON")
    parser.set_defaults(func=run)


def period_of(args: argparse.Namespace):
    try:
        if args.week and (args.since or args.until):
            raise UsageError("give either --week or --since/--until, not both")
        if args.since or args.until:
            if not (args.since and args.until):
                raise UsageError("--since and --until go together")
            return between(args.since, args.until)
        return iso_week(args.week) if args.week else last_full_week()
    except PeriodError as exc:
        raise UsageError(str(exc)) from None


def target_key(args: argparse.Namespace, settings) -> str:
    """The history key of --db/--dsn, without connecting (history is in the store)."""
    try:
        if args.dsn:
            url, _ = strip_pooler_flag(args.dsn)
            return history_key(DatabaseConfig(name="dsn", conninfo=validated(url, "--dsn"), source="--dsn"))
        return history_key(settings.database(args.db or settings.databases[0].name))
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    period = period_of(args)
    settings = load_settings()
    key = target_key(args, settings)
    try:
        store = open_history(settings.store_url)
    except HistoryUnavailable as exc:
        raise UsageError(exc.notice) from None
    try:
        if not read.coverage(store, key)["snapshots"]:
            raise UsageError(f"no history for {key} yet: run `python -m lib snapshot` for it (from cron, or with "
                             "--every 5m), or leave the app running")
        review = build_review(store, key, period, settings.thresholds)
    finally:
        store.close()
    if args.out:
        Path(args.out).write_text(render(review), encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    if args.json:
        print(json.dumps(review.to_dict(), indent=2, default=str))
    elif not args.out:
        print("\n".join(summary(review)))
    return 0


def summary(review) -> list[str]:
    p, q = review.period, review.previous_period
    lines = [f"{review.database}: {p.label} ({p.describe()}) against {q.label}"
             + ("  [demo data]" if review.demo else "")]
    if review.empty:
        lines.append("  no snapshots in this period")
    for n in review.numbers:
        lines.append(f"  {n.label:<18} {present.value(n.value, n.unit):>12}  {present.delta(n) or ''}")
    sections = [("Top statements by total time", [
        f"{present.value(s['total_exec_ms'], 'ms'):>9}  {present.ratio_text(s['mean_change']):>7}  "
        f"{present.one_line(s['query'], 80)}" for s in review.statements[:5]]),
        ("Regressions", [f"{present.ratio_text(s['mean_change'])} {present.one_line(s['query'], 70)} "
                         f"{present.cause_line(s['cause'])}" for s in review.regressions]),
        ("New slow statements", [f"{present.value(s['mean_exec_ms'], 'ms')} {present.one_line(s['query'], 80)}"
                                 for s in review.new_slow]),
        ("Improvements", [f"{present.ratio_text(s['mean_change'])} {present.one_line(s['query'], 70)} "
                          f"{present.cause_line(s['cause'])}" for s in review.improvements]),
        ("Fastest growing tables", [f"+{present.value(g['growth_bytes'], 'bytes')} {g['table']}"
                                    for g in review.growing_tables]),
        ("New bloat and unused indexes",
         [f"{b['table']}: {fmt_pct(b['dead_ratio'])} dead tuples ({b['dead_tuples']:,})" for b in review.new_bloat]
         + [f"{i['index']}: {i['why']} ({fmt_bytes(i['size_bytes'])})" for i in review.new_unused_indexes]
         or ["none"]),
        (f"Findings: {len(review.findings_opened)} opened, {len(review.findings_resolved)} resolved",
         [f"opened    {f['title']} ({present.when(f['opened_at'])})" for f in review.findings_opened]
         + [f"resolved  {f['title']} ({present.when(f['resolved_at'])})" for f in review.findings_resolved]
         or ["no change"]),
        ("Actions taken", [present.action_line(a) for a in review.actions])]
    for title, items in sections:
        if items:
            lines += ["", title, *(f"  {i}" for i in items)]
    return lines
