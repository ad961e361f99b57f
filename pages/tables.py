"""Tables: where the space is, dead tuples and bloat, vacuum and analyze, transaction IDs, partitions."""

import plotly.graph_objects as go
import streamlit as st

from lib import stbind
from lib.checks import run_checks
from lib.core.findings import CheckContext, Severity
from lib.core.fmt import fmt_age, fmt_bytes, fmt_count, fmt_pct
from lib.maintenance.precheck import TABLE_KINDS
from lib.storage import bloat, tables
from pages.widgets import action_control, history_panels, lists, object_actions
from pages.widgets.cards import metric

db = stbind.require_db()
caps = db.capabilities
t = db.thresholds
TREEMAP_COLORS = {"schema": "#eef2f8", "table": "#d5deeb", "heap": "#4c78a8", "indexes": "#f58518",
                  "TOAST": "#b279a2", "other": "#bab0ac"}
GROWTH_DAYS = 7  # the All tables tab's growth column, from pgpulse's history


@stbind.cached()
def overview(db):
    schemas = tables.schema_space(db)
    return tables.settings(db, database_size=True), schemas, tables.treemap_frame(db, schemas=schemas)


@stbind.cached()
def table_page(db, search, schema, sort, number):
    return tables.table_page(db, search=search, schema=schema, sort=sort, number=number)


@stbind.cached()
def health_page(db, search, sort, number, size):
    return tables.health_page(db, search=search, sort=sort, number=number, size=size)


@stbind.cached()
def table_bloat(db):
    return bloat.list_frame(db, "table")


@stbind.cached()
def partitioned(db, number):
    return tables.table_page(db, kind="p", number=number)


@stbind.cached()
def partitions(db, relid, number):
    return tables.partitions(db, relid, number)


@stbind.cached()
def findings(db):
    ctx = CheckContext(db, db.thresholds)
    ctx.memo("tables.bloat", lambda: table_bloat(db))  # what this page already holds
    ctx.memo("tables.settings", lambda: overview(db)[0])
    return run_checks(ctx, ["tables."])


def of(check_id):
    return [f for f in result.findings if f.check == check_id and f.severity > Severity.OK]


st.title("Tables")
loaded = stbind.guarded(lambda: (overview(db), findings(db)), db.config.display)
if loaded is None:
    st.stop()
(conf, schemas, treemap), result = loaded
st.caption(f"Statistics since {fmt_age(conf['stats_reset'] or conf['server_started'])} · autovacuum "
           f"{'on' if conf['autovacuum'] else 'OFF'} · totals and sorting use the catalog's page counts (as of "
           "each table's last VACUUM or ANALYZE); the tables listed are measured now; rows are estimates")

cols = st.columns(4)
metric(cols[0], "Tables", f"{int(schemas['tables'].sum()):,}", f"{int(schemas['partitions'].sum()):,} partitions · "
       f"{len(schemas):,} schemas")
metric(cols[1], "Database size", fmt_bytes(conf["database_bytes"]),
       f"indexes {fmt_bytes(schemas['index_bytes'].sum())} · TOAST {fmt_bytes(schemas['toast_bytes'].sum())}")
metric(cols[2], "Dead tuples", fmt_count(schemas["dead_tup"].sum()), f"finding above {fmt_pct(t.dead_tuple_ratio)}")
attention = [f for f in result.findings if f.severity >= Severity.WARNING]
metric(cols[3], "Findings", f"{len(attention):,}", "warnings and critical")
# A fixed finding's card goes away with its button: its result shows here, in a container that is always
# drawn so the tabs below keep their place (and the reader's chosen tab) when a result appears.
with st.container():
    action_control.runs_panel(db, findings=[f for f in result.findings if f.severity > Severity.OK],
                          row_lists=("tables", "health"), kinds=TABLE_KINDS)

if treemap.empty:
    st.info("No tables yet: create some and come back.", icon=":material/info:")
else:
    figure = go.Figure(go.Treemap(ids=treemap["id"], parents=treemap["parent"], labels=treemap["label"],
                                  values=treemap["bytes"], branchvalues="total", maxdepth=3,
                                  marker_colors=[TREEMAP_COLORS[k] for k in treemap["kind"]],
                                  customdata=[fmt_bytes(b) for b in treemap["bytes"]],
                                  hovertemplate="%{label}: %{customdata}<extra></extra>",
                                  texttemplate="%{label}<br>%{customdata}"))
    figure.update_layout(height=380, margin={"l": 0, "r": 0, "t": 10, "b": 0})
    st.plotly_chart(figure, width="stretch", config={"displayModeBar": False})
    st.caption(f"Schema → table → heap (blue), indexes (orange) and TOAST (purple); the {tables.TREEMAP_TABLES} "
               "largest tables one by one. "
               "Click a block to zoom in.")
    with st.expander("Growth over time", icon=":material/trending_up:"):
        history_panels.table_growth_chart(db)

