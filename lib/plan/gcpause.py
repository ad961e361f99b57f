"""Hold Python's cyclic garbage collector while a large plan is read.

Reading a 10,000-node plan makes a few hundred thousand objects that all stay alive until it
is done (pasted lines, joined lines, then the plan's own dicts and lists), and none of them
form cycles. Each full pass of the collector meanwhile walks everything the process holds:
a fifth to a third of the time bench/bench_plan.py measured for a large TEXT plan. Reference counting still frees what dies; the
collector only waits, and starts again as soon as the last reader is done.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0
_was_enabled = False


@contextmanager
def paused() -> Iterator[None]:
    """Collector off inside (across threads: on again when the last holder leaves, if it was on)."""
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.enable()
