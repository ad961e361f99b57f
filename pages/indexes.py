"""Indexes: unused, duplicate and redundant, invalid, foreign keys without one, bloat, cache hits."""

import streamlit as st

from lib import stbind
from lib.checks import run_checks
from lib.core.findings import CheckContext, Severity
from lib.core.fmt import fmt_age, fmt_bytes, fmt_pct
from lib.core.paging import Page
from lib.maintenance.precheck import INDEX_KINDS
from lib.storage import bloat, indexes, tables
from pages.widgets import action_control, lists, object_actions
from pages.widgets.cards import metric

db = stbind.require_db()
caps = db.capabilities
t = db.thresholds


@stbind.cached()
def catalog(db):
    return indexes.catalog(db)


@stbind.cached()
def details(db, search, sort, number):
    return indexes.with_details(db, indexes.index_page(catalog(db), search=search, sort=sort, number=number))


@stbind.cached()
def findings(db):
    ctx = CheckContext(db, db.thresholds)
    ctx.memo("indexes.catalog", lambda: catalog(db))  # what this page already holds
    ctx.memo("indexes.bloat", lambda: index_bloat(db))
    ctx.memo("indexes.cache", lambda: cache(db)[0])
    ctx.memo("tables.settings", lambda: cache(db)[1])
    return run_checks(ctx, ["indexes.", "cache."])


@stbind.cached()
def cache(db):
    return indexes.cache_totals(db), tables.settings(db)


@stbind.cached()
def index_bloat(db):
    return bloat.list_frame(db, "index", catalog(db))


@stbind.cached()
def most_misses(db):
    return tables.table_page(db, sort="heap_blks_read", size=10)


@stbind.cached(ttl=10)
def buffers(db):
    return indexes.buffercache(db)


def of(check_id):
    return [f for f in result.findings if f.check == check_id and f.severity > Severity.OK]


st.title("Indexes")
loaded = stbind.guarded(lambda: (catalog(db), findings(db), cache(db)), db.config.display)
if loaded is None:
    st.stop()
cat, result, (totals, conf) = loaded
unused = of("indexes.unused")
began = conf["stats_reset"] or conf["server_started"]

cols = st.columns(4)
metric(cols[0], "Indexes", f"{len(cat):,}", fmt_bytes(cat["index_bytes"].sum()) if not cat.empty else "")
metric(cols[1], "Never scanned", f"{len(indexes.unused(cat)):,}", f"statistics began {fmt_age(began)}")
metric(cols[2], "Redundant", f"{len(of('indexes.redundant')):,}", "duplicates and prefixes")
metric(cols[3], "Index cache hits", fmt_pct(totals["idx_ratio"], 2), f"target ≥ {fmt_pct(t.cache_hit_ratio)}")
# A fixed finding's card goes away with its button: its result shows here, in a container that is always
# drawn so the tabs below keep their place (and the reader's chosen tab) when a result appears.
with st.container():
    action_control.runs_panel(db, findings=[f for f in result.findings if f.severity > Severity.OK],
                          row_lists=("indexes",), kinds=INDEX_KINDS)

tabs = st.tabs(["Unused", "Duplicate & redundant", "Invalid", "Foreign keys", "Bloat", "Cache", "All indexes"])

with tabs[0]:
    st.caption("No scan since the statistics were reset, and not backing a primary key, unique or exclusion "
               f"constraint. An index unused for two hours proves nothing: these become warnings once the "
               f"statistics cover {t.unused_index_min_stats_age_days:g} days. Cost: its size, and a write on "
               "every insert and non-HOT update of its table.")
    lists.findings("f_unused", unused, "Every index has been used since the statistics began.")

with tabs[1]:
    st.caption("Same table, method, operator classes and predicate; the same columns, or the leading columns of "
               "a wider btree index, which serves the same lookups. The index to keep is named.")
    lists.findings("f_dup", of("indexes.redundant"), "No index repeats another.")

with tabs[2]:
    st.caption("An invalid index (usually left by a failed CREATE INDEX CONCURRENTLY) is never used by queries "
               "but still slows every write.")
    lists.findings("f_invalid", of("indexes.invalid"), "No invalid index.")

with tabs[3]:
    st.caption("The guide indexes every foreign key: without one, deleting a referenced row or joining on the "
               "key reads the whole referencing table.")
    lists.findings("f_fk", of("indexes.fk_missing"), "Every foreign key has an index leading with its columns.")

