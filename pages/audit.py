"""Audit log: every maintenance action, refused, failed or done; filters, CSV export, undo of index drops,
of policy, row-level security and search_path changes, and of autovacuum turned back on."""

import time

import streamlit as st

from lib import stbind
from lib.maintenance import audit, figures
from lib.maintenance.target import KIND_WORDS
from pages.widgets.action_control import action_control, runs_panel, store

PERIODS = {"last 24 hours": 86_400, "last 7 days": 7 * 86_400, "last 30 days": 30 * 86_400, "all time": None}

db = stbind.require_db()
log = store()

st.title("Audit log")
st.caption("Every maintenance action pgpulse was asked to run, refused, failed or done: when, who, where, the exact "
           "SQL, the outcome, how long it took and the figures before and after. Kept in pgpulse's own store.")

scope, period, outcome, kind, text = st.columns([1.2, 1, 1.3, 1.5, 1.5])
which = scope.selectbox("Database", [db.config.name, "all databases"],
                        format_func=lambda n: db.config.title if n == db.config.name else n)
since = PERIODS[period.selectbox("Period", list(PERIODS), index=3)]
outcomes = outcome.multiselect("Outcome", audit.OUTCOMES)
kinds = kind.multiselect("Action", list(KIND_WORDS), format_func=KIND_WORDS.get)
search = text.text_input("Object, SQL or user contains")

rows = audit.entries(log, database=None if which == "all databases" else which, outcomes=outcomes, kinds=kinds,
                     text=search, since=time.time() - since if since else None)
if not rows:
    st.info("No action recorded for these filters. Actions run from the Maintenance page, from a finding, or with "
            "`python -m lib fix` appear here.", icon=":material/history:")
else:
    df = audit.frame(rows)
    df["who"] = df["app_user"].fillna(df["os_user"])
    df["action"] = df["action"].map(lambda k: KIND_WORDS.get(k, k))
    df["duration_s"] = df["duration_ms"] / 1000
    st.dataframe(
        df[["id", "at", "database", "who", "db_role", "client", "action", "object", "outcome", "duration_s",
            "details", "sql"]],
        hide_index=True, width="stretch",
        column_config={
            "id": st.column_config.NumberColumn("#", width="small"),
            "at": st.column_config.DatetimeColumn("when (UTC)", format="YYYY-MM-DD HH:mm:ss"),
            "db_role": "role", "client": "from",
            "duration_s": st.column_config.NumberColumn("duration", format="%.2f s"),
            "details": st.column_config.TextColumn("result", width="large"),
            "sql": st.column_config.TextColumn("SQL", width="medium")})
    st.download_button("Export CSV", audit.to_csv(rows), file_name="pgpulse-audit.csv", mime="text/csv",
                       icon=":material/download:")

    chosen = st.selectbox("Details of entry", [r["id"] for r in rows], format_func=lambda i: f"#{i}")
    row = next(r for r in rows if r["id"] == chosen)
    with st.container(border=True):
        st.markdown(f"**#{row['id']} {KIND_WORDS.get(row['action'], row['action'])} `{row['object']}`: "
                    f"{row['outcome']}** on {row['database']} ({row['server'] or 'server unknown'})")
        st.code(row["sql"] + ";", language="sql", wrap_lines=True)
        if row["details"]:
            st.markdown(row["details"])
        if row["error"] and row["error"] not in (row["details"] or ""):
            st.error(row["error"], icon=":material/error:")
        before, after = audit.figures(row)
        if before or after:
            st.dataframe(figures.table(before, after), hide_index=True, width="stretch")
        if row["index_definition"]:
            st.markdown("Definition of the dropped index:")
            st.code(row["index_definition"] + ";", language="sql", wrap_lines=True)
        undo = audit.undo_of_entry(row) if row["database"] == db.config.name else None
        if undo is not None:  # a policy's expressions, row-level security, a search_path, autovacuum put back
            st.caption(f"Undo: `{undo.sql}`")
            action_control(db, undo, label="Undo…", key=f"undo-{row['id']}")

st.subheader("Dropped indexes")
dropped = {}
for entry in audit.dropped_indexes(log, db.config.name):
    dropped.setdefault((entry["target_schema"], entry["target_name"]), entry)  # newest drop of each name
if not dropped:
    st.caption("No index dropped by pgpulse in this database. When one is, its full definition is kept here and "
               "one click recreates it (CREATE INDEX CONCURRENTLY).")
missing = {}
for (schema, name), entry in dropped.items():
    exists = stbind.guarded(lambda s=schema, n=name: db.one("maint_relation", {"schema": s, "name": n}))
    missing[(schema, name)] = None if exists else audit.recreate_action(entry)
runs_panel(db, [a for a in missing.values() if a], only=[audit.recreate_action(e) for e in dropped.values()])
for (schema, name), entry in dropped.items():
    with st.container(border=True):
        st.markdown(f"`{schema}.{name}` dropped (entry #{entry['id']})"
                    + (" · :green-badge[exists again]" if not missing[(schema, name)] else ""))
        st.code(entry["index_definition"] + ";", language="sql", wrap_lines=True)
        if missing[(schema, name)]:
            action_control(db, missing[(schema, name)], label="Recreate…")
