"""History in the app: the background snapshots, the store (or a notice), and small chart components.

Not a page: other pages import it. `start_background_snapshots()` is called by app.py on every run
and starts the snapshot thread once per process.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import streamlit as st

from lib import stbind
from lib.demo import server as demo
from lib.history import charts, history_key, read
from lib.history.access import HistoryUnavailable, open_history
from lib.history.runner import SnapshotLoop

RETRY_S = 60  # a store that failed to open is tried again after this long


@st.cache_resource(show_spinner=False)
def start_background_snapshots() -> SnapshotLoop:
    return SnapshotLoop(stbind.settings(), embedded_url=demo.ready_url).start()


def _close(result) -> None:
    if result[0] is not None:
        result[0].close()


@st.cache_resource(show_spinner=False, on_release=_close,
                   validate=lambda r: r[0] is not None or time.time() - r[2] < RETRY_S)
def _open(store_url: str | None):
    try:
        return open_history(store_url), None, time.time()
    except HistoryUnavailable as exc:
        return None, exc.notice, time.time()


def history_store():
    """(the store, None) or (None, a notice saying why history is unavailable)."""
    store, notice, _ = _open(stbind.settings().store_url)
    return store, notice


def store_or_notice():
    """The store, or None after showing the notice (the page goes on without history)."""
    store, notice = history_store()
    if store is None:
        st.info(notice, icon=":material/history_toggle_off:")
    return store


def _guard(fn):
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - a store that fails mid-read is a notice, never a traceback
        st.info(f"History could not be read: {str(exc).splitlines()[0]}", icon=":material/history_toggle_off:")
        return None


def database_growth_chart(db, days: int = 30, height: int = 220) -> None:
    """Database size over the last `days` days (for the Overview)."""
    store = store_or_notice()
    if store is None:
        return
    since = time.time() - days * 86400
    sizes = _guard(lambda: read.size_series(store, history_key(db.config), since))
    if sizes is None:
        return
    if len(sizes) < 2:
        st.caption("Database growth appears here once history has two snapshots (the app takes one every "
                   f"{db.thresholds.history_interval_s // 60} minutes while it runs).")
        return
    st.plotly_chart(charts.database_size(sizes, height=height, title=f"Database size, last {days} days"),
                    width="stretch", config={"displayModeBar": False})


def with_table_growth(db, rows, days: int):
    """(rows with a `growth_bytes` column over the last `days` days, True), or (rows, False) while
    history has fewer than two snapshots. Rows need `schema` and `name`."""
    store, _notice = history_store()
    try:
        growth = read.table_growth(store, history_key(db.config), days, time.time()) if store else {}
    except Exception:  # noqa: BLE001 - the column is left out; the growth chart above says what failed
        growth = {}
    if not growth:
        return rows, False
    keys = zip(rows["schema"], rows["name"], strict=True)
    return rows.assign(growth_bytes=[growth.get(key) for key in keys]), True


def table_growth_chart(db, limit: int = 5, days: int = 30, height: int = 260) -> None:
    """Size over time of the tables that grew most in the last `days` days (for the Tables page)."""
    store = store_or_notice()
    if store is None:
        return
    key = history_key(db.config)

    def rows():
        start = read.relations_at(store, key, time.time() - days * 86400)
        end = read.relations_at(store, key, time.time())
        growth = sorted(((r["size_bytes"] - start.get(i, {"size_bytes": 0})["size_bytes"], i)
                         for i, r in end.items() if r["kind"] == "table"), reverse=True)[:limit]
        ids = [i for grew, i in growth if grew > 0]
        names = {i: f"{end[i]['schema_name']}.{end[i]['name']}" for i in ids}
        return [{**r, "table": names[r["rel_id"]]} for r in read.relation_size_series(store, key, ids)]

    data = _guard(rows)
    if not data:
        if data is not None:
            st.caption("Table growth appears here once history has seen tables grow.")
        return
    st.plotly_chart(charts.table_growth(data, height), width="stretch", config={"displayModeBar": False})


def query_history_chart(db, queryid: int, days: int = 30, height: int = 420) -> None:
    """Calls, mean and total time of one statement over time, with audit-log actions marked (drill-down)."""
    store = store_or_notice()
    if store is None:
        return
    key = history_key(db.config)
    since = time.time() - days * 86400

    def data():
        from lib.history import causes
        series = read.statement_series(store, key, int(queryid), since)
        tables = causes.tables_of_sql(read.query_text(store, key, int(queryid)) or "")
        index_tables = causes.index_tables(read.all_relations(store, key))
        marks = [a for a in read.actions(store, key, since, time.time() + 1)
                 if (a.get("outcome") or "").lower() not in causes.FAILED
                 and (not tables or causes.action_tables(a, index_tables) & tables)]
        return series, marks

    found = _guard(data)
    if found is None:
        return
    series, marks = found
    if not series:
        st.info("History appears once snapshots are being taken. None has seen this statement run yet (the app "
                f"records one every {db.thresholds.history_interval_s // 60} minutes while it runs; "
                "`python -m lib snapshot` does it from cron).", icon=":material/timeline:")
        return
    st.plotly_chart(charts.query_history(series, marks, height), width="stretch", config={"displayModeBar": False})
    if marks:
        st.caption("Red lines: maintenance actions from the audit log on this statement's tables.")


RANGES = {"Since reset": None, "Last hour": timedelta(hours=1), "Last day": timedelta(days=1),
          "Last week": timedelta(days=7)}


def time_range_picker(key: str = "history_range") -> tuple[datetime, datetime] | None:
    """A time range control for statement lists: None means "since the last reset" (live counters)."""
    choice = st.segmented_control("Time range", [*RANGES, "Custom"], default="Since reset", key=key)
    now = datetime.now(UTC)
    if choice is None or RANGES.get(choice, 0) is None:
        return None
    if choice != "Custom":
        return now - RANGES[choice], now
    picked = st.date_input("Period (UTC days)", value=(now.date() - timedelta(days=7), now.date()), key=f"{key}_days")
    if not isinstance(picked, tuple | list) or len(picked) != 2:
        return None
    start, end = (datetime(d.year, d.month, d.day, tzinfo=UTC) for d in picked)
    return start, end + timedelta(days=1)


def statement_deltas(db, since: datetime, until: datetime | None = None) -> list[dict] | None:
    """What each statement did between two times (for Slow Queries' time range), or None without history."""
    store = store_or_notice()
    if store is None:
        return None
    until = until or datetime.now(UTC)
    return _guard(lambda: read.statement_deltas(store, history_key(db.config), since.timestamp(),
                                                until.timestamp()))


def period_statements(db, period: tuple[datetime, datetime], limit: int = 50) -> None:
    """The busiest statements over a chosen period, from history deltas (Slow Queries' time range)."""
    since, until = period
    rows = statement_deltas(db, since, until)
    if rows is None:
        return
    if not rows:
        st.info("No snapshots cover this period yet: pgpulse takes one every "
                f"{db.thresholds.history_interval_s // 60} minutes while it runs, or run "
                "`python -m lib snapshot` from cron.", icon=":material/history:")
        return
    slow_ms = db.thresholds.slow_query_ms
    table = [{"queryid": str(r["queryid"]), "query": " ".join((r["query"] or "").split())[:200],
              "calls": r["calls"], "total": r["total_exec_ms"], "mean": r["mean_exec_ms"],
              "slow": bool(r["mean_exec_ms"] and r["mean_exec_ms"] > slow_ms)} for r in rows[:limit]]
    st.caption(f"{since:%Y-%m-%d %H:%M} → {until:%Y-%m-%d %H:%M} UTC · {len(rows):,} statements ran; "
               f"the {min(limit, len(rows))} busiest by total time")
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "total": st.column_config.NumberColumn("total ms", format="%.1f"),
        "mean": st.column_config.NumberColumn("mean ms", format="%.2f"),
        "calls": st.column_config.NumberColumn("calls", format="localized"),
        "slow": st.column_config.CheckboxColumn(f"mean > {slow_ms:g} ms"),
    })
