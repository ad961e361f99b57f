"""Overview: is the database healthy, in five seconds."""

import plotly.graph_objects as go
import streamlit as st

from lib import stbind
from lib.checks import impact
from lib.core.findings import Severity
from lib.core.fmt import fmt_age, fmt_bytes, fmt_ms, fmt_pct
from lib.statements import review
from pages.widgets import cached_checks, history_panels
from pages.widgets.cards import COLORS, do_first_line, findings_by_area, metric

db = stbind.require_db()
caps = db.capabilities
t = db.thresholds


st.title(f"Overview · {db.config.title}")
st.caption(f"PostgreSQL {caps.version} · {db.config.display} · database `{caps.database}`")

n = stbind.guarded(lambda: cached_checks.numbers(db), db.config.display)
result = stbind.guarded(lambda: cached_checks.all_findings(db), db.config.display)
if n is None or result is None:
    st.stop()

topics = impact.topics(result.findings, caps.database)
worst = result.worst()
counts = {s: sum(1 for topic in topics if topic.severity == s) for s in Severity}
verdict = (f"{counts[Severity.CRITICAL]} critical and {counts[Severity.WARNING]} warning topics need attention"
           if worst >= Severity.WARNING else "Healthy: no warnings")
{Severity.CRITICAL: st.error, Severity.WARNING: st.warning}.get(worst, st.success)(f"**{verdict}**")
first = impact.do_first(topics)
if first:
    with st.container(border=True):
        st.markdown("**Do first**", help="The findings that matter most, by impact: share of query time, space at "
                                         "stake and risk (critical first). Every finding is in its area below.")
        for rank, topic in enumerate(first, 1):
            do_first_line(topic, rank)

st.subheader("Findings by area", help="Findings about one object (a statement, a table, an index) are one topic.")
findings_by_area(impact.areas(topics))
cached_checks.freshness(db, result)
for check_id, error in result.errors.items():
    st.caption(f"⚠️ Check `{check_id}` could not run: {error}")

numbers_side, limits = st.columns([3, 2], vertical_alignment="center")
with numbers_side:
    cols = [*st.columns(3), *st.columns(3)]
metric(cols[0], "Database size", fmt_bytes(n.size_bytes), n.size_note)
metric(cols[1], "Connections", f"{n.connections} / {n.usable_connections}",
       f"{n.active_connections} active · {n.idle_in_transaction} idle in tx")
metric(cols[2], "Cache hit ratio", fmt_pct(n.cache_hit_ratio, 2), f"target ≥ {fmt_pct(t.cache_hit_ratio)}")
if n.total_exec_ms is not None:
    metric(cols[3], "Query time since reset", fmt_ms(n.total_exec_ms), f"{n.calls:,} calls")
    metric(cols[4], "Slow statements", f"{n.slow_statements}", f"mean above {fmt_ms(t.slow_query_ms)}")
    metric(cols[5], "Statistics since", fmt_age(n.statements_reset or n.stats_reset), "last reset",
           help="When pg_stat_statements was last reset: every figure here counts from then.")
else:
    metric(cols[3], "Query statistics", "unavailable", "pg_stat_statements")
    metric(cols[4], "Server up since", fmt_age(n.server_started))
    metric(cols[5], "Statistics since", fmt_age(n.stats_reset), "last reset")
    st.info(caps.pgss_problem() or "", icon=":material/info:")


def gauge_chart() -> go.Figure:
    """How close each limit is: the bar is the used share, the line the guide's alert level."""
    rows = [("Database size", n.size_ratio, t.database_size_ratio)] if n.size_ratio is not None else []
    rows.append(("Connections", n.connection_ratio, t.connections_ratio))
    if n.cache_hit_ratio is not None:
        rows.append(("Cache misses", 1 - n.cache_hit_ratio, 1 - t.cache_hit_ratio))
    fig = go.Figure()
    for label, value, limit in rows:
        color = COLORS[Severity.WARNING if value > limit else Severity.OK]
        fig.add_bar(y=[label], x=[value], orientation="h", marker_color=color, showlegend=False,
                    text=[fmt_pct(value, 1)], textposition="outside", hovertemplate=f"{label}: %{{x:.1%}}<extra></extra>")
        fig.add_scatter(y=[label], x=[limit], mode="markers", marker={"symbol": "line-ns-open", "size": 26,
                        "color": "#444"}, showlegend=False, hovertemplate=f"alert at {limit:.0%}<extra></extra>")
    fig.update_layout(height=170, margin={"l": 10, "r": 40, "t": 10, "b": 10}, barmode="overlay",
                      xaxis={"tickformat": ".0%", "range": [0, max(1.0, *(r[1] * 1.15 for r in rows))]})
    return fig


with limits:
    st.markdown("**Against the limits**")
    st.plotly_chart(gauge_chart(), width="stretch", config={"displayModeBar": False})
growth, targets_side = st.columns(2)
with growth:
    history_panels.database_growth_chart(db, height=200)


@stbind.cached()
def review_of(db):  # the same cache entry as the Slow queries page's
    return review.review(db)


def performance_targets() -> None:
    st.markdown("**Performance targets**", help="Mean time of the busiest statements against the guide's targets; "
                                                "details on Slow queries.")
    statement_review = stbind.guarded(lambda: review_of(db))
    if statement_review is not None:
        cells = [*st.columns(3), *st.columns(3)]
        for cell, s in zip(cells, statement_review.compliance.summary(), strict=False):
            badge = (":gray-badge[no statements]" if s.ok is None else f":green-badge[:material/check: {s.passed} of "
                     f"{s.statements} pass]" if s.ok else f":red-badge[:material/close: {s.failed} of {s.statements} over]")
            cell.markdown(f"**{s.label}** ≤ {fmt_ms(s.target_ms)}  \n{badge}")


if caps.has_pgss:
    with targets_side:
        performance_targets()
