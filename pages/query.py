"""Query detail: one statement, whole, with every counter, what is wrong with it, and where to go next.

The URL carries ?queryid=... so the page can be shared and reloaded.
"""

from pathlib import Path

import sqlparse
import streamlit as st

from lib import stbind
from lib.advisor.advise import advise
from lib.checks.lint import lint_text
from lib.core.fmt import fmt_bytes, fmt_count, fmt_ms, fmt_pct, plural
from lib.explain.source import parse_queryid
from lib.statements import explorer, review
from pages.widgets import advisor_panels
from pages.widgets.cards import metric

FORMAT_MAX_CHARS = 50_000  # sqlparse and the browser both slow down on bigger texts
SHOW_MAX_CHARS = 200_000
EXPLAIN_PAGE = Path(__file__).resolve().parent / "explain.py"
DETAIL_PAGE = "pages/query.py"
BUSIEST_LINKS = 10

db = stbind.require_db()
caps = db.capabilities
st.title("Query detail")
stbind.require_pgss(db)


@stbind.cached()
def busiest_of(db):
    return explorer.list_page(db, explorer.Filters(), 100, 0).frame


@stbind.cached(ttl=300)
def statement_advice(db, text):
    return advise(db, [text])


@stbind.cached()
def review_of(db):
    return review.review(db)


def picker(message: str) -> None:
    """Choose a statement when the URL names none (or one that is gone)."""
    if message:
        st.info(message, icon=":material/info:")
    frame = stbind.guarded(lambda: busiest_of(db))
    if frame is None or not len(frame):
        st.caption("No statements recorded yet: see Slow queries once the application has run some.")
        st.stop()
    frame = frame[frame["queryid"].notna()]
    labels = {int(r.queryid): f"{fmt_ms(r.total_exec_ms)} · {explorer.one_line(r.query, 110)}"
              for r in frame.itertuples()}
    chosen = st.selectbox("Statement (busiest first)", list(labels), index=None, format_func=labels.get,
                          placeholder="Pick a statement")
    if chosen is not None:
        st.query_params["queryid"] = str(chosen)
        st.rerun()
    st.markdown("**The busiest statements**, by total time since the statistics were reset:")
    for r in frame.head(BUSIEST_LINKS).itertuples():
        st.page_link(DETAIL_PAGE, query_params={"queryid": str(int(r.queryid))},
                     label=f"{fmt_ms(r.total_exec_ms)} · {plural(int(r.calls), 'call')} · {explorer.one_line(r.query, 100)}")
    st.stop()


raw = st.query_params.get("queryid")
queryid = parse_queryid(raw)
if raw is None:
    picker("")
if queryid is None:
    picker(f"“{raw}” is not a queryid (a 64-bit integer from pg_stat_statements).")
row = stbind.guarded(lambda: explorer.detail(db, queryid), db.config.display)
if row is None:
    picker(f"Statement {queryid} is not in pg_stat_statements any more: its statistics were reset since this "
           "link was made, or it was evicted to make room for others. Pick a current one:")

text = row["query"] or ""
st.caption(f"queryid `{queryid}` · role(s) {row['roles']}" +
           (f" · also recorded as {', '.join(f'`{q}`' for q in row['queryids'] if q != queryid)} (parameters "
            "of other types: one statement, several queryids)" if len(row["queryids"]) > 1 else ""))
if row["slow"]:
    st.warning(f"Slow: mean {fmt_ms(row['mean_exec_ms'])} is above {fmt_ms(db.thresholds.slow_query_ms)}.",
               icon=":material/speed:")

calls = row["calls"] or 0
cols = [*st.columns(5), *st.columns(5)]
metric(cols[0], "Calls", f"{calls:,}", "since the last reset")
metric(cols[1], "Rows per call", f"{row['rows_per_call'] or 0:,.1f}", f"{fmt_count(row['rows'])} rows in all")
metric(cols[2], "Mean time", fmt_ms(row["mean_exec_ms"]), f"σ {fmt_ms(row['stddev_exec_ms'])}")
metric(cols[3], "Max time", fmt_ms(row["max_exec_ms"]), f"min {fmt_ms(row['min_exec_ms'])}")
metric(cols[4], "Total time", fmt_ms(row["total_exec_ms"]), f"{fmt_pct(row['load_share'], 1)} of the load",
       help="Share of this database's execution time since pg_stat_statements was reset")
metric(cols[5], "Cache hit ratio", fmt_pct(row["hit_ratio"], 1),
       f"{fmt_count(row['shared_blks_hit'])} hit · {fmt_count(row['shared_blks_read'])} read")
metric(cols[6], "Planning", fmt_ms(row["mean_plan_ms"]) if row["plans"] else "–",
       f"{row['plans']:,} plans" if row["plans"] else "not tracked",
       help="Planning time is tracked when pg_stat_statements.track_planning is on")
