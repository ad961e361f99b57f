"""Under a list: the maintenance actions of the row the reader picked, each with its exact SQL and the
confirmed-action button (pages/actions_ui.py: with actions off, the button shows the SQL to copy and why)."""

from __future__ import annotations

import streamlit as st

from lib import row_actions, schema_audit, stbind
from pages import actions_ui

HINT = "Select a row (the box at its left) to see its maintenance actions: {}."


@stbind.cached()
def matviews(db):
    return {(r["schema"], r["name"]): r for r in schema_audit.matviews(db).to_dict("records")}


def for_table(db, key: str, row: dict | None) -> None:
    """VACUUM (ANALYZE), ANALYZE (and REFRESH for a materialized view) of the picked table."""
    if row is None:
        st.caption(HINT.format("VACUUM (ANALYZE), ANALYZE, REFRESH of a materialized view"))
        return
    matview = None
    if row.get("kind") == "materialized view":
        matview = (stbind.guarded(lambda: matviews(db)) or {}).get((row["schema"], row["name"]))
    draw(db, key, row_actions.for_table(row, matview))


def for_index(db, key: str, row: dict | None) -> None:
    """REINDEX and DROP INDEX (typed name) of the picked index."""
    if row is None:
        st.caption(HINT.format("REINDEX, DROP INDEX"))
        return
    draw(db, key, row_actions.for_index(row))


def draw(db, key: str, offered: row_actions.RowActions) -> None:
    with st.container(border=True):
        st.markdown(f":material/build: **Actions on** `{offered.target}`")
        for action in offered.actions:
            # Keyed by the list too: the same table's VACUUM may be offered by two lists and a finding card.
            button_key = f"{actions_ui.action_key(db, action)}-{key}"
            sql, button = st.columns([4, 1], vertical_alignment="center")
            sql.code(action.sql + ";", language="sql")
            with button:
                actions_ui.action_control(db, action, key=button_key, with_run=False)
            actions_ui.run_of(db, action, key=button_key)  # full width under its SQL
        for note in offered.notes:
            st.caption(note)
