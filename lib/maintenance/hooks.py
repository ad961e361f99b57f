"""Hooks into modules that live beside maintenance: the statistics snapshot before a reset.

Before a pg_stat_statements reset, the history module keeps what the reset throws away. The hook is
found by name, so maintenance works with or without history:
1. `lib.history.snapshot_before_reset(db, store) -> str | None` when the module defines it (a sentence
   for the person, or None when history is not kept for that database);
2. otherwise `lib.history.snapshot.take_snapshot(db, store, force=True)`: a snapshot now, whatever the
   interval, into the same store as the audit log.
If the snapshot raises, the reset is refused: statistics are never thrown away unsaved when saving
them was possible.
"""

from __future__ import annotations

import importlib

from lib.core.errors import describe
from lib.maintenance.precheck import Refused

HISTORY_MODULE = "lib.history"
SNAPSHOT_FUNCTION = "snapshot_before_reset"


def _module(name: str):
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if name.startswith(exc.name or "\0"):
            return None
        raise


def history_hook():
    """The function to call before a reset, or None when there is no history module."""
    history = _module(HISTORY_MODULE)
    if history is None:
        return None
    explicit = getattr(history, SNAPSHOT_FUNCTION, None)
    if explicit is not None:
        return explicit
    snapshot = _module(f"{HISTORY_MODULE}.snapshot")
    take = getattr(snapshot, "take_snapshot", None)
    if take is None:
        return None
    return lambda db, store: f"History snapshot before the reset: {take(db, store, force=True).line()}"


def snapshot_before_reset(db, store) -> str | None:
    hook = history_hook()
    if hook is None:
        return None
    try:
        return hook(db, store)
    except Exception as exc:  # noqa: BLE001 - any failure refuses the reset
        raise Refused(f"The statistics snapshot before the reset failed ({describe(exc).line()}); "
                      "nothing was reset.") from None
