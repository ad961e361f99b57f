"""Index advisor: which indexes to create for the whole workload, verified with hypopg, then measured.

`?queryid=...` shows only the indexes that would help that statement.
"""

import streamlit as st

from lib import stbind
from lib.advisor.advise import DEFAULT_TOP, advise
from lib.core.fmt import fmt_bytes
from lib.explain.source import parse_queryid
from pages.widgets import action_control, advisor_panels
from pages.widgets.cards import metric

db = stbind.require_db()
caps = db.capabilities
st.title("Index advisor")
st.caption("Which indexes would make this database's busiest statements faster, read from their SQL and "
           "proven with hypothetical indexes (hypopg) where it is available; one click creates one "
           "(CREATE INDEX CONCURRENTLY), and the same statements are measured before and after.")


@stbind.cached(ttl=300)
def workload_advice(db, top):
    return advise(db, top=top)


action_control.runs_panel(db, kinds=["drop_index"])
top = st.sidebar.number_input("Busiest statements read", 10, 5000, DEFAULT_TOP, step=50)
queryid = parse_queryid(st.query_params.get("queryid"))
advice = stbind.guarded(lambda: workload_advice(db, int(top)), db.config.display)
if advice is None:
    st.stop()
for note in advice.notes:
    if "hypopg" in note or "pooler" in note:
        st.warning(note[:1].upper() + note[1:], icon=":material/science:")

done_here = advisor_panels.pinned(db)
shown_keys = {key for key, _, _ in done_here}
recs = [r for r in advice.recommendations if advisor_panels.rec_key(db, r) not in shown_keys]
if queryid is not None:
    recs = [r for r in recs if r.serves(queryid)]
    st.info(f"Showing the indexes that would help statement `{queryid}`.", icon=":material/filter_alt:")
    st.page_link("pages/index_advisor.py", label="Show every recommendation", icon=":material/list:")

cols = st.columns(4)
metric(cols[0], "Indexes recommended", f"{len(recs)}", "for the whole workload" if queryid is None else "")
metric(cols[1], "Statements read", f"{len(advice.statements):,}", f"the busiest (up to {int(top)})")
metric(cols[2], "Estimated size", fmt_bytes(sum(r.estimated_bytes for r in recs)), "of all of them together")
metric(cols[3], "Verified", "hypopg" if advice.hypopg else "no", "what-if plans" if advice.hypopg else
       "estimated from statistics")

if done_here:
    st.subheader("Measured in this session")
for _key, pinned_advice, rec in done_here:
    advisor_panels.recommendation_card(db, pinned_advice, rec, None)
if recs:
    if len(recs) > 1:
        st.plotly_chart(advisor_panels.benefit_chart(advice), width="stretch")
    for n, rec in enumerate(recs, 1):
        advisor_panels.recommendation_card(db, advice, rec, n)
elif not done_here:
    st.success("No missing index found: every filter, join and sort of these statements is served by an "
               "existing index, or the table is too small to need one.", icon=":material/check_circle:")

with st.expander(f"Already served by an existing index ({len(advice.already_served)})"):
    st.caption("Candidates the statements suggested, left out because an index with the same leading "
               "columns exists (a duplicate or a prefix is never recommended).")
    st.dataframe([{"candidate": c, "served by": ix} for c, ix in advice.already_served], hide_index=True,
                 width="stretch")
other = [n for n in advice.notes if "hypopg" not in n and "pooler" not in n]
if other:
    with st.expander(f"Notes ({len(other)})"):
        for note in other:
            st.markdown(f"- {note}")

st.subheader("Advise for your own SQL")
pasted = st.text_area("SQL (one or several statements; $1 placeholders are fine)", height=120,
                      placeholder="SELECT id FROM clients WHERE lower(email) = $1")
if st.button("Advise", icon=":material/lightbulb:") and pasted.strip():
    from lib.sqltext.parse import split_statements

    own = stbind.guarded(lambda: advise(db, [s.text for s in split_statements(pasted)]), db.config.display)
    if own is not None:
        for note in own.notes:
            st.caption(note)
        if not own.recommendations:
            st.info("No index would help these statements (or an existing one already serves them).")
        for n, rec in enumerate(own.recommendations, 1):
            advisor_panels.recommendation_card(db, own, rec, n, actions=False)
