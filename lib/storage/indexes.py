"""The Indexes page's data: use, duplicates and redundancy, validity, foreign keys without an index,
cache hits and what shared buffers hold.

One catalog query (queries/index_catalog.sql) gives every index a person manages (a partitioned
index is one row); the judgements below are plain functions of its rows, so they are tested on real
catalogs and shared by the checks and the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from lib.core.fmt import fmt_bytes
from lib.core.paging import PAGE_SIZE, Page
from lib.core.rows import records

SOFT_DELETE_COLUMNS = ("deleted_at",)  # the guide's soft-delete column
FK_LIST = 500  # foreign keys without an index the Indexes page loads (its check reports the first of them)
INDEX_SORTS = {
    "Size": "index_bytes",
    "Scans": "idx_scan",
    "Size against its table": "size_ratio",
    "Cache misses": "idx_blks_read",
    "Table writes since the statistics reset": "index_writes",
    "Name": "display",
}


def catalog(db, soft_delete_only: bool = False) -> pd.DataFrame:
    """Every index (or with `soft_delete_only`, those of tables with a soft-delete column)."""
    frame = db.frame("index_catalog", {"soft_delete_columns": list(SOFT_DELETE_COLUMNS),
                                       "soft_delete_only": soft_delete_only})
    if not frame.empty:
        # Ordered here, not in SQL: sorting 30,000 wide rows spilled to disk on the server. The names are
        # compared by code point, as PostgreSQL's "C" collation of the name type does; the key is unique.
        frame = frame.sort_values(["schema", "table_name", "name"], kind="stable", ignore_index=True)
        frame["size_ratio"] = frame["index_bytes"] / frame["table_bytes"].where(frame["table_bytes"] > 0)
        # Nothing but performance depends on these: no constraint, uniqueness or replica identity.
        frame["droppable"] = (~frame["is_unique"] & ~frame["is_primary"] & ~frame["is_exclusion"]
                              & frame["constraint_name"].isna() & ~frame["is_replica_identity"]
                              & frame["is_valid"] & ~frame["extension_member"])
    return frame


def unused(cat: pd.DataFrame, min_bytes: int = 0) -> pd.DataFrame:
    """Droppable indexes with no scan since the statistics were reset, largest first."""
    if cat.empty:
        return cat
    mask = cat["droppable"] & cat["idx_scan"].eq(0) & (cat["index_bytes"].fillna(0) >= min_bytes)
    return cat[mask].sort_values(["index_bytes", "display"], ascending=[False, True], ignore_index=True)


def invalid(cat: pd.DataFrame) -> pd.DataFrame:
    if cat.empty:
        return cat
    return cat[~cat["is_valid"]].reset_index(drop=True)


@dataclass(frozen=True)
class Redundancy:
    index: dict[str, Any]  # the index that can go
    keep: dict[str, Any]  # the index that serves its queries
    kind: str  # "duplicate" (same definition) or "prefix" (its columns lead the kept one)
    same_as: tuple[str, ...] = ()  # other indexes with exactly its definition


def _covers(big: dict, small: dict) -> bool:
    """Does `big` serve every lookup `small` serves, and enforce what `small` enforces?"""
    n, m = small["key_count"], big["key_count"]
    if (big["method"] != small["method"] or big["predicate"] != small["predicate"] or not big["is_valid"]
            or m < n or (m > n and small["method"] != "btree")):
        return False  # only a btree's leading columns serve lookups on their own
    if list(big["columns"][:n]) != list(small["columns"][:n]):
        return False
    for key in ("opclasses", "collations", "options"):
        if list(big[key][:n]) != list(small[key][:n]):
            return False
    if not set(small["columns"][n:]) <= set(big["columns"]):  # INCLUDE columns
        return False
    return not small["is_unique"] or (big["is_unique"] and m == n)


def _rank(row: dict) -> tuple:
    """Which of two equal indexes to keep: the one backing a constraint, unique, most used, oldest."""
    return (bool(row["is_primary"]), isinstance(row["constraint_name"], str), bool(row["is_unique"]),
            row["idx_scan"] or 0, -int(row["oid"]))


def redundant(cat: pd.DataFrame) -> list[Redundancy]:
    """Indexes another index of the same table makes unnecessary, each with the index to keep.

    Same method, predicate, operator classes, collations and order; keys equal (a duplicate) or a
    leading prefix of a btree's keys. Indexes backing a constraint are never the one to drop."""
    if cat.empty:
        return []
    found: list[Redundancy] = []
    usable = cat[cat["is_valid"] & ~cat["extension_member"]]
    # Only indexes sharing table, method and first column can cover one another: with 30,000
    # indexes that leaves a handful to compare pairwise.
    lead = usable["columns"].map(lambda cols: cols[0] if len(cols) else "")
    shared = usable.assign(lead=lead).duplicated(["table_oid", "method", "lead"], keep=False)
    by_table: dict[int, list[dict]] = {}
    for row in records(usable[shared]):  # NaN -> None: a missing predicate must equal a missing predicate
        by_table.setdefault(row["table_oid"], []).append(row)
    for rows in by_table.values():
        covered_by: dict[int, list[dict]] = {}
        for small in rows:
            if not small["droppable"]:
                continue
            # Covered by a strictly better index, or by a twin (each covers the other) that ranks higher.
            covers = [big for big in rows if big["oid"] != small["oid"] and _covers(big, small)
                      and (not _covers(small, big) or _rank(big) > _rank(small))]
            if covers:
                covered_by[small["oid"]] = covers
        for small in rows:
            covers = covered_by.get(small["oid"])
            if not covers:
                continue
            # Name as the one to keep an index that itself stays (prefix coverage is transitive).
            survivors = [big for big in covers if big["oid"] not in covered_by] or covers
            keep = max(survivors, key=lambda big: (big["key_count"] == small["key_count"], _rank(big)))
            kind = "duplicate" if list(keep["columns"]) == list(small["columns"]) else "prefix"
            twins = tuple(big["display"] for big in rows if big["oid"] != small["oid"] and _covers(big, small)
                          and list(big["columns"]) == list(small["columns"]))
            found.append(Redundancy(small, keep, kind, twins))
    return sorted(found, key=lambda r: (-(r.index["index_bytes"] or 0), r.index["display"]))


