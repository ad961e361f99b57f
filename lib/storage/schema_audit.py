"""The guide's schema advice measured on a live database: column types, constraints, keys,
sequences, soft deletes and materialized views.

Values are judged from the samples ANALYZE keeps in pg_stats (never by reading the tables), so a
column with no statistics yet is judged by its type and name only, or not at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from lib.storage.indexes import SOFT_DELETE_COLUMNS

# Names (PostgreSQL regular expressions, matched case-insensitively in SQL, then again here).
ID_NAME = r"(^|_)id$"
AMOUNT_NAME = r"(^|_)(amount|price|cost|total|subtotal|balance|fee|revenue|salary|tax|cents|money)(_|$)"
STATUS_NAME = r"(^|_)(status|state|stage|tier|phase|priority)$"
# Values (samples from pg_stats).
TIMESTAMP_VALUE = r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$"
TIMESTAMP_PREFIX = r"^\d{4}-\d{2}-\d{2}"  # what the SQL pre-filters text columns on
UUID_VALUE = r"^\{?[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\}?$"
INTEGER_VALUE = r"^-?\d{1,19}$"
NUMBER_VALUE = r"^-?\d+(\.\d+)?$"
SAMPLES = 30
TEXT_TYPES = {"text", "varchar", "bpchar"}
# Compiled once: classify runs on every candidate column (30,000 at 10,000 tables).
_ID, _AMOUNT, _STATUS = (re.compile(p, re.I) for p in (ID_NAME, AMOUNT_NAME, STATUS_NAME))
_TIMESTAMP, _UUID, _INTEGER, _NUMBER = (re.compile(p) for p in (TIMESTAMP_VALUE, UUID_VALUE, INTEGER_VALUE,
                                                                NUMBER_VALUE))


@dataclass(frozen=True)
class ColumnIssue:
    kind: str  # text_id, text_timestamp, timestamp_without_tz, money_float, money_text, status_unconstrained
    column: dict[str, Any]  # the row of queries/schema_columns.sql
    detail: str  # what was seen, in words


def _all_match(samples, pattern: re.Pattern) -> bool:
    values = [v for v in (samples or []) if v is not None]
    return bool(values) and all(pattern.match(v) for v in values)


def _distinct(row: dict) -> float | None:
    n = row.get("n_distinct")
    if n is None or pd.isna(n):
        return None
    return n if n > 0 else -n * (row.get("table_rows") or 0)


def classify(row: dict, status_max_distinct: int) -> list[ColumnIssue]:
    """The guide's complaints about one candidate column (a row of schema_columns.sql)."""
    name, base, samples = row["column_name"], row["base_type"], row.get("samples")
    found: list[ColumnIssue] = []
    text = base in TEXT_TYPES
    if text and _ID.search(name):
        if _all_match(samples, _UUID):
            found.append(ColumnIssue("text_id", row, f"{row['type']} holding UUIDs (e.g. {samples[0]})"))
        elif _all_match(samples, _INTEGER):
            found.append(ColumnIssue("text_id", row, f"{row['type']} holding integers (e.g. {samples[0]})"))
    if text and _all_match(samples, _TIMESTAMP):
        found.append(ColumnIssue("text_timestamp", row, f"{row['type']} holding timestamps (e.g. {samples[0]})"))
    if base == "timestamp":
        found.append(ColumnIssue("timestamp_without_tz", row, "timestamp without time zone"))
    if _AMOUNT.search(name):
        if base in ("float4", "float8", "money"):
            found.append(ColumnIssue("money_float", row, f"{row['type']}: binary fractions round money"))
        elif text and _all_match(samples, _NUMBER):
            found.append(ColumnIssue("money_text", row, f"{row['type']} holding numbers (e.g. {samples[0]})"))
    if text and _STATUS.search(name) and not (
            row["is_enum"] or row["domain_check"] or row["has_check"] or row["has_foreign_key"]):
        distinct = _distinct(row)
        if distinct is None or distinct <= status_max_distinct:
            seen = f"{distinct:.0f} distinct values" if distinct is not None else "no statistics yet"
            found.append(ColumnIssue("status_unconstrained", row,
                                     f"{row['type']} with no CHECK, enum or foreign key ({seen})"))
    return found


def column_issues(db) -> list[ColumnIssue]:
    text_names = "|".join(f"({p})" for p in (ID_NAME, AMOUNT_NAME, STATUS_NAME))
    rows = db.rows("schema_columns", {"samples": SAMPLES, "text_name_pattern": text_names,
                                      "timestamp_pattern": TIMESTAMP_PREFIX, "amount_pattern": AMOUNT_NAME})
    limit = db.thresholds.status_max_distinct
    return [issue for row in rows for issue in classify(row, limit)]


def issues_frame(issues: list[ColumnIssue]) -> pd.DataFrame:
    return pd.DataFrame([{"kind": i.kind, "display": i.column["display"], "type": i.column["type"],
                          "detail": i.detail, "table_rows": i.column["table_rows"]} for i in issues],
                        columns=["kind", "display", "type", "detail", "table_rows"])


def tables_without_pk(db, limit: int | None = None) -> pd.DataFrame:
    return db.frame("tables_without_pk", {"limit": limit})


def sequences_near_max(db, min_ratio: float, limit: int | None = None) -> pd.DataFrame:
    return db.frame("sequences_usage", {"min_ratio": min_ratio, "limit": limit})


def matviews(db, limit: int | None = None) -> pd.DataFrame:
    return db.frame("matviews", {"limit": limit})


def partial_on_live_rows(predicate: str | None) -> bool:
    """Is the index partial on the live rows of a soft-delete table (WHERE deleted_at IS NULL)?"""
    if not isinstance(predicate, str):  # None, or NaN from a frame
        return False
    return any(re.search(rf'(^|[^a-z0-9_"]){col}\s+IS\s+NULL', predicate, re.I) for col in SOFT_DELETE_COLUMNS)


def soft_delete_indexes(cat: pd.DataFrame) -> pd.DataFrame:
    """Used indexes of soft-delete tables that also index the deleted rows, most used first."""
    if cat.empty:
        return cat
    mask = (cat["soft_delete_table"] & cat["droppable"] & cat["idx_scan"].fillna(0).gt(0)
            & ~cat["predicate"].map(partial_on_live_rows))
    return cat[mask].sort_values(["idx_scan", "display"], ascending=[False, True], ignore_index=True)
