"""What several commands share: choosing the database (--db NAME | --dsn URL) and connecting to it."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace

from lib.cli import UsageError
from lib.core.config import (
    ConfigError,
    DatabaseConfig,
    is_pooler,
    load_settings,
    strip_pooler_flag,
    validated,
    with_conninfo,
)
from lib.core.db import Database
from lib.core.errors import PgPulseError, describe


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--db", metavar="NAME", help="a database configured in .streamlit/secrets.toml "
                       "([connections.NAME]), 'env' for DATABASE_URL, or 'demo' for the embedded demo")
    group.add_argument("--dsn", metavar="URL", help="a libpq connection string or postgresql:// URL")


def open_database(args: argparse.Namespace, progress_to_stderr: bool = True) -> Database:
    """The chosen database, connected and with its capabilities detected; UsageError when it cannot be."""
    try:
        settings = load_settings()
        if args.dsn:
            url, flagged = strip_pooler_flag(args.dsn)

            config = DatabaseConfig(name="dsn", conninfo=validated(url, "--dsn"), source="--dsn",
                                    pooler=is_pooler(url, flagged),
                                    actions_enabled=os.environ.get("PGPULSE_ACTIONS") == "1")
            # The same target as a configured database is that database (its history, its options):
            # `snapshot --dsn $DATABASE_URL` beside the app must not start a second history.
            config = next((replace(c, conninfo=config.conninfo) for c in settings.databases
                           if not c.embedded and c.display == config.display), config)
        else:
            name = args.db or settings.databases[0].name
            config = settings.database(name)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    if config.embedded:
        from lib.demo import server as demo

        def report(fraction: float, text: str) -> None:
            if progress_to_stderr:
                print(f"[{fraction:4.0%}] {text}", file=sys.stderr)

        try:
            config = with_conninfo(config, demo.ensure_demo(report))
        except Exception as exc:  # noqa: BLE001
            raise UsageError(f"the embedded demo database could not start: {exc}") from None
    db = Database(config, settings.thresholds)
    try:
        db.capabilities  # noqa: B018 - connects and detects, so failure is reported here
    except PgPulseError as exc:
        db.close()
        raise UsageError(exc.problem.line()) from None
    except Exception as exc:  # noqa: BLE001
        db.close()
        raise UsageError(describe(exc, config.display).line()) from None
    if db.capabilities.version_problem():
        print(f"pgpulse: warning: {db.capabilities.version_problem()}", file=sys.stderr)
    return db