def index_page(cat: pd.DataFrame, *, search: str | None = None, sort: str = "index_bytes", number: int = 1,
               size: int = PAGE_SIZE) -> Page:
    """One page of the index list (the catalog is already collected for the checks)."""
    rows = cat
    if search and not rows.empty:
        rows = rows[rows["display"].str.contains(search, case=False, regex=False)
                    | rows["table_display"].str.contains(search, case=False, regex=False)]
    if not rows.empty:
        rows = rows.sort_values([sort, "display"], ascending=[sort == "display", True], na_position="last")
    return Page.cut(rows, number, size)


def details(db, oids: list[int]) -> dict[int, dict[str, Any]]:
    """Definition (pg_get_indexdef) and last scan (PostgreSQL 16+) of a few indexes, by OID."""
    if not oids:
        return {}
    return {r["oid"]: r for r in db.rows("index_details", {"oids": [int(o) for o in oids]})}


def with_details(db, page: Page) -> Page:
    """The page's rows with their definitions and last scan time."""
    if page.rows.empty:
        return page
    found = details(db, page.rows["oid"].tolist())
    rows = page.rows.assign(definition=[found.get(o, {}).get("definition") for o in page.rows["oid"]],
                            last_idx_scan=[found.get(o, {}).get("last_idx_scan") for o in page.rows["oid"]])
    return Page(rows, page.total, page.number, page.size)


def fk_without_index(db, limit: int | None = None) -> pd.DataFrame:
    return db.frame("fk_without_index", {"limit": limit})


def cache_totals(db) -> dict[str, Any]:
    """Hit ratios of table, index and TOAST blocks (None until there were reads)."""
    row = db.one("cache_totals") or {}
    out: dict[str, Any] = dict(row)
    for part in ("heap", "idx", "toast"):
        hits, reads = row.get(f"{part}_hit") or 0, row.get(f"{part}_read") or 0
        out[f"{part}_ratio"] = hits / (hits + reads) if hits + reads else None
        out[f"{part}_blocks"] = hits + reads
    return out


def buffercache(db, limit: int = 25) -> pd.DataFrame:
    """What shared buffers hold (needs pg_buffercache: db.capabilities.pg_buffercache)."""
    return db.frame("buffercache_contents", {"limit": limit})


def exact_index(db, relid: int) -> dict[str, Any] | None:
    """pgstatindex for one btree index (needs pgstattuple)."""
    return db.one("pgstatindex_index", {"relid": int(relid)})


def describe_exact(exact: dict[str, Any]) -> str:
    """One line from pgstatindex's figures."""
    return (f"**{exact['display']}**: leaves {exact['avg_leaf_density']:.1f}% full, "
            f"{exact['leaf_fragmentation']:.1f}% fragmented, {exact['leaf_pages']:,} leaf pages, "
            f"{exact['empty_pages'] + exact['deleted_pages']:,} empty or deleted, {fmt_bytes(exact['index_size'])}.")


def collect(db) -> dict[str, Any]:
    """What the Indexes page loads on its first view (also timed by bench/bench_tables.py)."""
    cat = catalog(db)
    return {"catalog": cat, "redundant": redundant(cat), "fk": fk_without_index(db, FK_LIST),
            "cache": cache_totals(db), "page": with_details(db, index_page(cat))}
