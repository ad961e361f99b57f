"""Hooks into modules that may not exist yet.

Before a pg_stat_statements reset, a history module can keep what the reset throws away. Contract:
if `lib.history` defines `snapshot_before_reset(db, store) -> str | None`, it is called first; it
takes a statistics snapshot of `db` into `store` and returns a short sentence for the person (or None
when history is not enabled for that database). If it raises, the reset is refused: statistics are
never thrown away unsaved when saving them was asked for.
"""

from __future__ import annotations

import importlib

from lib.errors import describe
from lib.maintenance.precheck import Refused

HISTORY_MODULE = "lib.history"
SNAPSHOT_FUNCTION = "snapshot_before_reset"


def history_hook():
    try:
        module = importlib.import_module(HISTORY_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name == HISTORY_MODULE:
            return None
        raise
    return getattr(module, SNAPSHOT_FUNCTION, None)


def snapshot_before_reset(db, store) -> str | None:
    hook = history_hook()
    if hook is None:
        return None
    try:
        return hook(db, store)
    except Exception as exc:  # noqa: BLE001 - any failure refuses the reset
        raise Refused(f"The statistics snapshot before the reset failed ({describe(exc).line()}); "
                      "nothing was reset.") from None