with tabs[4]:
    st.caption("btree only, estimated from statistics: leaf pages needed for the entries at the index's fillfactor "
               "against its size. An index filled by random inserts normally sits near 70% full; deduplicated "
               "keys make it smaller than the model. pgstatindex measures it exactly. Listed from the "
               f"{bloat.LIST_LARGEST} largest btree indexes (an index's bloat is at most its size).")
    lists.findings("f_bloat", of("indexes.bloat"), "No btree index is estimated past the bloat threshold.")
    estimates = stbind.guarded(lambda: index_bloat(db))
    if estimates is not None and not estimates.empty:
        top = estimates.head(lists.FINDINGS_PER_PAGE * 2)
        lists.table(top, {"display": lists.text_column("Index", width="medium"),
                          "table_display": lists.text_column("Table"), "index_bytes": lists.bytes_column("Size"),
                          "expected_bytes": lists.bytes_column("Needed for its entries"),
                          "bloat_bytes": lists.bytes_column("Bloat (estimate)"),
                          "bloat_ratio": lists.percent_column("Bloat share"),
                          "stale": lists.text_column("Statistics stale", width="medium")})
        lists.measure_exactly("exact_index", top, "Measure exactly (pgstatindex)", caps.pgstattuple,
                              lambda oid: indexes.exact_index(db, oid), indexes.describe_exact)

with tabs[5]:
    cols = st.columns(3)
    for col, (label, part) in zip(cols, [("Tables", "heap"), ("Indexes", "idx"), ("TOAST", "toast")], strict=True):
        metric(col, f"{label} cache hits", fmt_pct(totals[f"{part}_ratio"], 2),
               f"{totals[f'{part}_read']:,} of {totals[f'{part}_blocks']:,} blocks from disk")
    lists.findings("f_cache", of("cache.tables_hit_ratio") + of("cache.indexes_hit_ratio"),
                   f"Table and index cache hit ratios are at least {fmt_pct(t.cache_hit_ratio)}.")
    st.subheader("Tables read most from disk")
    misses = stbind.guarded(lambda: most_misses(db))
    if misses is not None:
        lists.table(misses.rows, {"display": lists.text_column("Table", width="medium"),
                                  "heap_blks_read": lists.count_column("Table blocks from disk"),
                                  "heap_hit_ratio": lists.percent_column("Table cache hits"),
                                  "idx_blks_read": lists.count_column("Index blocks from disk"),
                                  "total_bytes": lists.bytes_column("Size")})
    st.subheader("What shared buffers hold")
    if not caps.pg_buffercache:
        st.info("Install pg_buffercache to see it: CREATE EXTENSION pg_buffercache;", icon=":material/info:")
    elif st.toggle("Read the buffer cache now (visits every buffer)", key="read_buffers"):
        held = stbind.guarded(lambda: buffers(db))
        if held is not None and not held.empty:
            first = held.iloc[0]
            st.caption(f"This database holds {int(first['database_buffers']):,} of {int(first['cache_buffers']):,} "
                       f"buffers; {int(first['free_buffers']):,} are free.")
            lists.table(held, {"display": lists.text_column("Relation", width="medium"),
                               "kind": lists.text_column("Kind"), "cached_bytes": lists.bytes_column("Cached"),
                               "cache_share": lists.percent_column("Share of the cache"),
                               "relation_cached": lists.percent_column("Share of the relation"),
                               "dirty": lists.count_column("Dirty buffers"),
                               "avg_usage": st.column_config.NumberColumn("Usage count", format="%.1f")})

with tabs[6]:
    search, sort, _ = lists.controls("indexes", indexes.INDEX_SORTS, "Search schema.index or schema.table")
    page = stbind.guarded(lambda: details(db, search, sort, lists.page_number("indexes"))) or Page.cut(cat, 1)
    picked = lists.table(page.rows, {
        "display": lists.text_column("Index", width="medium"), "table_display": lists.text_column("Table"),
        "method": lists.text_column("Method"), "index_bytes": lists.bytes_column("Size"),
        "size_ratio": lists.percent_column("Of its table", "Index size against its table's heap."),
        "idx_scan": lists.count_column("Scans"), "last_idx_scan": lists.when_column("Last scan"),
        "hit_ratio": lists.percent_column("Cache hits"), "index_writes": lists.count_column(
            "Table writes", "Its table's inserts and non-HOT updates since the statistics reset (each writes to "
            "every index; PostgreSQL keeps no per-index count, and some may predate the index)."),
        "is_unique": st.column_config.CheckboxColumn("Unique"), "is_valid": st.column_config.CheckboxColumn("Valid"),
    }, key="indexes_list")
    lists.pager("indexes", page, "indexes")
    st.caption(f"Scans are counted since the statistics began, {fmt_age(began)}.")
    object_actions.for_index(db, "indexes", picked)
