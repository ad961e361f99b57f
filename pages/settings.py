"""Settings: the server settings the guide's advice depends on, where each comes from, and what looks wrong."""

import streamlit as st

from lib import stbind
from lib.checks import run_checks
from lib.core.findings import CheckContext
from lib.live import settings
from pages.widgets.cards import findings_by_severity

db = stbind.require_db()


# Named apart from other pages' cached functions: stbind.cached keys by function name.
@stbind.cached()
def settings_values(db):
    return settings.collect(db)


@stbind.cached()
def settings_overrides(db):
    return settings.overrides(db)


@stbind.cached()
def settings_findings(db):
    return run_checks(CheckContext(db, db.thresholds), ["settings."])


st.title(f"Settings · {db.config.title}")
st.caption("The values a new session of this database starts with (pgpulse's own session timeouts left out), "
           "and where each comes from: the default, the configuration file, ALTER DATABASE or ALTER ROLE.")

found = stbind.guarded(lambda: settings_values(db), db.config.display)
result = stbind.guarded(lambda: settings_findings(db), db.config.display)
if found is None or result is None:
    st.stop()

st.subheader("Probably wrong for this database")
findings_by_severity(result.findings)
for check_id, error in result.errors.items():
    st.caption(f"Check `{check_id}` could not run: {error}")

flagged = {f.object for f in result.findings}
table = settings.table(found)
table.insert(1, "finding", table["setting"].map(lambda name: "see above" if name in flagged else ""))
st.subheader("The settings that matter for the guide")
st.dataframe(table, hide_index=True, width="stretch", height=min(38 + 35 * len(table), 1000), column_config={
    "setting": st.column_config.TextColumn(pinned=True),
    "raw": st.column_config.TextColumn("as stored (unit)"),
    "default": st.column_config.CheckboxColumn("at default"),
    "why": st.column_config.TextColumn("why it matters", width="large"),
})
missing = [name for name in settings.GUIDE_SETTINGS if name not in found]
if missing:
    st.caption(f"Not on this server: {', '.join(missing)} (older PostgreSQL, or pg_stat_statements not loaded).")

st.subheader("Per role and per database")
extra = stbind.guarded(lambda: settings_overrides(db), db.config.display)
if extra is not None and not extra.empty:
    st.dataframe(extra, hide_index=True, width="stretch")
else:
    st.caption("No ALTER ROLE … SET or ALTER DATABASE … SET of these settings applies here: every session "
               "starts with the server's values. Per-role values suit timeouts, e.g. "
               "ALTER ROLE app SET statement_timeout = '30s'.")
