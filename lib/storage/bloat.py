"""Bloat estimated from statistics: the pages a table or btree index would need for its rows, against
the pages it has.

Our own model, from PostgreSQL's storage layout (facts from its documentation and headers):
- a heap page has a 24-byte header; each row costs a 4-byte line pointer plus its tuple, which
  starts with a 23-byte header (plus a null bitmap of one bit per column when the row has a NULL),
  padded to MAXALIGN (8 bytes on 64-bit servers), then the column values, each aligned to its type's
  alignment; short variable-width values (up to 126 bytes, 1-byte header) are not aligned; the whole
  tuple is padded to MAXALIGN. At most (page - header) / 28 tuples fit a page (291 in 8 kB). INSERT fills pages to fillfactor.
- a btree page also keeps 16 bytes of btree data at its end; a leaf tuple has an 8-byte header (16
  with a null bitmap) and its key and INCLUDE values; CREATE INDEX fills leaves to fillfactor (90).
Column widths and null fractions are ANALYZE's (pg_stats.avg_width, null_frac; stored width, so
TOASTed values count as their 18-byte pointer). Sizes are the files' sizes now (pg_relation_size);
rows are the catalog's count from the last VACUUM/ANALYZE (reltuples: the statistics counters'
n_live_tup can count a load twice when its counts arrive after the ANALYZE that followed it). When
much changed since the last ANALYZE (or the file outgrew the pages it then had), the estimate says
its statistics are stale: rows inserted since then read as bloat until the next ANALYZE.
Blind spots: statistics as old as the last ANALYZE, TOAST tables not estimated, btree deduplication (many
equal keys) makes an index smaller than the model so its bloat reads as none, and an index grown by
random inserts normally sits around 70% full. pgstattuple gives the measured figure on demand.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from functools import lru_cache

import pandas as pd

from lib.core.rows import stamp

MAXALIGN = 8
PAGE_HEADER = 24
LINE_POINTER = 4
HEAP_TUPLE_HEADER = 23
BTREE_SPECIAL = 16
INDEX_TUPLE_HEADER = 8
INDEX_NULL_BITMAP = 4  # one bit per possible key column (32)
SHORT_VARLENA_MAX = 126
ALIGNMENT = {"c": 1, "s": 2, "i": 4, "d": 8}

Column = Sequence  # (typalign, typlen, avg_width or None, null_frac or None)

# Statistics are stale when the rows changed since the last ANALYZE reach this share of the rows it
# counted (ANALYZE itself fires at 10% plus 50 rows by default), or the file grew past this many
# times the pages it counted.
STALE_CHANGED_SHARE = 0.2
STALE_GROWTH = 1.5
STALE_MIN_CHANGES = 1000
# The pages' bloat lists estimate this many of the largest tables (or indexes): a relation's bloat is at
# most its size, so past the first few hundred the smaller ones cannot make the top of the list.
LIST_LARGEST = 500


def align_up(offset: float, alignment: int) -> float:
    return math.ceil(offset / alignment) * alignment


def data_width(columns: Sequence[Column]) -> tuple[float, float] | None:
    """Expected bytes of the column values, and the chance a row holds at least one NULL.

    None when a variable-width column has no statistics (its width is unknown)."""
    offset = 0.0
    all_present = 1.0
    for typalign, typlen, avg_width, null_frac in columns:
        if avg_width is None:
            if typlen is None or typlen < 0:
                return None
            avg_width, null_frac = typlen, 0.0  # fixed width: the type says it
        null_frac = null_frac or 0.0
        alignment = ALIGNMENT.get(typalign, 1)
        if typlen == -1 and avg_width <= SHORT_VARLENA_MAX:
            alignment = 1
        present = 1.0 - null_frac
        padding = align_up(offset, alignment) - offset
        offset += present * (padding + avg_width)
        all_present *= present
    return offset, 1.0 - all_present


def heap_tuple_bytes(columns: Sequence[Column], natts: int) -> float | None:
    """Bytes one row takes on a heap page, line pointer included."""
    width = data_width(columns)
    if width is None:
        return None
    data, p_null = width
    plain = align_up(HEAP_TUPLE_HEADER, MAXALIGN)
    with_bitmap = align_up(HEAP_TUPLE_HEADER + math.ceil(max(natts, 1) / 8), MAXALIGN)
    header = plain + p_null * (with_bitmap - plain)
    return align_up(header + data, MAXALIGN) + LINE_POINTER


def expected_heap_pages(rows: float, tuple_bytes: float, fillfactor: int, block_size: int) -> int:
    usable = (block_size - PAGE_HEADER) * fillfactor / 100
    most = (block_size - PAGE_HEADER) // (align_up(HEAP_TUPLE_HEADER, MAXALIGN) + LINE_POINTER)
    per_page = max(1, min(math.floor(usable / tuple_bytes), most))
    return math.ceil(rows / per_page)


def index_tuple_bytes(columns: Sequence[Column]) -> float | None:
    width = data_width(columns)
    if width is None:
        return None
    data, p_null = width
    header = INDEX_TUPLE_HEADER + p_null * (align_up(INDEX_TUPLE_HEADER + INDEX_NULL_BITMAP, MAXALIGN)
                                            - INDEX_TUPLE_HEADER)
    return align_up(header + data, MAXALIGN) + LINE_POINTER


def expected_btree_pages(entries: float, tuple_bytes: float, fillfactor: int, block_size: int) -> int:
    usable = block_size - PAGE_HEADER - BTREE_SPECIAL
    per_leaf = max(2, math.floor(usable * fillfactor / 100 / tuple_bytes))
    pages = leaves = math.ceil(entries / per_leaf)
    # Upper levels: one downlink per page below, in pages filled about as full as the leaves.
    level = leaves
    while level > 1:
        level = math.ceil(level / per_leaf)
        pages += level
    return pages + 1  # the metapage


def _estimate(actual_bytes: int, block_size: int, expected_pages: int | None) -> dict:
    actual_pages = actual_bytes // block_size
    if expected_pages is None:
        return {"expected_bytes": None, "bloat_bytes": None, "bloat_ratio": None}
    bloat_pages = max(actual_pages - expected_pages, 0)
    return {"expected_bytes": expected_pages * block_size, "bloat_bytes": bloat_pages * block_size,
            "bloat_ratio": bloat_pages / actual_pages if actual_pages else 0.0}


def stale_statistics(reltuples: float | None, modified: float | None, actual_bytes: int | None,
                     catalog_bytes: int | None) -> str:
    """Why the last ANALYZE's figures are older than the table's last big change ('' when they are not)."""
    counted = max(reltuples or 0, 0)
    if modified and modified >= max(STALE_MIN_CHANGES, STALE_CHANGED_SHARE * counted):
        return f"{modified:,.0f} rows changed since the last ANALYZE counted {counted:,.0f}"
    if catalog_bytes and actual_bytes and actual_bytes > STALE_GROWTH * catalog_bytes:
        return f"the file is {actual_bytes / catalog_bytes:.1f} times the size the last VACUUM or ANALYZE saw"
    return ""


def _tuple_bytes(columns: str | Sequence[Column] | None, natts: int | None = None) -> float | None:
    """heap_tuple_bytes (with natts) or index_tuple_bytes of a row's columns. The queries send them as
    JSON text: thousands of relations share a few shapes, each parsed and sized once."""
    if isinstance(columns, str):
        return _sized_shape(columns, natts)
    return heap_tuple_bytes(columns or [], natts) if natts is not None else index_tuple_bytes(columns or [])


@lru_cache(maxsize=8192)
def _sized_shape(columns: str, natts: int | None) -> float | None:
    return _tuple_bytes(json.loads(columns), natts)


def estimate_table(row: dict) -> dict:
    """Estimate for one row of queries/table_bloat_inputs.sql; `why` says when there is none, `stale`
    when the statistics it rests on are older than the table's last big change."""
    if row["reltuples"] is None or row["reltuples"] < 0:
        return {**_estimate(row["heap_bytes"], row["block_size"], None), "why": "never analyzed", "stale": ""}
    stale = stale_statistics(row["reltuples"], row.get("modified_since_analyze"), row["heap_bytes"],
                             row.get("catalog_bytes"))
    tuple_bytes = _tuple_bytes(row["columns"], row["natts"])
    if tuple_bytes is None:
        return {**_estimate(row["heap_bytes"], row["block_size"], None), "why": "no column statistics",
                "stale": stale}
    pages = expected_heap_pages(row["reltuples"], tuple_bytes, row["fillfactor"], row["block_size"])
    return {**_estimate(row["heap_bytes"], row["block_size"], pages), "why": "", "stale": stale}


