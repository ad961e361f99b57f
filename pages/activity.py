"""Activity: live sessions, blocking, long queries, waits, maintenance progress and pooling advice."""

import streamlit as st

from lib import stbind
from lib.actions import builders
from lib.core.fmt import fmt_ms
from lib.live import activity, pooling
from lib.live.blocking import root_blockers
from lib.live.charts import breakdown_figure, sessions_table, tree_table, usage_figure
from pages.widgets import action_control
from pages.widgets.cards import metric

LIVE = "activity_live"
SESSION_KINDS = ("cancel_backend", "terminate_backend")
VISIBILITY_JS = """
export default function(component) {
  const { setStateValue } = component;
  const report = () => setStateValue('hidden', document.hidden);
  document.addEventListener('visibilitychange', report);
  return () => document.removeEventListener('visibilitychange', report);
}
"""
SECONDS = st.column_config.NumberColumn(format="%.0f s")

db = stbind.require_db()
t = db.thresholds
st.title(f"Activity · {db.config.title}")

# The browser tells when the tab is hidden: the live refresh stops then, and when paused.
tab = st.components.v2.component("pgpulse_tab_visibility", js=VISIBILITY_JS)(key="tab_visibility",
                                                                                on_hidden_change=lambda: None)
hidden_tab = bool(getattr(tab, "hidden", False))
left, right = st.columns([3, 1])
live = right.toggle(f"Live (every {t.activity_refresh_s:g} s)", value=True, key=LIVE,
                    help="Pause to read without the tables moving. Refresh also stops while the tab is hidden.")
action_control.runs_panel(db, kinds=SESSION_KINDS)  # the result of a cancel or terminate asked for here


def action_buttons(pid: int, session: dict | None, where: str) -> None:
    """Cancel / terminate through the shared confirmed runner (lib.maintenance): the dialog shows the
    session; the run refuses pgpulse's own sessions, and the pid once another session has it."""
    started = (session or {}).get("backend_start")
    a, b = st.columns(2)
    if a.button(f"Cancel query of pid {pid}", key=f"cancel-{where}-{pid}", icon=":material/stop_circle:"):
        action_control.request(db, builders.cancel_backend(pid, started))
    if b.button(f"Terminate pid {pid}", key=f"terminate-{where}-{pid}", icon=":material/power_settings_new:"):
        action_control.request(db, builders.terminate_backend(pid, started))


paused = not live or hidden_tab or action_control.requested() is not None
left.caption(("Paused." if paused else f"Live: refreshed every {t.activity_refresh_s:g} s.")
             + f" {db.config.display} · every database of the server")


