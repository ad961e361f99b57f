"""Replication: each standby's lag, and each replication slot with the WAL it keeps (an inactive one fills
the disk)."""

import streamlit as st

from lib import stbind
from lib.checks import run_checks
from lib.core.findings import CheckContext
from lib.core.fmt import fmt_bytes
from lib.live import replication
from pages.widgets.cards import finding_card, metric

db = stbind.require_db()


@stbind.cached()
def replication_state(db):
    return replication.collect(db)


@stbind.cached()
def replication_findings(db):
    return run_checks(CheckContext(db, db.thresholds), ["replication."])


st.title(f"Replication · {db.config.title}")
st.caption("Standbys streaming from this server (pg_stat_replication) and replication slots (pg_replication_slots). "
           "A slot keeps every WAL file its consumer has not confirmed: an inactive slot fills the disk.")
state = stbind.guarded(lambda: replication_state(db), db.config.display)
result = stbind.guarded(lambda: replication_findings(db), db.config.display)
if state is None or result is None:
    st.stop()

cols = st.columns(4)
metric(cols[0], "Standbys", f"{len(state.standbys)}", "streaming now")
metric(cols[1], "Slots", f"{len(state.slots)}", f"{len(state.inactive_slots)} inactive")
metric(cols[2], "WAL kept by slots", fmt_bytes(state.retained_bytes), "by the slot furthest behind")
metric(cols[3], "Findings", f"{len(result.findings)}", "inactive slots, lagging standbys")
for finding in result.findings:
    finding_card(finding)

st.subheader("Standbys")
if state.standbys.empty:
    st.info("No standby is streaming from this server (or this role may not see them: pg_monitor shows every "
            "standby's figures).", icon=":material/info:")
else:
    num = st.column_config.NumberColumn
    st.dataframe(state.standbys[["client", "client_addr", "state", "sync_state", "write_lag_s", "flush_lag_s",
                                 "replay_lag_s", "replay_lag_bytes", "sent_lsn", "replay_lsn"]],
                 hide_index=True, width="stretch",
                 column_config={"client": "Client (application_name)", "client_addr": "Address",
                                "state": "State", "sync_state": "Sync",
                                "write_lag_s": num("Write lag", format="%.3f s"),
                                "flush_lag_s": num("Flush lag", format="%.3f s"),
                                "replay_lag_s": num("Replay lag", format="%.3f s"),
                                "replay_lag_bytes": num("Not replayed", format="bytes"),
                                "sent_lsn": "Sent", "replay_lsn": "Replayed"})

st.subheader("Replication slots")
if state.slots.empty:
    st.info("No replication slot on this server.", icon=":material/info:")
else:
    num = st.column_config.NumberColumn
    st.dataframe(state.slots[["slot_name", "slot_type", "plugin", "database", "active", "wal_status",
                              "retained_bytes", "inactive_since", "restart_lsn"]],
                 hide_index=True, width="stretch",
                 column_config={"slot_name": "Slot", "slot_type": "Type", "plugin": "Plugin", "database": "Database",
                                "active": st.column_config.CheckboxColumn("Active"), "wal_status": "WAL status",
                                "retained_bytes": num("WAL kept", format="bytes"),
                                "inactive_since": st.column_config.DatetimeColumn("Inactive since"),
                                "restart_lsn": "Restart LSN"})
