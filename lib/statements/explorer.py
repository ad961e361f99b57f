"""The statements explorer's data: pg_stat_statements of the current database, one row per query text.

Everything heavy happens in SQL (queries/statements_list*.sql): grouping the queryids that share a
normalized text, filtering, sorting and paging, with texts cut short; only the drill-down reads a
whole text. The app's own statements (tagged /* pgpulse */) and other databases are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from lib.core import fmt, statement_kind

SORTS = {"total": "Total time", "mean": "Mean time", "calls": "Calls", "io": "I/O", "temp": "Temp written"}
# The first keyword decides the kind in SQL; WITH counts as select. 'unknown' is a hidden or missing text.
# 'maintenance' (ANALYZE, VACUUM, REFRESH, CREATE INDEX, other DDL: lib.core.statement_kind) is listed only when
# asked for: such statements are not queries.
KINDS = ("select", "insert", "update", "delete", "merge", "utility", "maintenance", "unknown")
PAGE_SIZE = 50
LIST_TEXT_CHARS = 300  # characters of each text in list queries; the drill-down shows it whole
BUSIEST_LIMIT = 500  # statements whose SQL is read (lint, targets, N+1): the busiest by total time
PARSE_MAX_BYTES = 100_000  # longer texts are not parsed on page loads


@dataclass(frozen=True)
class Filters:
    role: str | None = None
    min_calls: int = 0
    search: str = ""
    kinds: tuple[str, ...] = ()  # empty: every kind
    sort: str = "total"

    def params(self) -> dict[str, Any]:
        if self.sort not in SORTS:
            raise ValueError(f"unknown sort {self.sort!r}: use one of {', '.join(SORTS)}")
        unknown = set(self.kinds) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown statement kind(s): {', '.join(sorted(unknown))}")
        return {"role": self.role or None, "min_calls": max(int(self.min_calls), 0),
                "search": (self.search or "").strip(), "kinds": list(self.kinds), "sort": self.sort}


@dataclass(frozen=True)
class StatementPage:
    frame: pd.DataFrame  # one row per statement (see queries/statements_list.sql for the columns)
    matching: int  # statements matching the filters, over every page
    offset: int
    limit: int


@dataclass(frozen=True)
class StatementText:
    """A busy statement with its whole text (None when longer than PARSE_MAX_BYTES)."""

    queryid: int
    queryids: tuple[int, ...]
    query: str | None
    query_bytes: int
    calls: int
    total_exec_ms: float
    mean_exec_ms: float
    rows: int
    rows_per_call: float
    load_share: float

    @property
    def short(self) -> str:
        return one_line(self.query or "", 90) or f"(text of {self.query_bytes:,} bytes not read)"


def list_page(db, filters: Filters = Filters(), limit: int = PAGE_SIZE, offset: int = 0,
              text_chars: int = LIST_TEXT_CHARS) -> StatementPage:
    params = {**filters.params(), "limit": max(int(limit), 1), "offset": max(int(offset), 0),
              "text_chars": text_chars, "slow_ms": db.thresholds.slow_query_ms, **statement_kind.params()}
    frame = db.frame("statements_list", params)
    source = frame
    if not len(frame) and params["offset"]:
        # past the last page (the list shrank, e.g. after a reset): count what matches from the start
        source = db.frame("statements_list", {**params, "offset": 0, "limit": 1})
    matching = int(source["matching"].iloc[0]) if len(source) else 0
    # queryids come as text: a column of int64 with NULLs (hidden texts) would become float and lose digits
    frame["queryid"] = pd.array([None if pd.isna(q) else int(q) for q in frame["queryid"]], dtype="Int64")
    return StatementPage(frame.drop(columns=["matching"]), matching, params["offset"], params["limit"])


def detail(db, queryid: int) -> dict[str, Any] | None:
    """Every counter of the statement with this queryid (and its text's other queryids), or None if gone."""
    return db.one("statement_detail", {"queryid": queryid, "slow_ms": db.thresholds.slow_query_ms})


def busiest(db, limit: int = BUSIEST_LIMIT, max_bytes: int = PARSE_MAX_BYTES) -> list[StatementText]:
    rows = db.rows("statement_texts", {"limit": limit, "max_bytes": max_bytes})
    return [StatementText(
        queryid=r["queryid"], queryids=tuple(r["queryids"] or ()), query=r["query"], query_bytes=r["query_bytes"],
        calls=int(r["calls"]), total_exec_ms=float(r["total_exec_ms"]), mean_exec_ms=float(r["mean_exec_ms"] or 0),
        rows=int(r["rows"]), rows_per_call=float(r["rows_per_call"] or 0), load_share=float(r["load_share"] or 0),
    ) for r in rows]


def roles(db) -> list[str]:
    return [r["role"] for r in db.rows("statement_roles")]


def totals(db) -> dict[str, Any]:
    """Calls, time, slow statements, last reset and evictions of this database's statements."""
    return db.one("pgss_totals", {"slow_ms": db.thresholds.slow_query_ms, **statement_kind.params()}) or {}


def one_line(text: str, width: int = 120) -> str:
    return fmt.one_line(text, width)
