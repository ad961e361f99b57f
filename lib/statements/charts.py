"""Figures and table shapes for the statements explorer (plotly and pandas only; pages draw them)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from lib.core.fmt import fmt_bytes, fmt_ms, fmt_pct
from lib.statements.explorer import one_line

SLOW_COLOR = "#d62728"
NORMAL_COLOR = "#1f77b4"

# Explorer column -> (heading, column in statements_list)
COLUMNS = {
    "Statement": "query",
    "Kind": "kind",
    "Calls": "calls",
    "Total": "total_s",
    "Mean": "mean_exec_ms",
    "Min": "min_exec_ms",
    "Max": "max_exec_ms",
    "Stddev": "stddev_exec_ms",
    "Planning": "mean_plan_ms",
    "Rows": "rows",
    "Rows/call": "rows_per_call",
    "Load": "load_share",
    "Cache hits": "hit_ratio",
    "Shared hit": "shared_blks_hit",
    "Shared read": "shared_blks_read",
    "Temp written": "temp_written_bytes",
    "I/O time": "io_total_ms",
    "WAL": "wal_bytes",
    "JIT": "jit_ms",
    "Roles": "roles",
}


def _label(row) -> str:
    if row["hidden"]:
        return f"(hidden texts of {row['roles']})"
    return one_line(row["query"] or "(text not available)", 300)


def table_frame(frame: pd.DataFrame, io_timing: bool) -> pd.DataFrame:
    """The explorer's table: headings for people, optional columns only where they say something."""
    out = frame.copy()
    out["query"] = out.apply(_label, axis=1) if len(out) else out["query"]
    out["total_s"] = out["total_exec_ms"] / 1000
    out["io_total_ms"] = out["io_ms"] + out["temp_io_ms"]
    shown = dict(COLUMNS)
    if not (out["plans"] > 0).any():
        shown.pop("Planning")  # pg_stat_statements.track_planning is off
    if not io_timing:
        shown.pop("I/O time")
    if not (out["jit_functions"] > 0).any():
        shown.pop("JIT")
    table = out[list(shown.values())].copy()
    table.columns = list(shown)
    for heading in ("Temp written", "WAL"):  # sizes as pg_size_pretty writes them (Streamlit's "bytes": "8.2KB")
        table[heading] = table[heading].map(fmt_bytes)
    table.insert(0, "queryid", out["queryid"])
    table["slow"] = out["slow"].fillna(False).astype(bool)
    return table


def maintenance_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The maintenance and DDL statements, listed apart from the queries: what ran, how often, how long."""
    return pd.DataFrame({"Statement": [one_line(q, 120) for q in frame["query"]], "Calls": frame["calls"],
                         "Mean": frame["mean_exec_ms"], "Total": frame["total_exec_ms"] / 1000})


def _short(text: str, width: int = 48) -> str:
    return one_line(text, width)


def top_total_bar(frame: pd.DataFrame, n: int = 12) -> go.Figure:
    """Where the load is: the statements with the most total execution time."""
    top = frame.nlargest(n, "total_exec_ms").iloc[::-1]
    ranks = range(len(top), 0, -1)
    labels = [f"{rank}. {_short(_label(r), 40)}" for rank, (_, r) in zip(ranks, top.iterrows(), strict=True)]
    fig = go.Figure(go.Bar(
        y=labels, x=top["total_exec_ms"] / 1000, orientation="h",
        marker_color=[SLOW_COLOR if s else NORMAL_COLOR for s in top["slow"]],
        text=[f"{fmt_ms(v)} · {fmt_pct(s, 1)}" for v, s in zip(top["total_exec_ms"], top["load_share"].fillna(0),
                                                              strict=True)],
        textposition="auto", customdata=[_label(r)[:300] for _, r in top.iterrows()],
        hovertemplate="%{customdata}<br>total %{x:.2f} s<extra></extra>",
    ))
    fig.update_layout(height=max(260, 28 * len(top) + 60), margin={"l": 10, "r": 10, "t": 10, "b": 30},
                      xaxis_title="total execution time (s)", yaxis={"automargin": True})
    return fig


def calls_vs_mean(frame: pd.DataFrame, slow_ms: float) -> go.Figure:
    """Frequent-and-cheap against rare-and-slow: calls and mean on log scales, bubbles sized by total time."""
    data = frame[(frame["calls"] > 0) & (frame["mean_exec_ms"] > 0)]
    total = data["total_exec_ms"]
    sizes = 8 + 40 * (total / total.max()) ** 0.5 if len(data) else []
    fig = go.Figure(go.Scatter(
        x=data["calls"], y=data["mean_exec_ms"], mode="markers",
        marker={"size": sizes, "color": [SLOW_COLOR if s else NORMAL_COLOR for s in data["slow"]],
                "opacity": 0.6, "line": {"width": 0}},
        customdata=[[_short(_label(r), 90), fmt_ms(r["total_exec_ms"])] for _, r in data.iterrows()],
        hovertemplate="%{customdata[0]}<br>%{x:,} calls · mean %{y:.2f} ms · total %{customdata[1]}<extra></extra>",
    ))
    if len(data):
        # a line trace, not add_hline: hline annotations take log10 values on log axes
        span = [data["calls"].min() / 1.5, data["calls"].max() * 1.5]
        fig.add_scatter(x=span, y=[slow_ms, slow_ms], mode="lines+text", line={"dash": "dot", "color": "#888"},
                        text=[f"slow: {fmt_ms(slow_ms)}", ""], textposition="top right", hoverinfo="skip")
    fig.update_layout(showlegend=False)
    fig.update_layout(height=380, margin={"l": 10, "r": 10, "t": 10, "b": 30},
                      xaxis={"type": "log", "title": "calls"}, yaxis={"type": "log", "title": "mean time (ms)"})
    return fig
