"""The checks: every module here registers its checks with lib.core.findings.check; importing the
package loads them all. `run_checks` runs them (one failing check never stops the rest) and drops what they
find about pgpulse's own objects (lib.storage.own)."""

from __future__ import annotations

import importlib
import pkgutil
import time
from collections.abc import Iterable

from lib.core.errors import describe
from lib.core.findings import REGISTRY, CheckContext, CheckRun, CheckSpec, Finding, finding_order
from lib.storage import own

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")


def load_checks() -> dict[str, CheckSpec]:
    return REGISTRY


def check_ttls() -> list[int]:
    """The distinct TTLs the registered checks declare, shortest first."""
    return sorted({spec.ttl for spec in load_checks().values()})


def own_objects(ctx: CheckContext) -> own.OwnObjects | None:
    """pgpulse's own objects in the database (never findings); None when they cannot be read."""
    try:
        return ctx.memo("own_objects", lambda: own.collect(ctx.db))
    except Exception:  # noqa: BLE001 - the findings stand; they may then name a store table
        return None
# `only` word for the findings that answer a Supabase lint, whatever check made them.
SUPABASE = "supabase"


def run_checks(ctx: CheckContext, only: Iterable[str] | None = None, ttl: int | None = None) -> CheckRun:
    """Run every check (or those whose id starts with one of `only`, or that declare `ttl`); one failing
    check never stops the rest. `only` may hold the word "supabase": every check then runs, and of the
    checks not otherwise selected only the findings that answer a Supabase lint are kept (pgpulse's own
    index, table and schema checks answer Supabase's performance lints)."""
    specs = load_checks().values()
    lints_too, prefixes = False, ()
    if only:
        wanted = tuple(only)
        prefixes = tuple(p for p in wanted if p != SUPABASE)
        lints_too = len(prefixes) < len(wanted)
        if not lints_too:
            specs = [s for s in specs if s.id.startswith(prefixes)]
    if ttl is not None:
        specs = [s for s in specs if s.ttl == ttl]
    findings: list[Finding] = []
    errors: dict[str, str] = {}
    started = time.time()
    for spec in specs:
        try:
            found = spec.func(ctx)
            if lints_too and not spec.id.startswith(prefixes or (f"{SUPABASE}.",)):
                found = [f for f in found if f.supabase_lint]
            findings.extend(found)
        except Exception as exc:  # noqa: BLE001 - a check's failure is reported, not raised
            errors[spec.id] = describe(exc).line()
    mine = own_objects(ctx) if findings else None
    if mine is not None:
        findings = [f for f in findings if not mine.about(f)]
    findings.sort(key=finding_order)
    return CheckRun(findings, errors, started)
