"""Where a statement to EXPLAIN comes from: a pg_stat_statements entry of this database."""

from __future__ import annotations

from dataclasses import dataclass

from lib.core.db import Database
from lib.plan.filters import quote_ident


@dataclass(frozen=True)
class StatementSource:
    queryid: int
    query: str
    calls: int
    mean_exec_ms: float


def parse_queryid(value: str | int | None) -> int | None:
    """A queryid from a URL (?queryid=-123...): a signed 64-bit integer, else None."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if -(2**63) <= number < 2**63 else None


def statement_text(db: Database, queryid: int) -> StatementSource | None:
    """The full text pg_stat_statements keeps for `queryid` in this database, or None."""
    if not db.capabilities.has_pgss:
        return None
    row = db.one("explain_statement_text", {"queryid": queryid})
    if row is None:
        return None
    return StatementSource(queryid, row["query"], int(row["calls"]), float(row["mean_exec_ms"]))


def table_schema(db: Database, table: str, schema: str | None = None) -> str | None:
    """The schema of a table a plan names (its own when printed), or None when no such table is visible."""
    relation = f"{quote_ident(schema)}.{quote_ident(table)}" if schema else quote_ident(table)
    row = db.one("explain_table_schema", {"relation": relation})
    return row["schema"] if row else None
