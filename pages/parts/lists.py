"""Long lists on screen: search and sort controls, a pager, human-formatted columns, findings in pages.

The rows themselves are cut in SQL (lib.paging); these widgets only choose which page to ask for.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd
import streamlit as st

from lib import stbind
from lib.findings import Finding
from lib.paging import Page
from pages.common import finding_card

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
    return st.column_config.NumberColumn(label, format="bytes", help=help)


def percent_column(label: str, help: str | None = None):
    return st.column_config.NumberColumn(label, format="percent", help=help)


def count_column(label: str, help: str | None = None):
    return st.column_config.NumberColumn(label, format="localized", help=help)


def when_column(label: str, help: str | None = None):
    return st.column_config.DatetimeColumn(label, format="distance", help=help)


def text_column(label: str, help: str | None = None, width: str | None = None):
    return st.column_config.TextColumn(label, help=help, width=width)


def table(frame: pd.DataFrame, columns: dict, height: int | None = None) -> None:
    """Show the given columns of a frame, each with its column config, in this order."""
    shown = [c for c in columns if c in frame.columns]
    st.dataframe(frame[shown], column_config={c: columns[c] for c in shown}, hide_index=True,
                 width="stretch", height=height or "auto")


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
