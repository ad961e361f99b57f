"""What the table, index and schema checks share: rows without pandas' NaN, and finding lists capped
so 10,000 broken tables make a readable report (the first ones, then one finding counting the rest)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from lib.core.findings import Finding


def records(frame: pd.DataFrame | list[dict]) -> list[dict[str, Any]]:
    """Rows as dicts of plain Python values, NaN/NaT as None (NaN is truthy and compares false, and
    numpy's False is not `False`: both traps in conditions)."""
    rows = frame.to_dict("records") if isinstance(frame, pd.DataFrame) else frame
    return [{k: _plain(v) for k, v in row.items()} for row in rows]


def _plain(value: Any) -> Any:
    if _missing(value):
        return None
    return value.item() if isinstance(value, np.generic) else value


def _missing(value: Any) -> bool:
    if value is None or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def limited(frame: pd.DataFrame) -> tuple[list[dict[str, Any]], int]:
    """Rows of a query cut by LIMIT, and its `total` column (count(*) OVER (): the rows before the cut)."""
    return records(frame), int(frame["total"].iloc[0]) if not frame.empty else 0


def capped(rows: Iterable[dict], limit: int, build: Callable[[dict], Finding],
           more: Callable[[int], Finding], total: int | None = None) -> list[Finding]:
    """build() the first `limit` rows; past that, one finding from more(count of the rest)."""
    rows = list(rows)
    total = len(rows) if total is None else max(total, len(rows))
    findings = [build(row) for row in rows[:limit]]
    if total > limit:
        findings.append(more(total - limit))
    return findings


def stamp(value: Any) -> str:
    """A timestamp as evidence text ('never' when there is none)."""
    if value is None or _missing(value):
        return "never"
    if not hasattr(value, "year"):
        return str(value)
    moment = pd.Timestamp(value)
    moment = moment.tz_localize("UTC") if moment.tzinfo is None else moment.tz_convert("UTC")
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def more(ctx, check_id: str, severity, what: str, where: str) -> Callable[[int], Finding]:
    """The finding that counts what a capped list left out (on the database as a whole)."""
    def build(count: int) -> Finding:
        return Finding(check_id, severity, ctx.caps.database, f"…and {count:,} more {what}", {"more": count}, where)
    return build
