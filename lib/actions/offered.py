"""The maintenance actions an object offers from its row in a list (Tables and Indexes pages).

A row is a dict of the list's frame (schema, name, kind... as queries/table_list.sql, table_health.sql
and index_catalog.sql name them). The actions come from lib.actions.builders, so their SQL quotes any name; what
an object cannot do is said in a note instead of a button that would only fail.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from lib.actions import builders
from lib.core.findings import Action


@dataclass(frozen=True)
class RowActions:
    target: str  # the object as the list shows it (quoted where needed)
    actions: tuple[Action, ...]
    notes: tuple[str, ...] = ()


def for_table(row: Mapping[str, Any], matview: Mapping[str, Any] | None = None) -> RowActions:
    """VACUUM (ANALYZE) and ANALYZE of a table, a partition, a partitioned table or a materialized view; a
    materialized view also refreshes (`matview`: its queries/matviews.sql row, for CONCURRENTLY)."""
    schema, name, kind = row["schema"], row["name"], row.get("kind")
    offered = [builders.vacuum(schema, name, analyze=True), builders.analyze(schema, name)]
    notes = []
    if kind == "partitioned":
        notes.append("A partitioned table is vacuumed and analyzed partition by partition, in one statement.")
    if kind == "materialized view":
        concurrent = bool(matview and matview.get("populated") and matview.get("has_unique_index"))
        offered.append(builders.refresh_matview(schema, name, concurrently=concurrent))
        if not concurrent:
            notes.append("This materialized view refreshes with an exclusive lock that blocks its readers: a "
                         "unique index on plain columns (no WHERE) lets it refresh CONCURRENTLY.")
    return RowActions(row["display"], tuple(offered), tuple(notes))


def drop_wait_until(scans: Any, stats_age: timedelta | None, min_days: float,
                    now: datetime | None = None) -> datetime | None:
    """When an index never scanned may be called unused and dropped: None when it may be now (it was scanned,
    or the statistics cover `min_days` (`unused_index_min_stats_age_days`)), else the moment they will."""
    if scans is None or (isinstance(scans, float) and math.isnan(scans)) or int(scans) > 0:
        return None
    if stats_age is None:
        stats_age = timedelta(0)
    left = timedelta(days=min_days) - stats_age
    return (now or datetime.now(UTC)) + left if left > timedelta(0) else None


def wait_note(until: datetime) -> str:
    return (f"Never scanned, but its statistics are too young to call it unused: no DROP INDEX before "
            f"{until:%Y-%m-%d %H:%M} UTC, when they cover enough normal traffic (monthly jobs too).")


def for_index(row: Mapping[str, Any], stats_age: timedelta | None = None, min_days: float = 0) -> RowActions:
    """REINDEX INDEX CONCURRENTLY, and DROP INDEX CONCURRENTLY where PostgreSQL allows it and the index is not
    merely unscanned over statistics younger than `min_days` (then a note says from when)."""
    schema, name = row["schema"], row["name"]
    offered = [builders.reindex(schema, name)]
    notes = []
    wait = drop_wait_until(row.get("idx_scan"), stats_age, min_days)
    constraint = row.get("constraint_name")
    if isinstance(constraint, str) and constraint:
        notes.append(f"It backs the constraint {constraint}: it goes only with the constraint (ALTER TABLE "
                     f"{row['table_display']} DROP CONSTRAINT), so no DROP INDEX is offered here.")
    elif row.get("partitioned"):
        notes.append("A partitioned index cannot be dropped CONCURRENTLY (PostgreSQL refuses it): a plain DROP "
                     "INDEX locks the whole partitioned table, so none is offered here.")
    elif wait is not None:
        notes.append(wait_note(wait))
    else:
        offered.append(builders.drop_index(schema, name))
    return RowActions(row["display"], tuple(offered), tuple(notes))
