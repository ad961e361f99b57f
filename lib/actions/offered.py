"""The maintenance actions an object offers from its row in a list (Tables and Indexes pages).

A row is a dict of the list's frame (schema, name, kind... as queries/table_list.sql, table_health.sql
and index_catalog.sql name them). The actions come from lib.actions.builders, so their SQL quotes any name; what
an object cannot do is said in a note instead of a button that would only fail.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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


def for_index(row: Mapping[str, Any]) -> RowActions:
    """REINDEX INDEX CONCURRENTLY, and DROP INDEX CONCURRENTLY where PostgreSQL allows it."""
    schema, name = row["schema"], row["name"]
    offered = [builders.reindex(schema, name)]
    notes = []
    constraint = row.get("constraint_name")
    if isinstance(constraint, str) and constraint:
        notes.append(f"It backs the constraint {constraint}: it goes only with the constraint (ALTER TABLE "
                     f"{row['table_display']} DROP CONSTRAINT), so no DROP INDEX is offered here.")
    elif row.get("partitioned"):
        notes.append("A partitioned index cannot be dropped CONCURRENTLY (PostgreSQL refuses it): a plain DROP "
                     "INDEX locks the whole partitioned table, so none is offered here.")
    else:
        offered.append(builders.drop_index(schema, name))
    return RowActions(row["display"], tuple(offered), tuple(notes))
