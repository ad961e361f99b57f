"""Long lists on screen: search and sort controls, a pager, human-formatted columns, findings in pages.

The rows themselves are cut in SQL (lib.core.paging); these widgets only choose which page to ask for.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd
import streamlit as st

from lib import stbind
from lib.core.findings import Finding
from lib.core.fmt import fmt_bytes
from lib.core.paging import Page
from pages.widgets.cards import finding_card

FINDINGS_PER_PAGE = 10


def _first_page(key: str) -> None:
    st.session_state[f"{key}_page"] = 1


def controls(key: str, sorts: dict[str, str], placeholder: str = "Search by name",
             choices: tuple[str, list[str]] | None = None) -> tuple[str | None, str, str | None]:
    """A search box, a sort choice and optionally one filter (label, options; the first means all).
    Changing any of them goes back to the first page."""
    cols = st.columns([3, 2, 2] if choices else [3, 2])
    search = cols[0].text_input("Search", key=f"{key}_search", placeholder=placeholder,
                                on_change=_first_page, args=(key,))
    label = cols[1].selectbox("Sort by", list(sorts), key=f"{key}_sort", on_change=_first_page, args=(key,))
    chosen = None
    if choices:
        picked = cols[2].selectbox(choices[0], choices[1], key=f"{key}_filter", on_change=_first_page, args=(key,))
        chosen = None if picked == choices[1][0] else picked
    return (search.strip() or None), sorts[label], chosen


def page_number(key: str) -> int:
    """The page the reader asked for (read before the query that fetches it)."""
    return int(st.session_state.get(f"{key}_page", 1))


def pager(key: str, page: Page, what: str = "rows") -> None:
    """Where we are in the list, and the page choice when there is more than one page."""
    if page.total == 0:
        return
    state = f"{key}_page"
    if st.session_state.get(state, 1) > page.pages:
        st.session_state[state] = page.pages  # the list shrank under the reader
    where = f"{page.first:,}–{page.last:,} of {page.total:,} {what}"
    if page.pages == 1:
        st.caption(where)
        return
    left, right = st.columns([1, 5], vertical_alignment="bottom")
    left.number_input(f"Page (of {page.pages:,})", min_value=1, max_value=page.pages, step=1, key=state)
    right.caption(where)


def bytes_column(label: str, help: str | None = None):
    """A size, written by lib.core.fmt.fmt_bytes ("71.9 MB", as pg_size_pretty): `table` formats the
    frame's `*_bytes` columns (Streamlit's own "bytes" format writes "71.9MB", "8.2KB", "0B")."""
    return st.column_config.TextColumn(label, help=help, alignment="right")


def percent_column(label: str, help: str | None = None):
    return st.column_config.NumberColumn(label, format="percent", help=help)


def count_column(label: str, help: str | None = None):
    return st.column_config.NumberColumn(label, format="localized", help=help)


def when_column(label: str, help: str | None = None):
    return st.column_config.DatetimeColumn(label, format="distance", help=help)


def text_column(label: str, help: str | None = None, width: str | None = None):
    return st.column_config.TextColumn(label, help=help, width=width)


def table(frame: pd.DataFrame, columns: dict, height: int | None = None, key: str | None = None) -> dict | None:
    """Show the given columns of a frame, each with its column config, in this order. With a `key`, a row can
    be picked (the frame needs an "oid" column): the picked row is returned as a dict, or None."""
    shown = [c for c in columns if c in frame.columns]
    picking = {}
    if key is not None:
        _follow(key, frame)
        picking = {"key": key, "on_select": "rerun", "selection_mode": "single-row"}
    event = st.dataframe(sizes_in_words(frame[shown]), column_config={c: columns[c] for c in shown}, hide_index=True,
                         width="stretch", height=height or "content", **picking)
    if key is None:
        return None
    rows = event.selection.rows
    return frame.iloc[rows[0]].to_dict() if rows and rows[0] < len(frame) else None


def sizes_in_words(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its `*_bytes` columns as fmt_bytes text (the lists are sorted in SQL, not here)."""
    sized = [c for c in frame.columns if str(c).endswith("_bytes")]
    return frame.assign(**{c: frame[c].map(fmt_bytes) for c in sized}) if sized else frame


def _follow(key: str, frame: pd.DataFrame) -> None:
    """Keep the pick on the same object (by oid) when the rows change under it: Streamlit's selection is a
    position, and a refresh after an action, a search or another page reorders the rows. An object no
    longer listed is unpicked."""
    seen = f"{key}_oids"
    before, oids = st.session_state.get(seen), [int(o) for o in frame.get("oid", [])]
    st.session_state[seen] = oids  # what the reader sees, so what the next selection's position means
    state = st.session_state.get(key)
    rows = list(state["selection"]["rows"]) if state else []
    if not rows or before is None:
        return
    picked = before[rows[0]] if rows[0] < len(before) else None
    wanted = [oids.index(picked)] if picked in oids else []
    if wanted != rows:
        st.session_state[key] = {"selection": {"rows": wanted, "columns": [], "cells": []}}


def findings(key: str, found: list[Finding], empty: str) -> None:
    """Finding cards (each shows its action's SQL), ten at a time."""
    if not found:
        st.success(empty, icon=":material/check_circle:")
        return
    pages = math.ceil(len(found) / FINDINGS_PER_PAGE)
    number = min(page_number(key), pages)
    for finding in found[(number - 1) * FINDINGS_PER_PAGE: number * FINDINGS_PER_PAGE]:
        finding_card(finding)
    pager(key, Page(pd.DataFrame(), len(found), number, FINDINGS_PER_PAGE), "findings")


PGSTATTUPLE_MISSING = "For measured figures, install pgstattuple: CREATE EXTENSION pgstattuple;"


def measure_exactly(key: str, top: pd.DataFrame, label: str, available: bool,
                    measure: Callable[[int], dict | None], describe: Callable[[dict], str]) -> None:
    """Pick one of the listed relations and measure it now (pgstattuple reads it: on demand only)."""
    if not available:
        st.info(PGSTATTUPLE_MISSING, icon=":material/info:")
        return
    choice = st.selectbox(label, top["display"], key=key)
    if st.button("Measure", key=f"{key}_go"):
        oid = int(top.loc[top["display"] == choice, "oid"].iloc[0])
        exact = stbind.guarded(lambda: measure(oid))
        if exact:
            st.write(describe(exact))