@st.fragment(run_every=None if paused else t.activity_refresh_s)
def live_view() -> None:
    snap = stbind.guarded(lambda: activity.collect(db), db.config.display)
    if snap is None:
        return
    nodes = snap.blocking()
    long_running = snap.long_running(t.long_running_s)
    idle_tx = snap.idle_in_transaction(t.idle_in_transaction_s)
    counts = snap.state_counts
    clients = len(snap.clients)
    cols = st.columns(6)
    metric(cols[0], "Client connections", f"{clients} / {snap.limits.usable}",
           f"{snap.limits.max_connections} − {snap.limits.max_connections - snap.limits.usable} reserved")
    metric(cols[1], "Active", str(counts.get("active", 0)))
    metric(cols[2], "Idle", str(counts.get("idle", 0)))
    metric(cols[3], "Idle in transaction", str(sum(v for k, v in counts.items() if k.startswith("idle in tr"))))
    metric(cols[4], "Blocked sessions", str(sum(1 for n in nodes if not n.is_root)))
    metric(cols[5], "Long-running", str(len(long_running)), f"over {fmt_ms(t.long_running_s * 1000)}")
    if snap.hidden and (note := db.capabilities.privilege_note()):
        st.info(f"{snap.hidden} session(s) show as <insufficient privilege>. {note}", icon=":material/lock:")
    st.plotly_chart(usage_figure(snap, t.connections_ratio), width="stretch", config={"displayModeBar": False})

    st.subheader("Blocking")
    if not nodes:
        st.success("No session is waiting on another session's lock.", icon=":material/check_circle:")
    for root in root_blockers(nodes):
        s = root.session or {}
        behind = [n for n in nodes if root.pid in n.roots and not n.is_root]
        with st.container(border=True):
            st.markdown(f":red-badge[:material/block: Root blocker] **pid {root.pid}** blocks **{len(behind)}** "
                        f"session(s) · {s.get('state_label', 'ended')} · {s.get('usename') or '?'}@"
                        f"{s.get('datname') or '?'} · transaction open {fmt_ms((s.get('xact_s') or 0) * 1000)}")
            st.code(s.get("query") or "(the session has ended)", language="sql", wrap_lines=True)
            action_buttons(root.pid, s, "root")
    if nodes:
        st.dataframe(tree_table(nodes), hide_index=True, width="stretch", column_config={
            "waited_s": st.column_config.NumberColumn("waited", format="%.1f s"),
            "running_s": st.column_config.NumberColumn("transaction open", format="%.0f s"),
            "waiting_behind": st.column_config.NumberColumn("sessions behind it"),
            "blocker_holds": st.column_config.TextColumn("its blocker holds")})

    for title, frame, duration, empty in (
            (f"Long-running queries (over {fmt_ms(t.long_running_s * 1000)})", long_running, "query_s",
             "No query has been running that long."),
            (f"Idle in transaction (over {fmt_ms(t.idle_in_transaction_s * 1000)})", idle_tx, "state_s",
             "No session is idle inside a transaction that long.")):
        st.subheader(title)
        if frame.empty:
            st.caption(empty)
            continue
        table = sessions_table(frame, duration)
        picked = st.dataframe(table, hide_index=True, width="stretch", on_select="rerun",
                              selection_mode="single-row", key=f"table-{duration}",
                              column_config={"duration_s": st.column_config.NumberColumn("duration", format="%.0f s"),
                                             "pid": st.column_config.NumberColumn(format="%d")})
        rows = picked.selection.rows if picked else []
        if rows:
            pid = int(table.iloc[rows[0]]["pid"])
            action_buttons(pid, snap.session(pid), duration)
        else:
            st.caption("Select a row to cancel its query or terminate its session.")

    waits, running = st.columns(2)
    with waits:
        st.subheader("Wait events")
        frame = snap.wait_events()
        if frame.empty:
            st.caption("No active session.")
        else:
            st.dataframe(frame, hide_index=True, width="stretch", column_config={
                "wait_event_type": "wait type", "wait_event": "wait event"})
    with running:
        st.subheader("Maintenance in progress")
        progress = snap.progress
        if progress.empty:
            st.caption("No VACUUM, CREATE INDEX, ANALYZE or CLUSTER is running.")
        else:
            shown = progress.assign(progress=(progress["done"] / progress["total"].where(progress["total"] > 0)).fillna(0))
            st.dataframe(shown[["command", "relation", "progress", "phase", "running_s", "pid", "datname", "unit"]],
                         hide_index=True, width="stretch", column_config={
                             "progress": st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1),
                             "running_s": SECONDS})

    st.subheader("Sessions by")
    dimension = st.segmented_control("Group sessions by", list(activity.DIMENSIONS), default="state",
                                     label_visibility="collapsed", key="activity_dimension") or "state"
    st.plotly_chart(breakdown_figure(snap, dimension), width="stretch", config={"displayModeBar": False})

    st.subheader("Pooling advice")
    c1, c2 = st.columns(2)
    cores = c1.number_input("CPU cores of the server", min_value=0, value=t.cpu_cores, key="activity_cores",
                            help="PostgreSQL cannot see the machine: enter it, or set cpu_cores in [pgpulse.thresholds].")
    spindles = c2.number_input("Effective spindles (1 for SSD / cloud)", min_value=0, value=t.spindles,
                               key="activity_spindles")
    advice = pooling.advise(snap, db.config.pooler, int(cores), int(spindles))
    for line in advice.lines(t.idle_connections_ratio, t.idle_connections_min):
        st.markdown(f"- {line}")


live_view()
action_control.open_request(db)
