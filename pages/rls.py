"""RLS policies: every row-level security policy, what is wrong with it, and what it costs a read, measured
on demand as the policy's role; its fixes as confirmed actions, measured again afterwards."""

import pandas as pd
import streamlit as st

from lib import stbind
from lib.actions import builders
from lib.checks import rls
from lib.core.findings import CATALOG_TTL_S
from lib.core.fmt import fmt_count, fmt_ms
from lib.maintenance import audit
from lib.plan.compare import compare
from lib.supabase import policies, rls_cost
from pages.widgets import action_control, plan_view
from pages.widgets.cards import finding_card, metric

MEASURED = "pgpulse_rls_measured"  # policy key -> [Measurement, ...] (first: before a fix)
SETTLED = "pgpulse_rls_settled"  # keys of fix runs already measured again
FIXES = "pgpulse_rls_fixes"  # policy key -> the fix actions offered for it (their results stay drawn)

db = stbind.require_db()


@stbind.cached(ttl=CATALOG_TTL_S)
def overview(db):
    return rls.collect(db)


def measure(policy, shape) -> None:
    try:
        found = rls_cost.measure(db, policy, has_auth_users=shape.has_auth_users)
    except rls_cost.RlsProblem as exc:
        st.session_state[f"rls_problem:{policy.key()}"] = exc.problem
        return
    st.session_state.pop(f"rls_problem:{policy.key()}", None)
    st.session_state.setdefault(MEASURED, {}).setdefault(policy.key(), []).append(found)


def show_read(m: rls_cost.Measurement, label: str) -> None:
    base = m.without_rls.execution_ms if m.without_rls else None
    cols = st.columns(4)
    metric(cols[0], f"{label}: with RLS", fmt_ms(m.with_rls.execution_ms), f"as {m.role}, {fmt_count(m.with_rls.rows)} rows")
    metric(cols[1], "Same read without RLS", fmt_ms(base) if base is not None else "–",
           f"{fmt_count(m.without_rls.rows)} rows" if m.without_rls else "not measured")
    s = m.slowdown
    metric(cols[2], "RLS costs", "–" if not s else f"{s:,.1f}x" if s >= 1 else f"{1 / s:,.1f}x",
           "slower than without RLS" if not s or s >= 1 else "faster: fewer rows")
    metric(cols[3], "Buffers with RLS", fmt_count(sum(n.exclusive_buffers.get("shared_hit", 0)
                                                         + n.exclusive_buffers.get("shared_read", 0)
                                                         for n in m.with_rls.plan.nodes)), "blocks read")
    st.caption(f"`{m.statement}` as role `{m.role}` with JWT claims `{m.claims}`; EXPLAIN (ANALYZE, BUFFERS) in "
               "a read-only transaction, rolled back." + (f" {m.baseline_note}" if m.baseline_note else ""))


def fix_runs(policy, fixes) -> None:
    """The fixes of this policy: a button while the finding stands, then the result, Undo and a new measure."""
    runs = st.session_state.get(action_control.RUNS, {})
    for action, finding in fixes:
        key = action_control.action_key(db, action)
        run = runs.get(key)
        st.code(action.sql, language="sql")
        if finding is not None or run is None:
            action_control.action_control(db, action, finding=finding, key=key)
        else:
            action_control.run_of(db, action, key=key)
        if run is not None and run.state == "done":
            undo = audit.undo_action(action.kind, action.target_schema, action.target_name, run.before)
            if undo is not None:
                action_control.action_control(db, undo, label="Undo…")
            if key not in st.session_state.setdefault(SETTLED, set()) and policy.key() in st.session_state.get(MEASURED, {}):
                st.session_state[SETTLED].add(key)  # once per fix: the read measured again, after
                measure(policy, shape)
                st.rerun()


st.title("RLS policies")
st.caption("Every row-level security policy of this database and what Supabase's database linter and pgpulse "
           "find wrong with it. Pick one to measure what it costs a read: the same read as the policy's role "
           "and without row-level security, side by side.")
data = stbind.guarded(lambda: overview(db), db.config.display)
if data is None:
    st.stop()
found, shape, findings, errors = data
if not found:
    st.info("No row-level security policy in this database. Tables the API serves need `ALTER TABLE ... ENABLE "
            "ROW LEVEL SECURITY` and policies (CREATE POLICY) saying which rows each role may read and change; "
            "the Advisors page lists the tables without.", icon=":material/shield:")
