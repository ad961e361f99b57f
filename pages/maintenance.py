"""Maintenance: the recommended actions by priority, the weekly routine, statement statistics reset."""

import pandas as pd
import streamlit as st

from lib import stbind
from lib.actions import builders
from lib.core.fmt import fmt_age, fmt_bytes, fmt_count, fmt_ms, fmt_pct
from lib.maintenance import recommend, routine, runner
from pages.widgets import cached_checks
from pages.widgets.action_control import (
    action_control,
    actor,
    close_button,
    close_dialog,
    is_open,
    open_dialog,
    progress_line,
    run_of,
    runs_panel,
    store,
)
from pages.widgets.cards import BADGES

ROUTINES = "pgpulse_routines"  # database name -> RoutineRun
ROUTINE = "weekly-routine"  # its confirmation's key

db = stbind.require_db()
caps = db.capabilities


@stbind.cached()
def invalid_indexes(db):
    return db.rows("maint_invalid_indexes", {"oid": 0})


@stbind.cached()
def busiest(db):
    return routine.plan(db)


st.title(f"Maintenance · {db.config.title}")
disabled = runner.disabled_reason(db)
if disabled:
    st.info(disabled, icon=":material/lock:")
    if runner.disabled_reason(db, "cancel_backend") is None:  # behind a pooler with actions on
        st.caption("Cancel and terminate of a session still run here: each is one function call in one "
                   "transaction, which the pooler keeps on one server connection.")
else:
    st.caption(f"Actions are enabled. Each waits at most {fmt_ms(db.thresholds.action_lock_timeout_ms)} for a lock, "
               "runs one at a time per object, and is written to the Audit log.")

# -- recommended actions -------------------------------------------------------------------------------
st.subheader("Recommended actions", help="By impact, as on the Overview: risk first, then the share of query time "
                                         "and the space at stake.")
result_set = stbind.guarded(lambda: cached_checks.all_findings(db), db.config.display)
if result_set:
    cached_checks.freshness(db, result_set)
invalid = stbind.guarded(lambda: invalid_indexes(db), db.config.display) or []
recs = recommend.recommended(result_set.findings if result_set else [], invalid)
reset = builders.reset_statements(caps.pgss_schema) if caps.has_pgss else None
runs_panel(db, [r.action for r in recs] + [reset] * bool(reset))
if not recs:
    st.info("No finding carries an action right now. Checks that propose a fix (vacuum, unused, duplicate or "
            "missing indexes, INVALID indexes...) list it here, the most impact first.", icon=":material/task_alt:")
for rec in recs:
    with st.container(border=True):
        text, button = st.columns([4, 1], vertical_alignment="center")
        text.markdown(f"{BADGES[rec.severity]} **{rec.title}**" + (f" · {rec.why}" if rec.why else ""))
        text.caption(f"`{rec.check}` on `{rec.finding.label if rec.finding else rec.object}`" + (f" — {rec.recommendation}" if rec.recommendation else ""))
        text.code(rec.action.sql + ";", language="sql", wrap_lines=True)
        with button:
            action_control(db, rec.action, finding=rec.finding, with_run=False)
        run_of(db, rec.action)  # full width under the card's text

# -- the weekly routine --------------------------------------------------------------------------------
st.subheader("Weekly routine")
st.caption("The guide's weekly maintenance: VACUUM ANALYZE of the busiest tables (most inserts, updates and "
           "deletes since their last vacuum or analyze), then every check runs again to show what is left.")
tables = stbind.guarded(lambda: busiest(db), db.config.display) or []
if tables:
    st.dataframe(pd.DataFrame([{
        "table": f"{t.schema}.{t.name}", "changes": fmt_count(t.changes), "dead tuples": fmt_count(t.dead_tuples),
        "dead ratio": fmt_pct(t.dead_ratio, 1), "size": fmt_bytes(t.total_bytes),
        "last vacuum": fmt_age(t.last_vacuum), "last analyze": fmt_age(t.last_analyze)} for t in tables]),
        hide_index=True, width="stretch")
