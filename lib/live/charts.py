"""Plotly figures and display tables of the Activity page (no Streamlit here: pages draw what this returns)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from lib.live.activity import HIDDEN_STATE, Snapshot
from lib.live.blocking import BlockNode

STATE_COLORS = {"active": "#2ca02c", "idle": "#b0b0b0", "idle in transaction": "#ff7f0e",
                "idle in transaction (aborted)": "#d62728", "fastpath function call": "#17becf",
                "disabled": "#8c564b", HIDDEN_STATE: "#bcbd22", "background": "#1f77b4"}
STATE_ORDER = list(STATE_COLORS)


def _ordered_states(states) -> list[str]:
    present = set(states)
    return [s for s in STATE_ORDER if s in present] + sorted(present - set(STATE_ORDER))


def usage_figure(snapshot: Snapshot, alert_ratio: float) -> go.Figure:
    """Client connections by state, against the connections an ordinary role may open."""
    counts = snapshot.state_counts
    usable = snapshot.limits.usable
    fig = go.Figure()
    for state in _ordered_states(counts):
        fig.add_bar(y=["connections"], x=[counts[state]], name=state, orientation="h",
                    marker_color=STATE_COLORS.get(state, "#7f7f7f"),
                    hovertemplate=f"{state}: %{{x}}<extra></extra>")
    fig.add_vline(x=usable, line_color="#444", line_width=2,
                  annotation_text=f"limit {usable}", annotation_position="top")
    fig.add_vline(x=usable * alert_ratio, line_color="#ff7f0e", line_dash="dot",
                  annotation_text=f"alert {alert_ratio:.0%}", annotation_position="bottom")
    fig.update_layout(barmode="stack", height=150, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                      yaxis={"visible": False}, xaxis={"range": [0, max(usable, sum(counts.values())) * 1.05]},
                      legend={"orientation": "h", "y": -0.35})
    return fig


def breakdown_figure(snapshot: Snapshot, dimension: str) -> go.Figure:
    """Client sessions per database / role / application / client, stacked by state."""
    frame = snapshot.by(dimension)
    fig = go.Figure()
    if dimension == "state":
        for state in _ordered_states(frame["state"]):
            fig.add_bar(x=frame[frame["state"] == state]["sessions"], y=[state], orientation="h", name=state,
                        marker_color=STATE_COLORS.get(state, "#7f7f7f"))
    else:
        column = frame.columns[0]
        totals = frame.groupby(column)["sessions"].sum().sort_values()
        for state in _ordered_states(frame["state"]):
            part = frame[frame["state"] == state].set_index(column)["sessions"].reindex(totals.index, fill_value=0)
            fig.add_bar(x=part.values, y=[str(v) for v in part.index], orientation="h", name=state,
                        marker_color=STATE_COLORS.get(state, "#7f7f7f"))
    rows = max(len(fig.data[0].y) if fig.data else 1, 1)
    fig.update_layout(barmode="stack", height=90 + 28 * min(rows, 20), margin={"l": 10, "r": 10, "t": 10, "b": 10},
                      showlegend=dimension != "state", legend={"orientation": "h", "y": -0.2},
                      xaxis={"title": "sessions", "dtick": 1 if frame["sessions"].sum() < 12 else None})
    return fig


def tree_table(nodes: list[BlockNode]) -> pd.DataFrame:
    """The blocking tree as rows, indented under each blocker, root blockers first."""
    rows = []
    for n in nodes:
        s = n.session or {}
        lock = n.lock or {}
        label = ("" if n.is_root else "\u2003" * (n.depth - 1) + "└─ ") + f"pid {n.pid}"
        rows.append({
            "session": label,
            "role": "ROOT BLOCKER" if n.is_root else f"blocked by {', '.join(map(str, n.blocked_by))}",
            "waiting_behind": n.waiting,
            "state": s.get("state_label") or "ended",
            "wants": f"{lock.get('wanted_mode')} on {lock.get('relation') or lock.get('locktype')}" if lock else "",
            "blocker_holds": n.held_by_parent or "",
            "waited_s": n.wait_s if not n.is_root else None,
            "running_s": s.get("xact_s"),
            "who": f"{s.get('usename') or '?'}@{s.get('datname') or '?'} · {s.get('application_name') or ''}",
            "query": " ".join((s.get("query") or "").split()),
        })
    return pd.DataFrame(rows)


def sessions_table(frame: pd.DataFrame, duration: str) -> pd.DataFrame:
    """Long-running or idle-in-transaction sessions, for st.dataframe."""
    out = pd.DataFrame({
        "pid": frame["pid"], "duration_s": frame[duration], "state": frame["state_label"],
        "wait": (frame["wait_event_type"].fillna("") + ": " + frame["wait_event"].fillna("")).str.strip(": "),
        "who": frame["usename"].fillna("?") + "@" + frame["datname"].fillna("?"),
        "application": frame["application_name"], "client": frame["client"],
        "query": frame["query"].fillna("").map(lambda q: " ".join(q.split())),
    })
    return out.reset_index(drop=True)
