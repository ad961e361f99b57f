"""Numbers for humans: ms, MB, %, counted words, evidence in words.

Sizes use PostgreSQL's units, as pg_size_pretty prints them: 1 kB = 1024 bytes, 1 MB = 1024² bytes,
1 GB = 1024³ bytes, always with a space before the unit ("71.9 MB", "0 B"). Every page, the CLI and
the reports format through this module, so a figure reads the same everywhere."""

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
    try:
        value = float(n)
    except (TypeError, ValueError):  # None, pandas' NA
        return "–"
    if math.isnan(value):
        return "–"
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


def plural(n: float, word: str, words: str | None = None) -> str:
    """'1 call', '2 calls', '1,234 calls' (`words` for irregular plurals)."""
    number = f"{int(n):,}" if float(n).is_integer() else f"{n:,.1f}"
    return f"{number} {word if n == 1 else (words or word + 's')}"


def fmt_days(days: float | None) -> str:
    """An age or a period given in days: '40 min', '5 h', '1 day', '3 days'."""
    if days is None or (isinstance(days, float) and math.isnan(days)):
        return "–"
    hours = days * 24
    if hours * 60 < 1:
        return "under a minute"
    if hours < 1:
        return f"{hours * 60:.0f} min"
    if days < 2:
        return f"{hours:.0f} h"
    return plural(round(days), "day")


# Evidence keys whose words are not simply the key without its unit suffix.
EVIDENCE_WORDS = {
    "stats_age_days": "statistics age", "statistics_since": "statistics since",
    "index_bytes": "index size", "table_bytes": "table size", "total_bytes": "total size",
    "size_bytes": "size", "limit_bytes": "limit", "expected_bytes": "size needed for its rows",
    "bloat_bytes": "bloat", "temp_bytes": "temporary files", "n_dead_tup": "dead tuples",
    "xid_age": "transaction ID age", "wraparound_share": "share of the way to wraparound",
    "table_writes_since_reset": "table writes since stats reset", "mean_exec_ms": "mean time",
    "total_exec_ms": "total time", "load_share": "share of load",
    "maintenance_temp_bytes": "temporary files of maintenance commands",
    "freeze_max_age": "autovacuum_freeze_max_age",
}
UNIT_SUFFIXES = ("_bytes", "_ms", "_days", "_s", "_pct")
# Evidence keys that are PostgreSQL setting names: shown as written, so they can be looked up and set.
SETTING_NAMES = frozenset({
    "work_mem", "maintenance_work_mem", "random_page_cost", "log_min_duration_statement", "track_io_timing",
    "track_counts", "compute_query_id", "max_connections", "idle_in_transaction_session_timeout",
    "shared_buffers", "effective_cache_size", "autovacuum_freeze_max_age",
})


def evidence_label(key: str) -> str:
    """An evidence key in words: 'stats_age_days' -> 'statistics age', 'dead_tuples' -> 'dead tuples'."""
    if key in EVIDENCE_WORDS:
        return EVIDENCE_WORDS[key]
    if key in SETTING_NAMES:
        return key
    for suffix in UNIT_SUFFIXES:
        if key.endswith(suffix):
            key = key[: -len(suffix)]
            break
    return key.replace("_", " ")


def fmt_evidence(key: str, value) -> str:
    """Format one evidence value by what its key says it is."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if not isinstance(value, int | float):
        return str(value)
    if key.endswith("_ms"):
        return fmt_ms(value)
    if key.endswith("_bytes"):
        return fmt_bytes(value)
    if key.endswith("_days"):
        return fmt_days(value)
    if key.endswith("_s"):
        return fmt_ms(value * 1000)
    if "ratio" in key or "share" in key or key.endswith("_pct"):
        return fmt_pct(value, 1)
    return f"{value:,}" if isinstance(value, int) else f"{value:,.2f}"


def evidence_text(evidence: dict, sep: str = " · ") -> str:
    """A Finding's evidence for people: 'statistics age: 3 days · index size: 8.0 kB'."""
    return sep.join(f"{evidence_label(k)}: {fmt_evidence(k, v)}" for k, v in evidence.items())


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
