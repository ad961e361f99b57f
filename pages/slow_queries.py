"""Slow queries: where the statement load is, which statements are slow, and what they do wrong."""

import pandas as pd
import streamlit as st

from lib import stbind
from lib.core.fmt import fmt_age, fmt_count, fmt_ms, fmt_pct
from lib.statements import charts, explorer, nplus1, review
from lib.statements.explorer import KINDS, SORTS, Filters
from pages.widgets import history_panels
from pages.widgets.cards import metric

db = stbind.require_db()
caps = db.capabilities
t = db.thresholds

st.title("Slow queries")
st.caption(f"pg_stat_statements of database `{caps.database}` · statements of other databases and pgpulse's "
           "own are left out · one row per query text (its queryids for other parameter types included)")
stbind.require_pgss(db)


@stbind.cached()
def page_of(db, filters, limit, offset):
    return explorer.list_page(db, filters, limit, offset)


@stbind.cached()
def overview_of(db):
    return explorer.totals(db), explorer.roles(db)


@stbind.cached()
def review_of(db):
    return review.review(db)


loaded = stbind.guarded(lambda: overview_of(db), db.config.display)
if loaded is None:
    st.stop()
totals, role_names = loaded

if caps.compute_query_id == "off":
    st.warning("compute_query_id is off, so pg_stat_statements records no new statements. Turn it back on: "
               "ALTER SYSTEM SET compute_query_id = 'auto'; SELECT pg_reload_conf();", icon=":material/info:")
if caps.privilege_note() and caps.pgss_hidden_texts:
    st.info(caps.privilege_note(), icon=":material/visibility_off:")
if totals.get("evicted"):
    st.info(f"pg_stat_statements dropped {totals['evicted']:,} rarely used statements since its last reset "
            "(pg_stat_statements.max is full): the least used ones may be missing.", icon=":material/info:")

cols = st.columns(4)
metric(cols[0], "Calls", fmt_count(totals.get("calls")), "since the last reset")
metric(cols[1], "Execution time", fmt_ms(float(totals.get("total_exec_ms") or 0)), "all statements")
metric(cols[2], "Slow statements", f"{totals.get('slow_statements') or 0}", f"mean above {fmt_ms(t.slow_query_ms)}")
metric(cols[3], "Statistics since", fmt_age(totals.get("stats_reset")), "pg_stat_statements reset")

period = history_panels.time_range_picker()
if period is not None:
    st.subheader("Over the chosen period")
    history_panels.period_statements(db, period)
    st.subheader("Since the last reset")

with st.container(border=True):
    c = st.columns([1.2, 1.2, 0.8, 2, 2])
    sort = c[0].selectbox("Sort by", list(SORTS), format_func=SORTS.get)
    role = c[1].selectbox("Role", [None, *role_names], format_func=lambda r: "All roles" if r is None else r)
    min_calls = c[2].number_input("Min calls", min_value=0, value=0, step=10)
    search = c[3].text_input("Search text or queryid", placeholder="e.g. invoices")
    kinds = c[4].multiselect("Kind", KINDS, placeholder="All kinds")
filters = Filters(role=role, min_calls=int(min_calls), search=search, kinds=tuple(kinds), sort=sort)

chart_page = stbind.guarded(lambda: page_of(db, filters, 500, 0), db.config.display)
if chart_page is None:
    st.stop()
if not chart_page.matching:
    if totals.get("statements"):
        st.info("No statement matches these filters.", icon=":material/filter_alt_off:")
    else:
        st.info("No statements recorded yet in this database since pg_stat_statements was last reset. They appear "
                "as the application runs queries.", icon=":material/hourglass_empty:")
    st.stop()

left, right = st.columns(2)
with left:
    st.markdown("**Where the time goes** · total execution time, slow statements in red")
    st.plotly_chart(charts.top_total_bar(chart_page.frame), width="stretch",
                    config={"displayModeBar": False})
with right:
    st.markdown("**Frequent and cheap, or rare and slow** · bubble size is total time")
    st.plotly_chart(charts.calls_vs_mean(chart_page.frame, t.slow_query_ms), width="stretch",
                    config={"displayModeBar": False})

