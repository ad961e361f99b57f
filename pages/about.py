"""About this database: what pgpulse detected it may do here, and how to enable what is missing."""

import streamlit as st

from lib import stbind
from lib.core.fmt import fmt_bytes
from lib.live.overview import plan_limit

db = stbind.require_db()
caps = db.capabilities

st.title("About this database")
st.caption(f"{db.config.title} · {db.config.display} · configured from {db.config.source}")

rows = [{"What": key, "Value": "yes" if value is True else "no" if value is False else str(value)}
        for key, value in caps.summary().items()]
rows.append({"What": "Maintenance actions", "Value": "enabled" if db.config.actions_enabled else
             "disabled (read-only): set actions = true in its [connections.<name>] section"})
rows.append({"What": "Behind a transaction pooler", "Value": "yes" if db.config.pooler else "no"})
limit = plan_limit(db)
rows.append({"What": "Plan size limit", "Value": f"{fmt_bytes(limit.bytes)} ({limit.source})" if limit else
             "none (set plan_limit_mb in its [connections.<name>] section or [pgpulse.thresholds])"})
st.table(rows, hide_index=True, border="horizontal")  # every row and whole values: no inner scroll, text wraps

for note in filter(None, [caps.pgss_problem(), caps.privilege_note()]):
    st.warning(note, icon=":material/info:")
if not caps.track_io_timing:
    st.info("track_io_timing is off, so I/O time per statement is not measured. "
            "Enable it with ALTER SYSTEM SET track_io_timing = on; SELECT pg_reload_conf();", icon=":material/info:")
for name, purpose in (("pgstattuple", "exact bloat figures"), ("hypopg", "hypothetical index trials"),
                      ("pg_buffercache", "buffer cache contents")):
    if name not in caps.extensions:
        how = (f"CREATE EXTENSION {name};" if name in caps.available
               else "it is not installed on the server")
        st.caption(f"{name} is not enabled ({purpose}): {how}")

if st.button("Detect again"):
    db.refresh_capabilities()
    stbind.clear_caches()
    st.rerun()
