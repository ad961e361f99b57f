"""Weekly review: the chosen week against the week before, readable as one screenshot at 1440×900."""

import streamlit as st

from lib import stbind
from lib.core.fmt import fmt_bytes, fmt_ms, fmt_pct
from lib.history import charts, history_key, present, read
from lib.history.periods import PeriodError, iso_week, recent_weeks
from lib.history.report_html import render
from lib.history.weekly import build_review
from pages.widgets import history_panels

stbind.require_app_shell()  # a deep link runs through app.py (its password gate) first

# One screen: less padding above the title, compact metrics and lists than Streamlit's defaults.
st.html("<style>.block-container{padding:2rem 2.5rem 0.5rem 2.5rem}"
        "[data-testid='stMetric']{padding:6px 10px}[data-testid='stMetricValue']{font-size:1.4rem}"
        "[data-testid='stMetricLabel'] p{font-size:0.78rem !important}"
        ".st-key-weekly-lists li,.st-key-weekly-lists p{font-size:0.86rem;margin-bottom:0.1rem}"
        ".st-key-weekly-lists h3{font-size:0.95rem;padding:0.2rem 0}"
        # findings' titles (often a statement's text) one line each, so the review stays one screen
        ".st-key-weekly-findings li{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}</style>")

config = stbind.current_config()  # history needs no connection: it lives in pgpulse's store
key = history_key(config)
thresholds = stbind.settings().thresholds
store = history_panels.store_or_notice()
if store is None:
    st.title("Weekly review")
    st.stop()

coverage = read.coverage(store, key)
weeks = [w.label for w in recent_weeks(coverage["first"])]
wanted = st.query_params.get("week")
if wanted and wanted not in weeks:
    try:
        weeks.insert(0, iso_week(wanted).label)
    except PeriodError:
        wanted = None


@st.cache_data(ttl=600, show_spinner="Reading history…")
def review_of(database: str, week: str, _store):
    return build_review(_store, database, iso_week(week), thresholds)


head = st.columns([5.2, 1.2, 1.4], vertical_alignment="bottom")
week = head[1].selectbox("Week", weeks, index=weeks.index(wanted) if wanted else 0, label_visibility="collapsed")
st.query_params["week"] = week
review = review_of(key, week, store)
prev = review.previous_period
head[0].title(f"Weekly review · {review.period.label}", anchor=False)
head[2].download_button("Download as HTML", data=lambda: render(review), file_name=f"pgpulse-{key}-{week}.html",
                        mime="text/html", icon=":material/download:", width="stretch")
badge = ":orange-badge[Demo data: recorded from the demo's real workload under simulated times] " if review.demo else ""
st.caption(f"{badge}{config.title} · {review.period.describe()} against {prev.label} ({prev.describe()}) · "
           f"{review.coverage['snapshots']} snapshots this week, "
           f"{review.coverage['previous_snapshots']} the week before")
if not coverage["snapshots"]:
    st.info("No history for this database yet. The app records a snapshot every "
            f"{thresholds.history_interval_s // 60} minutes while it runs; `python -m lib snapshot --every 5m` "
            "does the same from a terminal or cron.", icon=":material/history:")
    st.stop()

for col, n in zip(st.columns(len(review.numbers)), review.numbers, strict=True):
    change = present.delta(n)
    same = change == "±0"
    col.metric(n.label, present.value(n.value, n.unit), change, border=True,
               delta_color="off" if same else present.tone(n), delta_arrow="off" if same else "auto")


def short(s, width=60):
    return present.one_line(s["query"], width)


def bullet(lines, empty):
    st.markdown("\n".join(f"- {line}" for line in lines) if lines else f":gray[{empty}]")


table, chart = st.columns([1.45, 1], gap="medium")
table.dataframe(
    [{"Top statements by total time": short(s, 64), "Total": fmt_ms(s["total_exec_ms"]),
      "Δ mean": present.ratio_text(s["mean_change"]), "Calls": s["calls"], "Mean": fmt_ms(s["mean_exec_ms"])}
     for s in review.statements[:7]],
    hide_index=True, height=283, width="stretch",
    column_config={"Top statements by total time": st.column_config.TextColumn(width=290),
                   "Calls": st.column_config.NumberColumn(format="localized", width=62),
                   "Total": st.column_config.TextColumn(width=62),
                   "Δ mean": st.column_config.TextColumn(width=62),
                   "Mean": st.column_config.TextColumn(width=62)})
chart.plotly_chart(charts.daily_load(review, height=283), width="stretch", config={"displayModeBar": False})

lists = st.container(key="weekly-lists")
first, second, third = lists.columns(3, gap="medium")
with first:
    st.markdown(f"### Slower (mean > {fmt_ms(review.slow_ms)})")
    bullet([f"`{short(s, 34)}` {fmt_ms(s['previous']['mean_exec_ms'])} → **{fmt_ms(s['mean_exec_ms'])}**"
            + (f" :red[{present.cause_line(s['cause'], short=True)}]" if s["cause"] else "")
            for s in review.regressions[:3]]
           + [f"`{short(s, 34)}` **{fmt_ms(s['mean_exec_ms'])}** :gray[new this week]" for s in review.new_slow[:3]],
           "No statement got slower.")
with second:
    st.markdown("### Faster")
    bullet([f"`{short(s, 34)}` {fmt_ms(s['previous']['mean_exec_ms'])} → **{fmt_ms(s['mean_exec_ms'])}**"
            + (f" :green[{present.cause_line(s['cause'], short=True)}]" if s["cause"] else "")
            for s in review.improvements[:3]], "No statement got faster.")
with third:
    st.markdown("### Fastest growing tables")
    bullet([f"`{g['table']}` +{fmt_bytes(g['growth_bytes'])} → {fmt_bytes(g['size_bytes'])}"
            for g in review.growing_tables[:3]], "No table grew.")
with first:
    st.markdown("### New bloat and unused indexes")
    bullet(([f"`{b['table']}` {fmt_pct(b['dead_ratio'])} dead tuples" for b in review.new_bloat]
            + [f"`{i['index']}` unused, {fmt_bytes(i['size_bytes'])}" for i in review.new_unused_indexes])[:3],
           "Nothing new.")
with second:
    st.markdown(f"### Findings: {len(review.findings_opened)} opened, {len(review.findings_resolved)} resolved")
    with st.container(key="weekly-findings"):
        bullet(([f":orange[opened] {f['title']}" for f in review.findings_opened]
                + [f":green[resolved] {f['title']}" for f in review.findings_resolved])[:3], "No change.")
with third:
    st.markdown(f"### Actions taken: {len(review.actions)}")
    bullet([f"{present.day(a['at'])} {a['action'].replace('_', ' ')} `{(a['object'] or '').rsplit('.', 1)[-1]}` "
            f":gray[{a['outcome']}]" for a in review.actions[:3]], "No maintenance action this week.")
