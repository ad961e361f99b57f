"""pgpulse: the router, the database picker, and the one place failures become banners."""

import streamlit as st

from lib import stbind
from lib.alerts import background as alerts_background
from lib.core.config import ConfigError
from lib.core.errors import describe
from pages.widgets import history_panels

st.set_page_config(page_title="pgpulse", page_icon=":material/monitor_heart:", layout="wide")

try:
    settings = stbind.settings()
except ConfigError as exc:
    st.error(f"**Configuration problem** — {exc}", icon=":material/error:")
    st.stop()

stbind.password_gate(settings.app_password)
stbind.entered_via_app()

PAGES = {
    "Health": [
        st.Page("pages/overview.py", title="Overview", icon=":material/monitor_heart:", default=True, url_path="overview"),
        st.Page("pages/weekly.py", title="Weekly review", icon=":material/date_range:", url_path="weekly"),
    ],
    "Queries": [
        st.Page("pages/slow_queries.py", title="Slow queries", icon=":material/speed:", url_path="slow_queries"),
        st.Page("pages/query.py", title="Query detail", icon=":material/manage_search:", url_path="query"),
    ],
    "Plans": [
        st.Page("pages/explain.py", title="EXPLAIN", icon=":material/account_tree:", url_path="explain"),
    ],
    "Schema & storage": [
        st.Page("pages/tables.py", title="Tables", icon=":material/table:", url_path="tables"),
        st.Page("pages/indexes.py", title="Indexes", icon=":material/list_alt:", url_path="indexes"),
        st.Page("pages/index_advisor.py", title="Index advisor", icon=":material/lightbulb:", url_path="index_advisor"),
        st.Page("pages/schema.py", title="Schema audit", icon=":material/schema:", url_path="schema"),
        st.Page("pages/advisors.py", title="Advisors", icon=":material/verified_user:", url_path="advisors"),
        st.Page("pages/rls.py", title="RLS policies", icon=":material/shield:", url_path="rls"),
        st.Page("pages/checklist.py", title="Guide checklist", icon=":material/checklist:", url_path="checklist"),
    ],
    "Live": [
        st.Page("pages/activity.py", title="Activity", icon=":material/bolt:", url_path="activity"),
        st.Page("pages/replication.py", title="Replication", icon=":material/sync_alt:", url_path="replication"),
        st.Page("pages/settings.py", title="Settings", icon=":material/tune:", url_path="settings"),
        st.Page("pages/alerts.py", title="Alerts", icon=":material/notifications:", url_path="alerts"),
    ],
    "Maintenance": [
        st.Page("pages/maintenance.py", title="Maintenance", icon=":material/build:", url_path="maintenance"),
        st.Page("pages/audit.py", title="Audit log", icon=":material/history:", url_path="audit"),
    ],
    "Database": [
        st.Page("pages/about.py", title="About this database", icon=":material/info:", url_path="about"),
    ],
}


def pick_database() -> None:
    names = [db.name for db in settings.databases]
    titles = {db.name: f"{db.title} · {db.display}" if not db.embedded else db.title for db in settings.databases}
    current = stbind.current_config().name
    if len(names) > 1:
        chosen = st.sidebar.selectbox("Database", names, index=names.index(current), format_func=titles.get)
        if chosen != current:
            stbind.select_database(chosen)
            st.rerun()
    else:
        st.sidebar.caption(f"Database: {titles[current]}")


def start_demo_if_needed() -> None:
    """The embedded demo starts (and, the first time, loads) here, with its progress on screen."""
    config = stbind.current_config()
    if not config.embedded:
        return
    from lib.demo import server as demo

    if demo.is_ready():
        return
    slot = st.empty()
    with slot.status("Preparing the demo database (the first start takes about a minute)…", expanded=True) as status:
        bar = st.progress(0.0)
        try:
            demo.ensure_demo(lambda fraction, text: bar.progress(min(fraction, 1.0), text=text))
        except Exception as exc:  # noqa: BLE001
            status.update(label="The demo database could not start", state="error")
            stbind.show_problem(describe(exc))
            st.stop()
    slot.empty()


alerts_background.ensure_started()  # once per process: evaluates alerts while the app runs
# Navigation first: it replaces Streamlit's pages/-folder routing even while the demo is still building.
page = st.navigation(PAGES, expanded=True)
stbind.return_to_requested_page()  # a first deep link after start was bounced through here
pick_database()
start_demo_if_needed()
history_panels.start_background_snapshots()  # once per process: snapshots of every database while the app runs
page.run()
