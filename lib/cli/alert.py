"""`python -m lib alert`: evaluate the alert rules once and send what is new, due again or resolved (for cron)."""

from __future__ import annotations

import argparse
import sys

from lib.alerts import config as alerts_config
from lib.alerts import engine
from lib.cli import UsageError
from lib.cli.common import add_target_arguments, open_database
from lib.core.config import ConfigError, load_settings
from lib.core.fmt import plural
from lib.core.store import open_store


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("alert", help="evaluate the alert rules and send notifications",
                            description="Evaluate the alert rules of [pgpulse.alerts] against one database and "
                            "notify the configured webhook and e-mail of new breaches, breaches due again and "
                            "recoveries. Exit 0 when nothing fires, 1 when an alert fires, 2 when the database "
                            "could not be checked or a notification could not be sent.")
    add_target_arguments(parser)
    parser.add_argument("--dry-run", action="store_true",
                        help="print what would be sent; send nothing and leave the alert state as it is")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
        config = alerts_config.from_settings(settings)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    db = open_database(args)
    store = open_store(settings.store_url)
    try:
        result = engine.run_once(db, config, store, dry_run=args.dry_run)
    finally:
        db.close()
        store.close()
    if not config.channels:
        print("no channel configured ([pgpulse.alerts.webhook] or [pgpulse.alerts.email]): nothing is sent")
    for n in result.notifications:
        where = "; ".join(f"{d.channel} {'ok' if d.ok else 'FAILED'}: {d.detail}" for d in n.deliveries)
        status = "would send" if args.dry_run else (where or "recorded")
        print(f"[{n.kind}] {n.rule} {n.object}: {n.text} -> {status}")
    for rule, error in result.evaluation.errors.items():
        print(f"pgpulse: rule {rule} could not run: {error}", file=sys.stderr)
    for failure in result.failures:
        print(f"pgpulse: {failure.channel}: {failure.detail}", file=sys.stderr)
    firing = len(result.evaluation.breaches)
    print(f"{plural(firing, 'alert')} firing, {plural(len(result.notifications), 'notification')}"
          + (" planned (dry run)" if args.dry_run else ""))
    if result.failures or (result.evaluation.errors and not result.evaluation.evaluated):
        return 2
    return 1 if firing else 0