else:
    st.info(f"No table has {db.thresholds.weekly_routine_min_changes} or more changes since its last vacuum and "
            "analyze: nothing to do this week.", icon=":material/task_alt:")


@st.dialog("Run the weekly routine", width="large", on_dismiss=close_dialog)
def confirm_routine(db, tables):
    st.markdown(f"VACUUM ANALYZE of **{len(tables)} tables** ({fmt_bytes(sum(t.total_bytes for t in tables))} with "
                "their indexes), one after the other, then the checks.")
    st.code(";\n".join(t.action.sql for t in tables) + ";", language="sql", wrap_lines=True)
    st.markdown(f":material/lock: **Lock:** {builders.LOCKS['vacuum']}")
    st.markdown(f"**Expected effect:** {fmt_count(sum(t.dead_tuples for t in tables))} dead tuples made reusable and "
                "fresh planner statistics for these tables. A table that is locked or not yours is skipped with "
                "a message; the others go on.")
    if disabled:
        st.info(disabled, icon=":material/lock:")
    elif st.button("Run the routine", type="primary", icon=":material/play_arrow:", key="routine_run"):
        st.session_state.setdefault(ROUTINES, {})[db.config.name] = routine.start(db, store(), actor(), tables)
        close_dialog()
        st.rerun()
    close_button(ROUTINE, "Close" if disabled else "Cancel")


current = st.session_state.get(ROUTINES, {}).get(db.config.name)
busy = current is not None and not current.is_final
st.button("Run the weekly routine…" if not disabled else "SQL of the weekly routine", key="routine_open",
          icon=":material/event_repeat:", disabled=not tables or busy, type="primary" if not disabled else "secondary",
          on_click=open_dialog, args=(ROUTINE,))
if is_open(ROUTINE) and tables:
    confirm_routine(db, tables)


@st.fragment(run_every=1.0)
def routine_live(db):
    run = st.session_state[ROUTINES][db.config.name]
    if run.is_final:
        stbind.clear_caches()
        st.rerun()
    done = sum(1 for r in run.runs if r.is_final)
    now = run.current
    st.progress(done / max(len(run.tables), 1),
                text=f"Table {min(done + 1, len(run.tables))} of {len(run.tables)}"
                     + (f": {now.object_display}" if now else ": running the checks"))
    if now is not None:
        progress_line(db, now)
    st.button("Stop after this table", key="routine_stop", on_click=routine.cancel, args=(db, run),
              icon=":material/stop:")


if current is not None:
    if not current.is_final:
        routine_live(db)
    else:
        counts = ", ".join(f"{n} {state}" for state, n in current.counts.items())
        st.success(f"**Weekly routine {current.state}** — {counts}.", icon=":material/event_repeat:")
        st.dataframe(pd.DataFrame([{
            "table": r.object_display, "outcome": r.state,
            "dead tuples before": fmt_count(r.before.get("dead_tuples")),
            "dead tuples after": fmt_count(r.after.get("dead_tuples")), "result": r.message} for r in current.runs]),
            hide_index=True, width="stretch")
        if current.state == "done":
            st.markdown(f"**Checks after the routine:** {len(current.findings_after)} finding(s) at warning or "
                        "above still open" + (":" if current.findings_after else "."))
            for finding in current.findings_after:
                st.markdown(f"- {BADGES[finding.severity]} {finding.title} (`{finding.label}`)")
        st.button("Dismiss", key="routine_forget", on_click=lambda: st.session_state[ROUTINES].pop(db.config.name))

# -- statement statistics ------------------------------------------------------------------------------
st.subheader("Statement statistics")
if caps.has_pgss:
    st.caption("Resetting pg_stat_statements starts every slow-query figure from zero, for every tool that reads "
               "it. The confirmation says what would be lost.")
    action_control(db, reset, label="Reset pg_stat_statements…" if not disabled else None)
else:
    st.caption(caps.pgss_problem() or "")
