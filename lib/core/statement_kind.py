"""Maintenance and DDL statements (ANALYZE, VACUUM, REFRESH MATERIALIZED VIEW, CREATE / REINDEX INDEX,
ALTER, DROP...) are not queries: a slow VACUUM is no slow query. They stay out of the slow-statement
counts, the slow-query finding and alert, and the performance targets, and are listed apart.

A statement's kind is its leading keyword, after comments and parentheses. The SQL files that count or
list statements (pgss_totals, slow_statements, statements_list) read the same word with the same
pattern and take MAINTENANCE_WORDS as the `maintenance_words` parameter (`params()`), so the list lives
here only.
"""

from __future__ import annotations

import re

MAINTENANCE_WORDS = ("vacuum", "analyze", "analyse", "refresh", "reindex", "cluster", "create", "alter", "drop",
                     "truncate", "comment", "grant", "revoke", "security", "checkpoint", "import")
# the same pattern as the SQL files' `substring(... FROM '^(?:\s|/\*.*?\*/|--[^\n]*|\()*([A-Za-z]+)')`
LEAD_WORD = re.compile(r"^(?:\s|/\*.*?\*/|--[^\n]*|\()*([A-Za-z]+)", re.S)


def lead_word(text: str | None) -> str:
    found = LEAD_WORD.match((text or "")[:2000])
    return found[1].lower() if found else ""


def is_maintenance(text: str | None) -> bool:
    """A maintenance or DDL statement (not a query), by its leading keyword."""
    return lead_word(text) in MAINTENANCE_WORDS


def params() -> dict[str, list[str]]:
    """The parameter the statement-counting SQL files take."""
    return {"maintenance_words": list(MAINTENANCE_WORDS)}
