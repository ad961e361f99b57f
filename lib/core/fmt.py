"""Numbers for humans: ms, MB, %."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta


def fmt_ms(ms: float | None) -> str:
    if ms is None or (isinstance(ms, float) and math.isnan(ms)):
        return "–"
    if ms < 1:
        return f"{ms:.2f} ms"
    if ms < 1000:
        return f"{ms:.0f} ms" if ms >= 100 else f"{ms:.1f} ms"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def fmt_bytes(n: float | None) -> str:
    if n is None:
        return "–"
    value = float(n)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(value) < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" or value >= 100 else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} PB"


def fmt_pct(ratio: float | None, digits: int = 0) -> str:
    if ratio is None:
        return "–"
    return f"{ratio * 100:.{digits}f}%"


def fmt_count(n: float | None) -> str:
    if n is None:
        return "–"
    n = float(n)
    for unit, size in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.1f}{unit}"
    return f"{n:.0f}"


def fmt_age(when: datetime | None, now: datetime | None = None) -> str:
    """'3 h ago' style age of a timestamp."""
    if when is None:
        return "never"
    now = now or datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    delta = now - when
    if delta < timedelta(minutes=1):
        return "just now"
    if delta < timedelta(hours=1):
        return f"{delta.seconds // 60} min ago"
    if delta < timedelta(days=2):
        return f"{delta.total_seconds() / 3600:.0f} h ago"
    return f"{delta.days} days ago"


def fmt_evidence(key: str, value) -> str:
    """Format one evidence value by what its key says it is."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return str(value)
    if key.endswith("_ms"):
        return fmt_ms(value)
    if key.endswith("_bytes"):
        return fmt_bytes(value)
    if "ratio" in key or "share" in key or key.endswith("_pct"):
        return fmt_pct(value, 1)
    return f"{value:,}" if isinstance(value, int) else f"{value:,.2f}"


def one_line(text: str | None, width: int) -> str:
    """A text (a statement, usually) on one line of at most `width` characters, cut with an ellipsis."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


STATEMENT_LABEL_WIDTH = 70


def statement_label(text: str | None, queryid: int | str | None = None, width: int = STATEMENT_LABEL_WIDTH) -> str:
    """How a statement is named for people: its text on one line, shortened (never a bare queryid while the
    text is known); a statement whose text is hidden or gone says so with its queryid."""
    shown = one_line(text, width)
    if shown:
        return shown
    return f"statement {queryid} (text not visible)" if queryid is not None else "statement (text not visible)"
