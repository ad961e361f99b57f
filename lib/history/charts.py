"""Plotly figures of history, shared by the pages and the standalone HTML report (no Streamlit here)."""

from __future__ import annotations

from datetime import UTC, datetime

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lib.history import present
from lib.history.retention import DAY, HOUR, bucket_end

CURRENT, PREVIOUS, ACTION = "#2563eb", "#9ca3af", "#dc2626"
FONT = {"size": 11}
GAP_FACTOR = 2.5  # a time between two points this many times the usual interval is a gap: the line breaks


def with_gaps(rows: list[dict], keys: tuple[str, ...], interval: float | None = None,
              factor: float = GAP_FACTOR) -> list[dict]:
    """`rows` (sorted by "at") with a row of Nones wherever no snapshot was taken for more than `factor` times
    the usual interval (the median one, unless given), so a line stops there instead of drawing a straight,
    gradual-looking change across time nothing was measured."""
    if len(rows) < 2:
        return list(rows)
    steps = sorted(b["at"] - a["at"] for a, b in zip(rows, rows[1:], strict=False) if b["at"] > a["at"])
    usual = interval or (steps[len(steps) // 2] if steps else 0)
    if not usual:
        return list(rows)
    out = [rows[0]]
    for before, row in zip(rows, rows[1:], strict=False):
        if row["at"] - before["at"] > factor * usual:
            out.append({**{k: None for k in keys}, "at": before["at"] + usual})
        out.append(row)
    return out


def _layout(fig: go.Figure, height: int, **extra) -> go.Figure:
    fig.update_layout(height=height, margin={"l": 8, "r": 8, "t": 28, "b": 8}, font=FONT,
                      legend={"orientation": "h", "y": 1.02, "x": 1, "xanchor": "right", "yanchor": "bottom"},
                      plot_bgcolor="white", **extra)
    fig.update_xaxes(showgrid=False)
    fig.update_yaxes(gridcolor="#eef0f3")
    return fig


def daily_load(review, height: int = 210) -> go.Figure:
    """Query time per day, this period against the one before, day by day."""
    fig = go.Figure()
    for which, name, color in (("previous", review.previous_period.label, PREVIOUS),
                               ("current", review.period.label, CURRENT)):
        days = [d for d in review.daily if d["period"] == which]
        labels = [f"{datetime.fromisoformat(d['date']):%a}" if review.period.days == 7 else f"day {d['day'] + 1}"
                  for d in days]
        fig.add_bar(x=labels, y=[d["exec_ms"] / 1000 for d in days], name=name, marker_color=color,
                    customdata=[[d["date"], d["calls"]] for d in days],
                    hovertemplate="%{customdata[0]}: %{y:.1f} s of query time, %{customdata[1]:,} calls<extra></extra>")
    return _layout(fig, height, barmode="group", title={"text": "Query time per day (s)", "font": FONT, "x": 0})


def database_size(sizes: list[dict], start: float | None = None, height: int = 210,
                  title: str = "Database size") -> go.Figure:
    """Database size over time; a dotted line where the chosen period starts."""
    fig = go.Figure()
    sizes = with_gaps(sizes, ("size_bytes",))
    fig.add_scatter(x=[_dt(s["at"]) for s in sizes], y=[_mb(s["size_bytes"]) for s in sizes], mode="lines",
                    line={"color": CURRENT, "shape": "hv"}, name="size",
                    hovertemplate="%{x|%a %d %b %H:%M}: %{y:.1f} MB<extra></extra>", showlegend=False)
    if start is not None:
        fig.add_vline(x=_dt(start).timestamp() * 1000, line_dash="dot", line_color=PREVIOUS)
    fig.update_yaxes(ticksuffix=" MB")
    return _layout(fig, height, title={"text": title, "font": FONT, "x": 0})


def top_statements(review, n: int = 8, height: int = 260) -> go.Figure:
    """The statements with the most query time this period, with their time the period before."""
    top = review.statements[:n][::-1]
    labels = [f"{present.one_line(s['query'], 48)}" for s in top]
    fig = go.Figure()
    fig.add_bar(y=labels, x=[(s["previous"] or {}).get("total_exec_ms", 0) / 1000 for s in top], orientation="h",
                name=review.previous_period.label, marker_color=PREVIOUS,
                hovertemplate="%{x:.2f} s<extra>before</extra>")
    fig.add_bar(y=labels, x=[s["total_exec_ms"] / 1000 for s in top], orientation="h", name=review.period.label,
                marker_color=CURRENT, hovertemplate="%{x:.2f} s<extra>this period</extra>")
    fig.update_xaxes(ticksuffix=" s")
    return _layout(fig, height, barmode="group", title={"text": "Top statements by total time", "font": FONT, "x": 0})


def bucket_size(first: float, last: float) -> int:
    span = last - first
    return 300 if span <= 2 * DAY else HOUR if span <= 21 * DAY else DAY


def bucketed(series: list[dict], size: int) -> list[dict]:
    """Sum increments per (start, end] bucket; the mean of a bucket is its time over its calls."""
    out: dict[float, dict] = {}
    for s in series:
        b = out.setdefault(bucket_end(s["at"], size), {"at": bucket_end(s["at"], size), "calls": 0,
                                                        "total_exec_ms": 0.0})
        b["calls"] += s["calls"]
        b["total_exec_ms"] += s["total_exec_ms"]
    for b in out.values():
        b["mean_exec_ms"] = b["total_exec_ms"] / b["calls"] if b["calls"] else None
    return [out[k] for k in sorted(out)]


def query_history(series: list[dict], actions: list[dict], height: int = 420) -> go.Figure:
    """Calls, mean and total time of one statement over time, with maintenance actions as red lines."""
    size = bucket_size(series[0]["at"], series[-1]["at"]) if series else HOUR
    rows = with_gaps(bucketed(series, size), ("calls", "total_exec_ms", "mean_exec_ms"), interval=size)
    unit = {300: "5 min", HOUR: "hour", DAY: "day"}[size]
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.06,
                        subplot_titles=(f"Calls per {unit}", "Mean time (ms)", f"Total time per {unit} (s)"))
    x = [_dt(r["at"] - size) for r in rows]  # a bucket is drawn at its start
    fig.add_bar(x=x, y=[r["calls"] for r in rows], marker_color=PREVIOUS, row=1, col=1, showlegend=False,
                hovertemplate="%{x|%a %d %b %H:%M}: %{y:,} calls<extra></extra>")
    fig.add_scatter(x=x, y=[r["mean_exec_ms"] for r in rows], mode="lines+markers", connectgaps=False,
                    line={"color": CURRENT}, marker={"size": 4}, row=2, col=1, showlegend=False,
                    hovertemplate="%{x|%a %d %b %H:%M}: %{y:.2f} ms<extra></extra>")
    fig.add_bar(x=x, y=[None if r["total_exec_ms"] is None else r["total_exec_ms"] / 1000 for r in rows],
                marker_color=CURRENT, row=3, col=1,
                showlegend=False, hovertemplate="%{x|%a %d %b %H:%M}: %{y:.2f} s<extra></extra>")
    for a in actions:
        fig.add_vline(x=_dt(a["at"]).timestamp() * 1000, line_color=ACTION, line_dash="dash", line_width=1.5)
        fig.add_annotation(x=_dt(a["at"]), y=1.0, yref="paper", text=(a.get("action") or "").replace("_", " "),
                           showarrow=False, font={"size": 10, "color": ACTION}, xanchor="left", yanchor="bottom")
    return _layout(fig, height)


def table_growth(rows: list[dict], height: int = 260) -> go.Figure:
    """Size over time of some tables: rows of (table, at, size_bytes)."""
    fig = go.Figure()
    for table in dict.fromkeys(r["table"] for r in rows):
        mine = with_gaps([r for r in rows if r["table"] == table], ("size_bytes",))
        fig.add_scatter(x=[_dt(r["at"]) for r in mine], y=[_mb(r["size_bytes"]) for r in mine], name=table,
                        mode="lines", line={"shape": "hv"}, hovertemplate="%{y:.1f} MB<extra>" + table + "</extra>")
    fig.update_yaxes(ticksuffix=" MB")
    return _layout(fig, height, title={"text": "Table size", "font": FONT, "x": 0})


def _mb(size: float | None) -> float | None:
    """Bytes in MB as PostgreSQL counts them (1024² bytes, pg_size_pretty's "MB")."""
    return None if size is None else size / 1024**2


def _dt(at: float) -> datetime:
    return datetime.fromtimestamp(at, UTC)
