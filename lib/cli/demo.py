"""`python -m lib demo`: start (or create) the embedded demo database and leave it running."""

from __future__ import annotations

import argparse
import sys

from lib.cli import UsageError
from lib.demo import server as demo


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("demo", help="start the embedded demo database and print its URL",
                            description="Start (creating and loading it the first time) the embedded "
                            "PostgreSQL 18 demo database, print its URL and leave it running.")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--stop", action="store_true", help="stop the demo server")
    group.add_argument("--reset", action="store_true", help="delete the demo database; the next start rebuilds it")
    group.add_argument("--workload", type=int, metavar="ROUNDS", help="start the demo, then run its workload "
                       "ROUNDS more times (fresh statistics after a reset)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.stop:
        print("demo stopped" if demo.stop() else "demo was not running")
        return 0
    if args.reset:
        demo.reset()
        print(f"demo deleted ({demo.demo_home()}); `python -m lib demo` builds it again")
        return 0
    try:
        url = demo.ensure_demo(lambda f, text: print(f"[{f:4.0%}] {text}", file=sys.stderr))
    except Exception as exc:  # noqa: BLE001
        raise UsageError(f"the embedded demo database could not start: {exc}") from None
    if args.workload:
        from lib.demo import content

        if args.workload < 1:
            raise UsageError("--workload takes a number of rounds of at least 1")
        content.run_workload(url, lambda f, text: print(f"[{f:4.0%}] {text}", file=sys.stderr), rounds=args.workload)
    print(url)
    return 0
