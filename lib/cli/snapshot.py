"""`python -m lib snapshot`: record a history snapshot of one database, once (for cron) or in a loop."""

from __future__ import annotations

import argparse
import re
import sys
import time
from dataclasses import replace

from lib.cli import UsageError
from lib.cli.common import add_target_arguments, open_database
from lib.core.config import load_settings
from lib.core.errors import describe
from lib.history import findings_log, history_key
from lib.history.access import HistoryUnavailable, open_history
from lib.history.snapshot import take_snapshot

DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(s|m|min|h)?$")
UNITS = {None: 1, "s": 1, "m": 60, "min": 60, "h": 3600}


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "snapshot", help="record a history snapshot (never resets any statistics)",
        description="Record one snapshot of the database's statistics into pgpulse's store, or one every "
        "DURATION with --every. Several processes share the work: an interval's snapshot is taken once.")
    add_target_arguments(parser)
    parser.add_argument("--every", metavar="DURATION", help="keep running, one snapshot every DURATION "
                        "(e.g. 5m, 1h, 300s)")
    parser.add_argument("--force", action="store_true",
                        help="take it now even if another process took this interval's snapshot")
    parser.set_defaults(func=run)


def parse_duration(text: str) -> float:
    match = DURATION.match(text.strip().lower())
    if not match or float(match[1]) <= 0:
        raise UsageError(f"--every {text!r} is not a duration: write it like 5m, 1h or 300s")
    return float(match[1]) * UNITS[match[2]]


def run(args: argparse.Namespace) -> int:
    every = parse_duration(args.every) if args.every else None
    settings = load_settings()
    try:
        store = open_history(settings.store_url)
    except HistoryUnavailable as exc:
        raise UsageError(exc.notice) from None
    db = open_database(args)
    if every:
        db.thresholds = replace(db.thresholds, history_interval_s=int(every))
    key = history_key(db.config)
    try:
        while True:
            started = time.monotonic()
            try:
                result = take_snapshot(db, store, key, force=args.force)
                print(result.line(), flush=True)
                if not result.skipped and findings_log.due(store, key, db.thresholds.history_findings_interval_s):
                    opened, resolved = findings_log.record_checks(db, store, key)
                    print(f"{key}: findings recorded ({opened} opened, {resolved} resolved)", flush=True)
            except Exception as exc:  # noqa: BLE001 - a sentence, then exit 2 (once) or try again (loop)
                if not every:
                    raise UsageError(describe(exc, db.config.display).line()) from None
                print(f"pgpulse: {describe(exc, db.config.display).line()}", file=sys.stderr, flush=True)
            if not every:
                return 0
            time.sleep(max(1.0, every - (time.monotonic() - started)))
    finally:
        db.close()
        store.close()