metric(cols[7], "Temp written", fmt_bytes(row["temp_written_bytes"]), f"{fmt_count(row['temp_blks_read'])} blocks read")
metric(cols[8], "I/O time", fmt_ms((row["io_read_ms"] or 0) + (row["io_write_ms"] or 0) + (row["temp_io_ms"] or 0))
       if caps.track_io_timing else "–",
       f"{fmt_ms(row['io_read_ms'])} reading" if caps.track_io_timing else "track_io_timing is off",
       help=f"Reading {fmt_ms(row['io_read_ms'])}, writing {fmt_ms(row['io_write_ms'])}, temporary files "
       f"{fmt_ms(row['temp_io_ms'])}")
metric(cols[9], "WAL written", fmt_bytes(row["wal_bytes"]), f"{fmt_count(row['wal_records'])} records" +
       (f" · JIT {fmt_ms(row['jit_ms'])}" if row["jit_functions"] else ""))

st.subheader("SQL")
if len(text) <= FORMAT_MAX_CHARS:
    st.code(sqlparse.format(text, reindent=True, wrap_after=80), language="sql", wrap_lines=True)
else:
    st.caption(f"{len(text):,} characters: shown as recorded" + (f", first {SHOW_MAX_CHARS:,}" if len(text) >
                                                                  SHOW_MAX_CHARS else "") + ".")
    st.code(text[:SHOW_MAX_CHARS], language="sql", wrap_lines=True)
st.download_button("Download the SQL", text, file_name=f"query-{queryid}.sql", mime="text/plain")
if EXPLAIN_PAGE.exists() and st.button("Explain this query", icon=":material/account_tree:"):
    st.session_state["pgpulse_explain_sql"] = text
    st.switch_page("pages/explain.py", query_params={"queryid": str(queryid)})

st.subheader("What the guide says about it")
statement_review = stbind.guarded(lambda: review_of(db))
assessed = statement_review.compliance.of(queryid) if statement_review else None
if assessed:
    verdict = ":green-badge[within target]" if assessed.passed else ":red-badge[over target]"
    st.markdown(f"{verdict} **{assessed.label}**: mean {fmt_ms(assessed.statement.mean_exec_ms)} against "
                f"{fmt_ms(assessed.target_ms)} ({assessed.reason}).")
for n in statement_review.n_plus_one_of(queryid) if statement_review else []:
    st.warning(f"{'Likely' if n.likely else 'Possible'} N+1: runs once per row of `{n.listing.short}`. "
               f"{n.describe()}.", icon=":material/repeat:")
    st.code(n.joined_sql or n.batched_sql, language="sql", wrap_lines=True)
report = lint_text(text) if len(text.encode()) <= explorer.PARSE_MAX_BYTES else None
if report is None:
    st.caption("The text is too long to lint on a page load.")
else:
    for note in report.notes:
        st.info(f"Not linted: {note}. pg_stat_statements shows the statement as it was sent; a text PostgreSQL's "
                "parser rejects here has no lint findings.", icon=":material/info:")
    if not report and not report.notes:
        st.success("No lint findings: none of the guide's query rules applies.", icon=":material/check_circle:")
    for rule_id in dict.fromkeys(f.rule for f in report):
        hits = [f for f in report if f.rule == rule_id]
        first = hits[0]
        with st.container(border=True):
            badge = ":orange-badge[Warning]" if any(h.severity == "warning" for h in hits) else ":blue-badge[Info]"
            st.markdown(f"{badge} **{first.title}** · `{rule_id}`")
            for h in hits:
                st.markdown(f"- {h.message[:1].upper()}{h.message[1:]}.")
            st.markdown(first.advice)
            for suggestion in dict.fromkeys(h.suggestion for h in hits if h.suggestion):
                st.code(suggestion, language="sql", wrap_lines=True)
            a, b = st.columns(2)
            a.caption("For example, instead of")
            a.code(first.example.before, language="sql", wrap_lines=True)
            b.caption("write")
            b.code(first.example.after, language="sql", wrap_lines=True)

st.subheader("Indexes that would help this statement")
if len(text.encode()) > explorer.PARSE_MAX_BYTES:
    st.caption("The text is too long to read on a page load.")
else:
    helping = stbind.guarded(lambda: statement_advice(db, text), db.config.display)
    if helping is not None:
        for note in helping.notes:
            st.caption(note)
        if not helping.recommendations:
            st.success("No missing index: what it filters, joins and sorts on is served by an existing index, or "
                       "it reads too few rows to need one.", icon=":material/check_circle:")
        for n, rec in enumerate(helping.recommendations, 1):
            advisor_panels.recommendation_card(db, helping, rec, n, actions=False)
        st.page_link("pages/index_advisor.py", label="Create and measure it in the Index advisor",
                     icon=":material/lightbulb:", query_params={"queryid": str(queryid)})

st.subheader("History")
try:
    from pages.widgets.history_panels import query_history_chart
except ImportError:
    st.info("History appears once snapshots are being taken.", icon=":material/timeline:")
else:
    query_history_chart(db, queryid)
