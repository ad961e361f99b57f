"""The Tables page's data: where the space is, table activity, vacuum and analyze state, partitions.

Lists are searched, sorted and paged in SQL (queries/table_list.sql, table_health.sql), so a
database with 10,000 tables sends one page of rows, never all of them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from lib.core.fmt import fmt_bytes
from lib.core.paging import PAGE_SIZE, Page, window
from lib.storage import vacuum

XID_LIMIT = 2**31  # transaction IDs a table may age by before wraparound
TREEMAP_TABLES = 60  # largest tables drawn one by one; the rest of a schema is one "other" block

# What a person can sort the table list by -> the sort key table_list.sql understands.
TABLE_SORTS = {
    "Total size": "total_bytes",
    "Rows": "rows",
    "Rows read by sequential scans": "seq_tup_read",
    "Sequential scans": "seq_scan",
    "Index scans": "idx_scan",
    "Writes": "writes",
    "Dead tuples": "dead_tup",
    "Dead ratio": "dead_ratio",
    "Cache misses": "heap_blks_read",
    "Transaction ID age": "xid_age",
    "Longest since a vacuum": "vacuum_age",
    "Name": "name",
}
HEALTH_SORTS = {
    "Closest to autovacuum": "fire_progress",
    "Dead ratio": "dead_ratio",
    "Dead tuples": "dead_tup",
    "Transaction ID age": "xid_age",
    "Name": "name",
}


def settings(db, database_size: bool = False) -> dict[str, Any]:
    """Autovacuum settings, the database's transaction ID ages and how old the statistics are; with
    `database_size`, the database's size too (pg_database_size stats every file: 0.3 s and more at
    60,000 relations)."""
    return db.one("maintenance_settings", {"database_size": database_size}) or {}


def schema_space(db) -> pd.DataFrame:
    return db.frame("table_space_by_schema")


def table_page(db, *, search: str | None = None, schema: str | None = None, kind: str | None = None,
               sort: str = "total_bytes", number: int = 1, size: int = PAGE_SIZE, min_rows: float = 0) -> Page:
    params = {"search": search or None, "schema": schema or None, "kind": kind, "sort": sort,
              "min_rows": min_rows, **window(number, size)}
    return Page.of(db.frame("table_list", params), number, size)


def health_params(db, *, problems_only: bool = False, search: str | None = None,
                  sort: str = "fire_progress") -> dict[str, Any]:
    t = db.thresholds
    return {"search": search or None, "problems_only": problems_only, "sort": sort,
            "dead_ratio": t.dead_tuple_ratio, "min_dead": t.dead_tuples_min,
            "xid_age": int(t.xid_age_warning_ratio * XID_LIMIT),
            "seq_min_rows": t.seq_scan_min_rows, "seq_min_scans": t.seq_scan_min_count}


def health_page(db, *, search: str | None = None, sort: str = "fire_progress", number: int = 1,
                size: int = PAGE_SIZE) -> Page:
    """Vacuum and analyze state of every table with storage, closest to autovacuum first."""
    params = {**health_params(db, search=search, sort=sort), **window(number, size)}
    page = Page.of(db.frame("table_health", params), number, size)
    return _with_next_autovacuum(page)


def problem_tables(db) -> pd.DataFrame:
    """Tables over one of our thresholds (dead tuples, never analyzed, autovacuum off, xid age,
    sequential reads): what the table checks turn into findings."""
    params = {**health_params(db, problems_only=True, sort="dead_ratio"), "limit": None, "offset": 0}
    return db.frame("table_health", params)


def _with_next_autovacuum(page: Page) -> Page:
    rows = page.rows
    if not rows.empty:
        rows = rows.assign(next_autovacuum=[vacuum.next_autovacuum(r) for r in rows.to_dict("records")])
    return Page(rows, page.total, page.number, page.size)


def partitions(db, relid: int, number: int = 1, size: int = PAGE_SIZE) -> Page:
    return Page.of(db.frame("table_partitions", {"relid": int(relid), **window(number, size)}), number, size)


def exact_table(db, relid: int) -> dict[str, Any] | None:
    """pgstattuple_approx for one table (the extension must be installed: db.capabilities.pgstattuple)."""
    return db.one("pgstattuple_table", {"relid": int(relid)})


def describe_exact(exact: dict[str, Any]) -> str:
    """One line from pgstattuple_approx's figures."""
    return (f"**{exact['display']}**: {exact['approx_free_percent']:.1f}% free space, "
            f"{exact['dead_tuple_percent']:.1f}% dead tuples, {exact['approx_tuple_percent']:.1f}% live rows "
            f"of {fmt_bytes(exact['table_len'])} ({exact['scanned_percent']:.0f}% of its pages read, the rest "
            "estimated from the visibility map).")


def treemap_frame(db, top: int = TREEMAP_TABLES, schemas: pd.DataFrame | None = None) -> pd.DataFrame:
    """ids/parents/labels/values for a treemap: database → schema → table → heap | indexes | TOAST.

    The `top` largest tables are drawn one by one (measured now); the rest of each schema is one
    block, from the catalog's page counts."""
    schemas = schema_space(db) if schemas is None else schemas
    tables = table_page(db, sort="total_bytes", size=top).rows
    nodes: list[dict[str, Any]] = []
    for s in schemas.to_dict("records"):
        mine = tables[tables["schema"] == s["schema"]] if not tables.empty else tables
        shown = 0
        schema_id = f"s:{s['schema']}"
        for t in mine.to_dict("records"):
            table_id = f"t:{t['oid']}"
            parts = {"heap": t["heap_bytes"], "indexes": t["index_bytes"], "TOAST": t["toast_bytes"]}
            for part, size in parts.items():
                if size:
                    nodes.append({"id": f"{table_id}:{part}", "parent": table_id, "label": part,
                                  "bytes": int(size), "kind": part})
            total = int(sum(parts.values()))
            nodes.append({"id": table_id, "parent": schema_id, "label": t["name"], "bytes": total, "kind": "table"})
            shown += total
        other = int(s["total_bytes"]) - shown
        hidden = int(s["tables"]) - len(mine)
        if other > 0 and hidden > 0:
            nodes.append({"id": f"{schema_id}:other", "parent": schema_id,
                          "label": f"{hidden:,} other tables", "bytes": other, "kind": "other"})
        nodes.append({"id": schema_id, "parent": "", "label": s["schema"], "bytes": max(shown + max(other, 0), 0),
                      "kind": "schema"})
    return pd.DataFrame(nodes, columns=["id", "parent", "label", "bytes", "kind"])


def collect(db) -> dict[str, Any]:
    """What the Tables page loads on its first view (also timed by bench/bench_tables.py)."""
    schemas = schema_space(db)
    return {
        "settings": settings(db, database_size=True),
        "schemas": schemas,
        "treemap": treemap_frame(db, schemas=schemas),
        "tables": table_page(db),
        "health": health_page(db),
        "partitioned": table_page(db, kind="p", size=20),
    }
