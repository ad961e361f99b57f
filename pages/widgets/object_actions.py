"""Under a list: the maintenance actions of the row the reader picked, each with its exact SQL and the
confirmed-action button (pages/widgets/action_control.py: with actions off, the button shows the SQL to copy and why)."""

from __future__ import annotations

import streamlit as st

from lib import stbind
from lib.actions import offered
from lib.storage import schema_audit, tables
from pages.widgets import action_control

HINT = "Select a row (the box at its left) to see its maintenance actions: {}."


@stbind.cached()
def matviews(db):
    return {(r["schema"], r["name"]): r for r in schema_audit.matviews(db).to_dict("records")}


@stbind.cached()
def vacuum_settings(db):
    return tables.settings(db)


def for_table(db, key: str, row: dict | None) -> None:
    """VACUUM (ANALYZE), ANALYZE (and REFRESH for a materialized view) of the picked table."""
    if row is None:
        st.caption(HINT.format("VACUUM (ANALYZE), ANALYZE, REFRESH of a materialized view"))
        return
    matview = None
    if row.get("kind") == "materialized view":
        matview = (stbind.guarded(lambda: matviews(db)) or {}).get((row["schema"], row["name"]))
    draw(db, key, offered.for_table(row, matview))


def for_index(db, key: str, row: dict | None) -> None:
    """REINDEX and DROP INDEX (typed name) of the picked index."""
    if row is None:
        st.caption(HINT.format("REINDEX, DROP INDEX"))
        return
    conf = stbind.guarded(lambda: vacuum_settings(db)) or {}
    draw(db, key, offered.for_index(row, conf.get("stats_age"), db.thresholds.unused_index_min_stats_age_days))


def draw(db, key: str, menu: offered.RowActions) -> None:
    with st.container(border=True):
        st.markdown(f":material/build: **Actions on** `{menu.target}`")
        for action in menu.actions:
            # Keyed by the list too: the same table's VACUUM may be offered by two lists and a finding card.
            button_key = f"{action_control.action_key(db, action)}-{key}"
            sql, button = st.columns([4, 1], vertical_alignment="center")
            sql.code(action.sql + ";", language="sql")
            with button:
                action_control.action_control(db, action, key=button_key, with_run=False)
            action_control.run_of(db, action, key=button_key)  # full width under its SQL
        for note in menu.notes:
            st.caption(note)
