"""`python -m lib COMMAND ...`: every module in this package adds one subcommand.

A command module defines `register(subparsers)`, which adds its parser and sets
`func=callable(args) -> int` as the default. Exit codes: 0 ok, 1 findings reached the
fail level (where it applies), 2 could not do the job (bad arguments, unreachable database).
"""

import argparse
import importlib
import pkgutil
import sys


class UsageError(Exception):
    """Bad arguments or input: printed as one line on stderr, exit 2."""


class Parser(argparse.ArgumentParser):
    """argparse whose bad-argument message is one line, like every other failure (subcommands too)."""

    def error(self, message: str):
        command = self.prog.removeprefix("python -m lib").strip()
        print(f"pgpulse: {command + ': ' if command else ''}{message} (see {self.prog} --help)", file=sys.stderr)
        sys.exit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="python -m lib", description="pgpulse command line")
    sub = parser.add_subparsers(dest="command", required=True)
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "register"):
            module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad arguments, 0 on --help
        return int(exc.code or 0)
    try:
        return int(args.func(args) or 0)
    except UsageError as exc:
        print(f"pgpulse: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