tab_all, tab_dead, tab_vacuum, tab_xid, tab_parts = st.tabs(
    ["All tables", "Dead tuples & bloat", "Vacuum & analyze", "Transaction IDs", "Partitions"])

with tab_all:
    search, sort, schema = lists.controls("tables", tables.TABLE_SORTS, "Search schema.table",
                                          ("Schema", ["All schemas", *schemas["schema"]]))
    page = table_page(db, search, schema, sort, lists.page_number("tables"))
    rows, growth = history_panels.with_table_growth(db, page.rows, GROWTH_DAYS)
    picked = lists.table(rows, {
        "display": lists.text_column("Table", width="medium"), "kind": lists.text_column("Kind"),
        "partitions": lists.count_column("Partitions"), "rows": lists.count_column("Rows (estimate)"),
        "total_bytes": lists.bytes_column("Total"), "heap_bytes": lists.bytes_column("Heap"),
        "index_bytes": lists.bytes_column("Indexes"), "toast_bytes": lists.bytes_column("TOAST"),
        "growth_bytes": lists.bytes_column(f"Growth ({GROWTH_DAYS} days)", "Total size now against pgpulse's "
                                           f"history {GROWTH_DAYS} days ago (or its first snapshot)."),
        "seq_scan": lists.count_column("Seq scans"),
        "seq_tup_read": lists.count_column("Rows read by seq scans", "Many rows read by sequential scans: the "
                                           "table wants an index for what its queries filter on."),
        "idx_scan": lists.count_column("Index scans"), "inserts": lists.count_column("Inserts"),
        "updates": lists.count_column("Updates"), "deletes": lists.count_column("Deletes"),
        "hot_ratio": lists.percent_column("HOT updates", "Updates that touched no index (cheaper)."),
        "heap_hit_ratio": lists.percent_column("Cache hits"),
    }, key="tables_list")
    lists.pager("tables", page, "tables")
    if not growth:
        st.caption("A growth column appears here once pgpulse's history has two snapshots (the app takes one "
                   f"every {db.thresholds.history_interval_s // 60} minutes while it runs).")
    object_actions.for_table(db, "tables", picked)
    st.subheader("Tables that want an index")
    lists.findings("f_seq", of("tables.seq_scans"), "No large table is read over and over by sequential scans.")

with tab_dead:
    st.subheader("Dead tuples")
    lists.findings("f_dead", of("tables.dead_tuples"), f"No table is over {fmt_pct(t.dead_tuple_ratio)} dead tuples.")
    st.subheader("Estimated bloat")
    st.caption("Estimated from statistics: the pages the rows need (width, alignment, NULLs, fillfactor) against "
               "the pages the table has now (its file's size). Blind spots: row counts as old as the last "
               "ANALYZE (a table changed a lot since says so), TOAST not estimated. Measure one exactly below. "
               "VACUUM makes dead space reusable but does not shrink the file, so a vacuumed table keeps its "
               "estimate until new rows fill it (VACUUM FULL or pg_repack give the space back). Listed from the "
               f"{bloat.LIST_LARGEST} largest tables (a table's bloat is at most its size).")
    lists.findings("f_bloat", of("tables.bloat"), "No table is estimated past the bloat threshold.")
    estimates = stbind.guarded(lambda: table_bloat(db))
    if estimates is not None and not estimates.empty:
        top = estimates.head(lists.FINDINGS_PER_PAGE * 2)
        lists.table(top, {"display": lists.text_column("Table", width="medium"),
                          "heap_bytes": lists.bytes_column("Heap"),
                          "expected_bytes": lists.bytes_column("Needed for its rows"),
                          "bloat_bytes": lists.bytes_column("Bloat (estimate)"),
                          "bloat_ratio": lists.percent_column("Bloat share"), "why": lists.text_column("No estimate"),
                          "stale": lists.text_column("Statistics stale", width="medium")})
        lists.measure_exactly("exact_table", top, "Measure exactly (pgstattuple_approx)", caps.pgstattuple,
                              lambda oid: tables.exact_table(db, oid), tables.describe_exact)

