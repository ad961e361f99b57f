"""What moved between two readings of cumulative counters, exact across resets and restarts.

A counter that went down restarted from zero, so the work since is its new value. When a reset is
known from its timestamp (pg_stat_statements_info.stats_reset, pg_stat_database.stats_reset, an
entry's own stats_since on PostgreSQL 17+), every counter restarted, even one that is now higher
than before. A clean server restart keeps the counters (they are saved to disk), so a new
postmaster start time alone proves nothing: only counters that went down restarted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def increment(previous: Mapping | None, current: Mapping, counters: Iterable[str],
              restarted: bool = False) -> tuple[dict, bool]:
    """(the work since `previous`, whether the counters restarted from zero)."""
    counters = tuple(counters)
    if previous is None or restarted or any(current[c] < previous[c] for c in counters):
        return {c: current[c] for c in counters}, True
    return {c: current[c] - previous[c] for c in counters}, False


def moved(delta: Mapping, counters: Iterable[str]) -> bool:
    return any(delta[c] for c in counters)