if not shape.has_auth_users:
    st.caption("No Supabase `auth` schema here: the lints that read Supabase Auth (auth_rls_initplan, "
               "rls_references_user_metadata) are not applicable, and reads are measured with a made-up user id.")
if not found:
    st.stop()

issues = rls.issue_map(findings)
cols = st.columns(4)
metric(cols[0], "Policies", fmt_count(len(found)), f"on {fmt_count(len({p.table_oid for p in found}))} tables")
metric(cols[1], "With an issue", fmt_count(len(issues)), "see the list's issues column")
metric(cols[2], "Per-row auth calls", fmt_count(len(policies.initplan(found))), "policies (auth_rls_initplan)")
metric(cols[3], "Unindexed policy columns",
       fmt_count(len(policies.unindexed_columns(found, db.thresholds.seq_scan_min_rows))), "filters without an index")

only_issues = st.toggle("Only policies with an issue", key="rls_only_issues")
picked = st.session_state.get("rls_policy")
shown = [p for p in found if not only_issues or p.key() in issues or policies.label(p) == picked]
st.dataframe(pd.DataFrame(policies.frame_rows(shown, issues)), hide_index=True, width="stretch", height=300,
             column_config={"rows": st.column_config.NumberColumn("rows", format="localized")})
for check_id, error in errors.items():
    st.caption(f"Check `{check_id}` could not run: {error}")

by_label = {policies.label(p): p for p in shown}
chosen = st.selectbox("Policy", list(by_label), key="rls_policy", placeholder="Pick a policy")
policy = by_label.get(chosen)
if policy is None:
    st.stop()

st.subheader(f'"{policy.name}" on {policy.table_display}')
st.caption(f"{policy.command} · {'permissive' if policy.permissive else 'restrictive'} · to {policy.role_list} · "
           f"row-level security {'on' if policy.rls_enabled else 'off'}")
left, right = st.columns(2)
left.markdown("**USING**")
left.code(policy.using_text or "(none)", language="sql")
right.markdown("**WITH CHECK**")
right.code(policy.check_text or "(none)", language="sql")
if not policy.rls_enabled:
    st.warning(f"Row-level security is off for {policy.table_display}: this policy does nothing, and every role "
               "with a grant on the table reads and changes every row.", icon=":material/lock_open:")
    action_control.action_control(db, builders.enable_rls(policy.schema, policy.table))
if policy.unreadable:
    st.warning(f"pgpulse cannot read {policy.unreadable}: no rewrite is offered for it.", icon=":material/warning:")

mine = rls.for_policy(findings, policy)
offered = st.session_state.setdefault(FIXES, {}).setdefault(policy.key(), {})
for f in mine:
    if f.action is not None:
        offered[f.action.sql] = f.action
for f in mine:
    if f.action is None:
        finding_card(f)
    else:
        st.markdown(f"**{f.title}** — {f.recommendation}")
fixes = [(a, next((f for f in mine if f.action is not None and f.action.sql == sql_text), None))
         for sql_text, a in offered.items()]

st.markdown("#### What it costs a read")
why_not = rls_cost.measurable(policy)
if why_not:
    st.caption(why_not)
elif st.button("Measure the read", icon=":material/speed:", key=f"measure:{policy.key()}"):
    with st.spinner("Reading as the policy's role, then without RLS…"):
        measure(policy, shape)
problem = st.session_state.get(f"rls_problem:{policy.key()}")
if problem is not None:
    stbind.show_problem(problem)
measured = st.session_state.get(MEASURED, {}).get(policy.key(), [])
if measured:
    first, last = measured[0], measured[-1]
    if len(measured) > 1:
        st.markdown("**Before and after the fix**")
        plan_view.show_comparison(compare(first.with_rls.plan, last.with_rls.plan))
        show_read(first, "Before")
    show_read(last, "Now" if len(measured) > 1 else "Measured")
    with st.expander("Plan of the read with RLS", expanded=len(measured) == 1):
        plan_view.show_plan(last.with_rls.plan, last.with_rls.diagnostics, last.with_rls.document)
if fixes:
    st.markdown("#### Fix")
    fix_runs(policy, fixes)
