"""The index advisor's recommendations as cards: the SQL, the statements served (cost before → after),
size and write cost; a create button (the confirmed maintenance action) between two real measurements
(EXPLAIN ANALYZE before, and after once the index exists), and the plan comparison."""

from __future__ import annotations

import hashlib

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from lib import stbind
from lib.actions import builders
from lib.advisor import measure
from lib.advisor.advise import Advice, Recommendation
from lib.core.fmt import fmt_bytes, fmt_count, fmt_ms
from pages.widgets import action_control, plan_view

BEFORE = "pgpulse_advisor_before"  # key -> [Measurement] before the index
AFTER = "pgpulse_advisor_after"  # key -> [Result] once it exists
PINNED = "pgpulse_advisor_pinned"  # key -> (Advice, Recommendation) being measured: kept once the index exists


def kind_badges(rec: Recommendation) -> str:
    c = rec.candidate
    badges = [":green-badge[verified with hypopg]" if rec.verified else ":orange-badge[not verified]"]
    if any(k.function for k in c.keys):
        badges.append(":blue-badge[expression]")
    if c.equal_count and len(c.keys) > 1:
        badges.append(":blue-badge[composite]")
    if c.where is not None:
        badges.append(":blue-badge[partial]")
    if c.include:
        badges.append(":blue-badge[INCLUDE: index-only scan]")
    return " ".join(badges)


def statements_frame(rec: Recommendation) -> pd.DataFrame:
    rows = []
    for s in rec.statements:
        if rec.verified:
            before, after = s.cost_before, s.cost_after
            gain = f"×{s.speedup:,.1f}" if s.speedup else "–"
        else:
            before, after = s.rows_before, s.rows_after
            gain = f"×{before / after:,.1f}" if before and after else "–"
        rows.append({"statement": s.statement.short(100), "queryid": str(s.statement.queryid or "pasted"),
                     "calls": s.statement.calls, "before": before, "after": after, "gain": gain})
    return pd.DataFrame(rows)


def benefit_chart(advice: Advice) -> go.Figure:
    recs = advice.recommendations[::-1]
    labels = [f"{r.table.name} ({', '.join(r.candidate.columns)})" for r in recs]
    fig = go.Figure(go.Bar(x=[r.benefit for r in recs], y=labels, orientation="h", marker_color="#2e7d32",
                           hovertemplate="%{y}: %{x:,.0f}<extra></extra>"))
    unit = "planner cost saved × calls" if advice.hypopg else "rows read avoided × calls (estimate)"
    fig.update_layout(height=60 + 34 * len(recs), margin={"l": 10, "r": 10, "t": 30, "b": 10},
                      title={"text": f"Benefit for the workload ({unit})", "font": {"size": 14}})
    return fig


def rec_key(db, rec: Recommendation) -> str:
    return hashlib.sha1(f"{db.config.name}\n{rec.sql}".encode()).hexdigest()[:12]


def recommendation_card(db, advice: Advice, rec: Recommendation, number: int | None, actions: bool = True) -> None:
    with st.container(border=True):
        st.markdown(f"**{f'{number}. ' if number else ''}{rec.table.display}** ({', '.join(rec.candidate.columns)}) {kind_badges(rec)}")
        st.code(rec.sql + ";", language="sql", wrap_lines=True)
        st.caption(f"About {fmt_bytes(rec.estimated_bytes)} · the table takes {fmt_count(rec.writes_per_day)} "
                   "row writes a day, each one now also updates this index · serves "
                   f"{len(rec.statements)} statement(s)")
        unit = "cost" if rec.verified else "rows read"
        num = st.column_config.NumberColumn
        st.dataframe(statements_frame(rec), hide_index=True, width="stretch", column_config={
            "before": num(f"{unit} before", format="%.1f"), "after": num(f"{unit} after", format="%.1f"),
            "calls": num("calls", format="%d")})
        if actions:
            create_and_measure(db, advice, rec)


def create_and_measure(db, advice: Advice, rec: Recommendation) -> None:
    """Measure before, create (confirmed, audited), measure after, compare; then offer the undo (DROP)."""
    key = rec_key(db, rec)
    before = st.session_state.setdefault(BEFORE, {}).get(key)
    run = st.session_state.get(action_control.RUNS, {}).get(action_control.action_key(db, rec.action))
    if before is None:
        if st.button("Measure the statements now (EXPLAIN ANALYZE)", key=f"measure:{key}", icon=":material/timer:",
                     help="Runs each SELECT it serves with representative values, rolled back; then you can "
                          "create the index and see the same statements measured again."):
            with st.spinner("EXPLAIN ANALYZE…"):
                st.session_state[BEFORE][key] = measure.measure(db, advice, rec, plan_view.store(
                    stbind.settings().store_url), f"before {rec.action.target_name}")
                st.session_state.setdefault(PINNED, {})[key] = (advice, rec)
            st.rerun()
        st.caption("Measure first, then create: the page shows the same statements measured before and after.")
        return
    for m in before:
        st.markdown(f"- before: {fmt_ms(m.ms) if m.run else m.problem} · `{m.statement.short(70)}`")
    action_control.action_control(db, rec.action, label="Create this index…")
    if run is None or run.state != "done":
        return
    results = st.session_state.setdefault(AFTER, {}).get(key)
    if results is None:
        with st.spinner("Measuring again…"):
            after = measure.measure(db, advice, rec, plan_view.store(stbind.settings().store_url),
                                    f"after {rec.action.target_name}")
        results = st.session_state[AFTER][key] = measure.compared(before, after)
    for r in results:
        st.markdown(f"**Measured:** `{r.statement.short(90)}`")
        if r.comparison is None:
            st.caption(r.problem or "not measured")
            continue
        plan_view.show_comparison(r.comparison)
    st.caption("The creation is in the audit log (and the weekly review); undo it by dropping the index:")
    action_control.action_control(db, builders.drop_index(rec.action.target_schema, rec.action.target_name),
                                  label="Undo: drop this index…")


def pinned(db) -> list[tuple[str, Advice, Recommendation]]:
    """Recommendations measured in this session on this database (drawn even once the index exists)."""
    return [(key, advice, rec) for key, (advice, rec) in st.session_state.get(PINNED, {}).items()
            if advice.database == db.capabilities.database and rec_key(db, rec) == key]