with tab_vacuum:
    st.caption(f"Autovacuum fires when dead rows pass {conf['vacuum_threshold']:.0f} + "
               f"{conf['vacuum_scale_factor']:g} × rows, inserts pass {conf['insert_threshold']:.0f} + "
               f"{conf['insert_scale_factor']:g} × rows, changes pass {conf['analyze_threshold']:.0f} + "
               f"{conf['analyze_scale_factor']:g} × rows (analyze), unless a table's own storage parameters say "
               f"otherwise; it looks every {conf['naptime']}.")
    lists.findings("f_av", of("tables.autovacuum_disabled") + of("tables.never_analyzed"),
                   "Autovacuum is on for every table and every table with data has statistics.")
    search, sort, _ = lists.controls("health", tables.HEALTH_SORTS, "Search schema.table")
    page = health_page(db, search, sort, lists.page_number("health"), lists.FINDINGS_PER_PAGE * 2)
    if not page.rows.empty and not search:
        first = page.rows.iloc[0]
        st.caption(f"{fmt_count(first['never_vacuumed_total'])} of {fmt_count(page.total)} tables never vacuumed "
                   f"and {fmt_count(first['never_analyzed_total'])} never analyzed, as far as the statistics "
                   "remember (since their last reset); sort by “Longest since a vacuum” to list them first.")
    picked = lists.table(page.rows, {
        "display": lists.text_column("Table", width="medium"), "next_autovacuum": lists.text_column(
            "Next autovacuum", width="large"),
        "n_dead_tup": lists.count_column("Dead rows"), "dead_ratio": lists.percent_column("Dead share"),
        "live_source": lists.text_column("Live rows from", "counter: pg_stat_user_tables. catalog: after a statistics "
                                         "reset, before any VACUUM/ANALYZE, the counter reads 0, so live rows are "
                                         "pg_class.reltuples plus inserts minus deletes since."),
        "last_vacuum": lists.when_column("Vacuum"), "last_autovacuum": lists.when_column("Autovacuum"),
        "last_analyze": lists.when_column("Analyze"), "last_autoanalyze": lists.when_column("Autoanalyze"),
    }, key="health_list")
    lists.pager("health", page, "tables")
    object_actions.for_table(db, "health", picked)

with tab_xid:
    metric(st.columns(3)[0], "Database transaction ID age", fmt_count(conf["xid_age"]),
           f"{fmt_pct(conf['xid_age'] / tables.XID_LIMIT, 1)} of the way to wraparound")
    lists.findings("f_xid", [f for f in of("tables.xid_age")], "Every table is far from transaction ID wraparound.")
    oldest = health_page(db, None, "xid_age", 1, 10)
    lists.table(oldest.rows, {"display": lists.text_column("Table", width="medium"),
                              "xid_age": lists.count_column("Transaction ID age"),
                              "freeze_max_age": lists.count_column("Forced vacuum at"),
                              "last_vacuum": lists.when_column("Vacuum"),
                              "last_autovacuum": lists.when_column("Autovacuum")})

with tab_parts:
    parents = partitioned(db, lists.page_number("parents"))
    if parents.total == 0:
        st.info("No partitioned tables.", icon=":material/info:")
    else:
        lists.table(parents.rows, {"display": lists.text_column("Partitioned table", width="medium"),
                                   "partitions": lists.count_column("Partitions"),
                                   "rows": lists.count_column("Rows (estimate)"),
                                   "total_bytes": lists.bytes_column("Total")})
        lists.pager("parents", parents, "partitioned tables")
        chosen = st.selectbox("Partitions of", parents.rows["display"], key="parent")
        relid = int(parents.rows.loc[parents.rows["display"] == chosen, "oid"].iloc[0])
        children = partitions(db, relid, lists.page_number("children"))
        lists.table(children.rows, {"display": lists.text_column("Partition", width="medium"),
                                    "bounds": lists.text_column("Bounds", width="medium"),
                                    "rows": lists.count_column("Rows (estimate)"),
                                    "total_bytes": lists.bytes_column("Total"),
                                    "dead_tup": lists.count_column("Dead rows"),
                                    "last_vacuum": lists.when_column("Vacuum")})
        lists.pager("children", children, "partitions")
    st.subheader("Partitioning candidates")
    lists.findings("f_part", of("tables.partition_candidate"),
                   f"No table is past {fmt_count(t.partition_rows)} rows, the guide's point for partitioning.")