def estimate_index(row: dict) -> dict:
    """Estimate for one row of queries/index_bloat_inputs.sql."""
    if row["reltuples"] is None or row["reltuples"] < 0:
        return {**_estimate(row["index_bytes"], row["block_size"], None), "why": "never analyzed", "stale": ""}
    stale = stale_statistics(row.get("table_reltuples"), row.get("table_modified_since_analyze"),
                             row["index_bytes"], row.get("catalog_bytes"))
    tuple_bytes = _tuple_bytes(row["columns"])
    if tuple_bytes is None:
        return {**_estimate(row["index_bytes"], row["block_size"], None), "why": "no column statistics",
                "stale": stale}
    pages = expected_btree_pages(row["reltuples"], tuple_bytes, row["fillfactor"], row["block_size"])
    return {**_estimate(row["index_bytes"], row["block_size"], pages), "why": "", "stale": stale}


def min_bytes(thresholds) -> int:
    """The size a table or index needs for a bloat finding (bloat_min_mb): smaller ones are not worth a rebuild."""
    return int(thresholds.bloat_min_mb * 1024 * 1024)


def table_bloat(db, min_bytes: int = 0, largest: int | None = None) -> pd.DataFrame:
    """Every table with at least `min_bytes` of heap, with its estimate, most bloat first; with
    `largest`, only those and the `largest` largest tables (what a list of the most bloat needs:
    a table's bloat is at most its size)."""
    rows = db.rows("table_bloat_inputs", {"min_bytes": int(min_bytes), "largest": _largest(min_bytes, largest)})
    return _frame(rows, estimate_table, ["columns"])


