"""When autovacuum will next touch a table, in words, from one row of queries/table_health.sql.

The SQL works out each trigger's threshold (settings and the table's storage parameters); this says
which trigger is closest and how far it is.
"""

from __future__ import annotations

import math

from lib.core.fmt import fmt_count

# trigger -> (progress column, count column, threshold column, what it counts)
TRIGGERS = {
    "vacuum": ("vacuum_progress", "n_dead_tup", "vacuum_threshold", "dead rows"),
    "insert vacuum": ("insert_progress", "n_ins_since_vacuum", "insert_threshold", "inserted rows"),
    "analyze": ("analyze_progress", "n_mod_since_analyze", "analyze_threshold", "changed rows"),
    "anti-wraparound vacuum": ("freeze_progress", "xid_age", "freeze_max_age", "transactions"),
}


def _number(value) -> float | None:
    if value is None:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value


def closest_trigger(row: dict) -> tuple[str, float] | None:
    """The trigger nearest to firing and its progress (1.0 = fires at autovacuum's next round)."""
    found = [(name, _number(row.get(cols[0]))) for name, cols in TRIGGERS.items()]
    found = [(name, p) for name, p in found if p is not None]
    return max(found, key=lambda item: item[1]) if found else None


def _remaining(row: dict, trigger: str) -> str:
    _, count_col, threshold_col, unit = TRIGGERS[trigger]
    left = (_number(row.get(threshold_col)) or 0) - (_number(row.get(count_col)) or 0)
    return f"{trigger} after {fmt_count(max(left, 0))} more {unit}"


def next_autovacuum(row: dict) -> str:
    """'vacuum due now (4.0k dead rows over 2.1k)' / 'analyze after 1.2k more changed rows' / ..."""
    freeze = _number(row.get("freeze_progress")) or 0
    if freeze >= 1:
        return "anti-wraparound vacuum due now (it runs even with autovacuum off)"
    if not row.get("autovacuum_enabled"):
        return "never while autovacuum is off for it; " + _remaining(row, "anti-wraparound vacuum")
    closest = closest_trigger(row)
    if closest is None:
        return "no statistics yet"
    trigger, progress = closest
    if progress >= 1:
        _, count_col, threshold_col, unit = TRIGGERS[trigger]
        return (f"{trigger} due at the next autovacuum round ({fmt_count(_number(row.get(count_col)))} "
                f"{unit} over {fmt_count(_number(row.get(threshold_col)))})")
    return _remaining(row, trigger)
