"""The guide's checklist, scored on this database with the evidence and where it is shown."""

import streamlit as st

from lib import stbind
from lib.guide import checklist
from pages.widgets import cached_checks
from pages.widgets.cards import metric

db = stbind.require_db()

BADGES = {checklist.PASS: ":green-badge[:material/check_circle: pass]",
          checklist.WARN: ":orange-badge[:material/warning: warn]",
          checklist.FAIL: ":red-badge[:material/error: fail]",
          checklist.UNMEASURABLE: ":gray-badge[:material/help: not measurable]"}
TITLES = {"pages/overview.py": "Overview", "pages/tables.py": "Tables", "pages/indexes.py": "Indexes",
          "pages/schema.py": "Schema audit", "pages/about.py": "About this database",
          "pages/slow_queries.py": "Slow queries", "pages/activity.py": "Activity", "pages/settings.py": "Settings",
          "pages/alerts.py": "Alerts"}


def scores(db):
    run = cached_checks.all_findings(db)
    return run, checklist.score(run, db.capabilities, db.config)


st.title("The guide's checklist")
st.caption("Each item of the guide's summary checklist, measured on this database where the statistics can tell.")
found = stbind.guarded(lambda: scores(db), db.config.display)
if found is None:
    st.stop()
run, scored = found
cached_checks.freshness(db, run)

summary = checklist.summary(scored)
cols = st.columns(4)
for col, status in zip(cols, checklist.STATUSES, strict=True):
    metric(col, status.capitalize(), f"{summary[status]}", f"of {len(scored)} items")

for section in dict.fromkeys(s.item.section for s in scored):
    st.subheader(section)
    for s in (s for s in scored if s.item.section == section):
        with st.container(border=True):
            left, right = st.columns([5, 1], vertical_alignment="center")
            left.markdown(f"{BADGES[s.status]} **{s.item.text}**")
            left.caption(s.evidence)
            if s.item.page:
                right.page_link(s.item.page, label=TITLES.get(s.item.page, "Details"), icon=":material/arrow_forward:")