def index_bloat(db, min_bytes: int = 0, largest: int | None = None,
                catalog: pd.DataFrame | None = None) -> pd.DataFrame:
    """The same for btree indexes. `catalog` (lib.storage.indexes.catalog, just collected) lends its
    sizes: measuring 30,000 indexes costs a few tenths of a second, more on a new connection."""
    known = catalog[~catalog["partitioned"]] if catalog is not None and not catalog.empty else None
    params = {"min_bytes": int(min_bytes), "largest": _largest(min_bytes, largest),
              "known_oids": [] if known is None else [int(o) for o in known["oid"]],
              "known_bytes": [] if known is None else [int(b) for b in known["index_bytes"]]}
    return _frame(db.rows("index_bloat_inputs", params), estimate_index, ["columns"])


def list_frame(db, kind: str, catalog: pd.DataFrame | None = None) -> pd.DataFrame:
    """What the Tables or Indexes page lists ('table' or 'index'; for indexes, the index catalog the page
    holds lends its sizes): the LIST_LARGEST largest relations and every one a finding may be about, so
    the page's checks can share it."""
    if kind == "table":
        return table_bloat(db, min_bytes(db.thresholds), LIST_LARGEST)
    return index_bloat(db, min_bytes(db.thresholds), LIST_LARGEST, catalog)


def _largest(min_bytes: int, largest: int | None) -> int:
    # No `largest`: every relation of at least min_bytes (all of them when min_bytes is 0).
    return int(largest) if largest is not None else (0 if min_bytes > 0 else 2**62)


def _frame(rows: list[dict], estimate, drop: list[str]) -> pd.DataFrame:
    for row in rows:  # fresh rows from the query: completed in place
        row.update(estimate(row))
        for key in drop:
            del row[key]
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    return frame.sort_values(["bloat_bytes", "display"], ascending=[False, True], na_position="last",
                             ignore_index=True)


def stale_evidence(row: dict) -> dict:
    """A bloat finding's evidence about its statistics: when the last ANALYZE ran, and why it is stale."""
    when = row.get("last_analyze")
    evidence = {"last_analyze": stamp(when)}
    if row.get("stale"):
        evidence["statistics_stale"] = row["stale"]
    return evidence


def stale_words(row: dict) -> str:
    """The clause a finding adds when its statistics are older than the table's last big change."""
    if not row.get("stale"):
        return ""
    return (f"; its statistics are older than the table's last big change ({row['stale']}): ANALYZE it for a "
            "firmer estimate")


def bloated(frame: pd.DataFrame, min_ratio: float, min_bytes: int) -> pd.DataFrame:
    """The estimates past both a share and a size (small relations are not worth a rebuild)."""
    if frame.empty:
        return frame
    return frame[(frame["bloat_ratio"].fillna(0) >= min_ratio) & (frame["bloat_bytes"].fillna(0) >= min_bytes)]
