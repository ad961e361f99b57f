"""The boxes for a statement's $n values, each with its inferred type and, when the column it is compared
with has statistics, its typical values (lib/explain/params.py) one click away; the box stays editable."""

from __future__ import annotations

import streamlit as st

from lib.explain.params import Suggestion

SHOWN_CHARS = 28  # a longer value is cut in its pill (the box gets it whole)


def param_key(n: int) -> str:
    return f"explain_param_{n}"


def _fill(n: int) -> None:
    picked = st.session_state.get(f"explain_typical_{n}")
    if picked is not None:
        st.session_state[param_key(n)] = picked


def _short(value: str) -> str:
    return value if len(value) <= SHOWN_CHARS else value[: SHOWN_CHARS - 1] + "…"


def placeholder_boxes(count: int, types: list[str], typical: dict[int, Suggestion]) -> tuple[list, list[str]]:
    """Draws the boxes; returns the values (None for NULL) and the placeholders left empty."""
    params: list = []
    missing: list[str] = []
    boxes = st.columns(min(4, count))
    for n in range(1, count + 1):
        kind = types[n - 1] if n - 1 < len(types) else "type unknown"
        column = boxes[(n - 1) % len(boxes)]
        value = column.text_input(f"${n} · {kind}", key=param_key(n))
        found = typical.get(n)
        if found:
            column.pills(f"Typical {found.column} ({found.source})", found.values, key=f"explain_typical_{n}",
                         format_func=_short, on_change=_fill, args=(n,),
                         help="From the column's statistics (pg_stats): a click puts the value in the box above.")
        missing += [f"${n}"] if value == "" else []
        params.append(None if value.strip().upper() == "NULL" else value)
    return params, missing