pages = -(-chart_page.matching // explorer.PAGE_SIZE)
head = st.columns([4, 1])
head[0].subheader(f"Statements ({chart_page.matching:,})")
number = head[1].number_input("Page", min_value=1, max_value=max(pages, 1), value=1, step=1) if pages > 1 else 1
listing = stbind.guarded(lambda: page_of(db, filters, explorer.PAGE_SIZE, (number - 1) * explorer.PAGE_SIZE))
if listing is None:
    st.stop()
table = charts.table_frame(listing.frame, caps.track_io_timing)
styled = table.style.apply(lambda row: ["background-color: rgba(214, 39, 40, 0.12)" if row["slow"] else ""] * len(row),
                           axis=1)
num = st.column_config.NumberColumn
chosen = st.dataframe(
    styled, hide_index=True, width="stretch", height=min(38 + 35 * len(table), 720),
    on_select="rerun", selection_mode="single-row", key="statements_table",
    column_order=[c for c in table.columns if c not in ("queryid", "slow")],
    column_config={
        "Statement": st.column_config.TextColumn(width="large", help="Click a row for the whole statement"),
        "Calls": num(format="localized"), "Rows": num(format="localized"),
        "Total": num(format="%.2f s", help="Total execution time"),
        **{k: num(format="%.2f ms") for k in ("Mean", "Min", "Max", "Stddev", "Planning", "I/O time", "JIT")},
        "Rows/call": num(format="%.1f"), "Load": num(format="percent", help="Share of this database's execution time"),
        "Cache hits": num(format="percent", help="Shared blocks found in the buffer cache"),
        "Shared hit": num(format="localized"), "Shared read": num(format="localized"),
        "Temp written": st.column_config.TextColumn(alignment="right"),
        "WAL": st.column_config.TextColumn(alignment="right"),
    },
)
st.caption(f"Rows in red are slow (mean above {fmt_ms(t.slow_query_ms)}). Click a row to open it. "
           f"Page {number} of {pages}." + ("" if caps.track_io_timing else
                                             " I/O time is not measured: track_io_timing is off."))
picked = chosen.selection.rows if chosen else []
if picked:
    queryid = table["queryid"].iloc[picked[0]]
    if queryid is not pd.NA:  # hidden texts have no queryid to open
        st.switch_page("pages/query.py", query_params={"queryid": str(int(queryid))})

st.subheader(f"Maintenance and DDL statements ({totals.get('maintenance_statements') or 0})")
maintenance = stbind.guarded(lambda: page_of(db, Filters(kinds=("maintenance",)), explorer.PAGE_SIZE, 0))
if maintenance is not None and len(maintenance.frame):
    st.dataframe(charts.maintenance_frame(maintenance.frame), hide_index=True, width="stretch",
                 column_config={"Total": st.column_config.NumberColumn(format="%.2f s"),
                                "Mean": st.column_config.NumberColumn(format="%.2f ms")})
st.caption("ANALYZE, VACUUM, REFRESH, CREATE / REINDEX INDEX and other DDL are not queries: they are listed here, "
           "not above, and never count as slow statements or against the performance targets.")

st.subheader("Performance targets")
statement_review = stbind.guarded(lambda: review_of(db))
compliance = statement_review.compliance if statement_review else None
if compliance is not None:
    rows = [{"Statement class": s.label, "Target": fmt_ms(s.target_ms), "Statements": s.statements,
             "Within target": s.passed, "Slowest mean": fmt_ms(s.worst_mean_ms),
             "Result": "no statements" if s.ok is None else "pass" if s.ok else "fail"} for s in compliance.summary()]
    st.dataframe(rows, hide_index=True, width="stretch")
    st.caption(f"The guide's targets for the {len(compliance.assessments)} busiest statements that have one "
               f"({fmt_pct(compliance.ratio)} meet it); {compliance.without_target} do something the guide sets "
               "no target for" + (f", {compliance.not_read} could not be read" if compliance.not_read else "") +
               ". Classes come from the parsed SQL and the catalog's keys.")
    for a in compliance.offenders()[:10]:
        st.markdown(f":red-badge[{fmt_ms(a.statement.mean_exec_ms)} / {fmt_ms(a.target_ms)}] **{a.label}** "
                    f"· `{a.statement.short}` · [open](query?queryid={a.statement.queryid})")

st.subheader("N+1 patterns")
found = statement_review.n_plus_one if statement_review else None
with st.expander("How N+1 is detected", icon=":material/help:"):
    st.markdown(nplus1.heuristic(t))
if found is not None and not found:
    st.success("No N+1 pattern among the busiest statements.", icon=":material/check_circle:")


def n_plus_one_card(n) -> None:
    with st.container(border=True):
        badge = ":orange-badge[Likely N+1]" if n.likely else ":blue-badge[Possible N+1]"
        st.markdown(f"{badge} **{n.lookup.short}** runs once per row of **{n.listing.short}**")
        st.caption(n.describe())
        a, b = st.columns(2)
        if n.joined_sql:
            a.markdown("One query instead, joined:")
            a.code(n.joined_sql, language="sql", wrap_lines=True)
        else:
            a.markdown("Same table: select the columns the lookup fetches in the list statement itself.")
        b.markdown("Or fetch every listed key at once (an array parameter):")
        b.code(n.batched_sql, language="sql", wrap_lines=True)


for n in [n for n in found or [] if n.likely]:
    n_plus_one_card(n)
possible = [n for n in found or [] if not n.likely]
if possible:
    with st.expander(f"{len(possible)} possible N+1 on the same table", icon=":material/help:"):
        for n in possible:
            n_plus_one_card(n)
