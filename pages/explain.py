"""Plans: EXPLAIN a statement safely, or read a pasted plan; see where the time goes; compare plans."""

import functools

import streamlit as st

from lib import stbind
from lib.core.db import Database
from lib.core.errors import PgPulseError, Problem
from lib.core.fmt import fmt_ms
from lib.explain import keep, source
from lib.explain import params as typical
from lib.explain.errors import ExplainRefused
from lib.explain.gate import confirmations
from lib.explain.options import GENERIC_FROM, ExplainOptions
from lib.explain.run import parameter_types, run_explain
from lib.plan import PlanParseError, build_plan, compare, diagnose, parse_plan
from lib.sqltext.safety import analyze_for_explain
from pages.widgets import plan_view, plan_view_params

CURRENT, SQL_KEY, PREFILLED = "pgpulse_plan_current", "explain_sql", "explain_prefilled"
PENDING = "explain_pending_confirmation"
stbind.require_app_shell()  # through app.py and its password gate; a pasted plan needs no database
config = stbind.current_config()  # kept plans are filed under its name, reachable or not
plans_store = plan_view.store(stbind.settings().store_url)


@functools.cache  # asked once per run, and only by the parts that run SQL
def database() -> Database | Problem:
    return stbind.reachable_db()


@stbind.cached(ttl=300)
def inferred_types(db, text):
    return parameter_types(db, text)


@stbind.cached(ttl=300)
def typical_values(db, text):
    return typical.suggestions(db, text)


@stbind.cached(ttl=60)
def pgss_statement(db, queryid):
    return source.statement_text(db, queryid)


st.title("EXPLAIN")
st.caption("EXPLAIN a statement (one at a time, in a transaction that is always rolled back, READ ONLY unless "
           "you allow data changes, with a timeout) or paste a plan; then see where the time goes and what to fix.")

# -- prefill: the drill-down hands over a statement, or a queryid in the URL -------------------------------
incoming = st.session_state.get("pgpulse_explain_sql")
queryid = source.parse_queryid(st.query_params.get("queryid"))
if not incoming and queryid is not None and isinstance(db := database(), Database):
    found = stbind.guarded(lambda: pgss_statement(db, queryid), db.config.display)
    if found:
        incoming = found.query
        st.caption(f"Statement {queryid} from pg_stat_statements: {found.calls:,} calls, "
                   f"mean {fmt_ms(found.mean_exec_ms)}.")
    else:
        st.warning(db.capabilities.pgss_problem() or f"No statement with queryid {queryid} in this database's "
                   "pg_stat_statements (it may have been reset or evicted). Paste the statement below instead.",
                   icon=":material/search_off:")
if incoming and incoming != st.session_state.get(PREFILLED):
    st.session_state[SQL_KEY] = st.session_state[PREFILLED] = incoming

mode = st.radio("What to do", ["Run a statement", "Paste a plan", "Compare kept plans"], horizontal=True,
                label_visibility="collapsed", key="plans_mode")


def run_now(db: Database, text: str, options: ExplainOptions, params: list) -> bool:
    try:
        result = run_explain(db, text, options, params)
    except ExplainRefused as exc:
        st.error("**Not run** — " + "; ".join(exc.reasons), icon=":material/block:")
        return False
    except PgPulseError as exc:
        stbind.show_problem(exc.problem)
        return False
    st.session_state[CURRENT] = plan_view.current_from_run(result)
    return True


def forget_pending() -> None:
    st.session_state.pop(PENDING, None)


@st.dialog("Run a statement with side effects?", on_dismiss=forget_pending)
def confirm(db: Database) -> None:
    text, options, params, effects = st.session_state[PENDING]
    st.markdown("With ANALYZE the statement really runs. The transaction is rolled back, but **these effects "
                "are not undone by a rollback**:")
    for effect in effects:
        st.markdown(f"- {plan_view.md(effect)}")
    left, right = st.columns(2)
    if left.button("Run it anyway", type="primary", icon=":material/play_arrow:"):
        forget_pending()
        run_now(db, text, ExplainOptions(**{**vars(options), "confirmed": True}), params)
        st.rerun()
    if right.button("Cancel"):
        forget_pending()
        st.rerun()


def statement_form() -> None:
    db = database()
    if isinstance(db, Problem):
        stbind.show_problem(db)
        st.caption("Running EXPLAIN needs the database. *Paste a plan* and *Compare kept plans* work without it.")
        return
    caps = db.capabilities
    text = st.text_area("Statement", key=SQL_KEY, height=120, placeholder="SELECT ... (one statement; $1 placeholders welcome)")
    verdict = analyze_for_explain(text) if text.strip() else None
    if verdict is not None and verdict.refused:
        st.error(f"**Refused** — {verdict.reason}", icon=":material/block:")
    c = st.columns([1, 1, 1, 1, 1, 1.3, 1.4])
    generic_ok = caps.version_num >= GENERIC_FROM and bool(verdict and verdict.placeholders)
    generic = c[5].checkbox("GENERIC_PLAN", disabled=not generic_ok, help="PostgreSQL 16+: a plan for any values "
                            "of the $n placeholders, without running it")  # fmt: skip
    analyze = c[0].checkbox("ANALYZE", value=not generic, disabled=generic, help="run the statement to measure it")
    buffers = c[1].checkbox("BUFFERS", value=True)
    verbose = c[2].checkbox("VERBOSE")
    settings = c[3].checkbox("SETTINGS")
    wal = c[4].checkbox("WAL", disabled=not analyze or caps.version_num < 130000)
    timeout = c[6].number_input("Timeout (s)", 1, 3600, max(1, db.thresholds.explain_statement_timeout_ms // 1000))
    writes = bool(verdict and (verdict.modifies_data or verdict.row_locks))
    allow = writes and analyze and st.checkbox("Allow data changes (rolled back)", help="INSERT/UPDATE/DELETE/"
                                               "MERGE and row locks run in a READ WRITE transaction that is rolled back")  # fmt: skip
    values: list = []
    missing: list[str] = []
    if verdict and verdict.placeholders and not generic:
        types = stbind.guarded(lambda: inferred_types(db, text), db.config.display) or []
        found = stbind.guarded(lambda: typical_values(db, text), db.config.display) or {}
        st.caption("Values for the placeholders, sent as parameters (PostgreSQL converts them to the type shown; "
                   "NULL for a null):")
        values, missing = plan_view_params.placeholder_boxes(max(verdict.placeholders), types, found)
    options = ExplainOptions(analyze=analyze, buffers=buffers, verbose=verbose, settings=settings, wal=wal,
                             generic_plan=generic, allow_writes=bool(allow), timeout_ms=int(timeout * 1000),
                             lock_timeout_ms=db.thresholds.explain_lock_timeout_ms)  # fmt: skip
    if verdict and not verdict.refused and not analyze:
        st.caption("Without ANALYZE PostgreSQL only plans the statement: nothing in it runs.")
    elif writes and not allow:
        st.caption(":orange[This statement changes data or locks rows: tick *Allow data changes* to run it.]")
    if st.button("Run EXPLAIN", type="primary", icon=":material/play_arrow:", disabled=not verdict or verdict.refused):
        effects = confirmations(verdict) if analyze else []
        if missing:
            hint = ", or tick GENERIC_PLAN" if generic_ok else ""
            st.error(f"**Not run** — give a value for {', '.join(missing)} (NULL for a null){hint}.",
                     icon=":material/edit:")
        elif effects:
            st.session_state[PENDING] = (text, options, values, effects)
        else:
            run_now(db, text, options, values)
    if PENDING in st.session_state:
        confirm(db)


def paste_form() -> None:
    text = st.text_area("Plan", height=200, key="explain_pasted", placeholder="EXPLAIN output as JSON or TEXT, "
                        "as psql printed it (frames, wrapped lines and all)")  # fmt: skip
    if st.button("Read the plan", type="primary", icon=":material/account_tree:", disabled=not text.strip()):
        try:
            document = parse_plan(text)
        except PlanParseError as exc:
            st.error(f"**Not a plan we can read** — line {exc.line}: {exc.message}", icon=":material/error:")
            return
        st.session_state[CURRENT] = plan_view.current_from_paste(document, text)


def show_current() -> None:
    current = st.session_state.get(CURRENT)
    if not current:
        st.info("Run a statement or paste a plan to see it here.", icon=":material/account_tree:")
        return
    plan = build_plan(current["document"][0])
    diagnostics = diagnose(plan)
    st.divider()
    plan_view.show_header(current, plan, diagnostics)
    st.subheader("What to fix")
    db = database()  # where an index a finding asks for can be created
    plan_view.show_findings(plan, diagnostics, db if isinstance(db, Database) else None)
    st.subheader("The plan")
    plan_view.show_plan(plan, diagnostics, current["document"], current["original"])
    with st.form("keep", border=False):
        left, right = st.columns([4, 1], vertical_alignment="bottom")
        label = left.text_input("Label", placeholder="e.g. before the index on leads(email)")
        if right.form_submit_button("Keep for comparison", icon=":material/bookmark_add:"):
            kept_id = keep.keep(plans_store, config.name, label, current["document"], current["sql"],
                                current["source"], current["options"], params=current.get("params"))
            st.toast(f"Kept as plan #{keep.number_of(plans_store, kept_id)}. Compare it under *Compare kept plans*.")


def compare_view() -> None:
    kept = keep.kept(plans_store, config.name)
    if len(kept) < 2:
        st.info("Keep at least two plans of this database (button under a plan) to compare them: for example one "
                "before and one after adding an index.", icon=":material/compare_arrows:")
        return
    left, right = st.columns(2)
    before = left.selectbox("Before", kept, index=1, format_func=lambda k: k.title)
    after = right.selectbox("After", kept, index=0, format_func=lambda k: k.title)
    left.caption(plan_view.md(plan_view.params_text(before.params)))
    right.caption(plan_view.md(plan_view.params_text(after.params)))
    plan_view.show_comparison(compare(before.plan(), after.plan()), keep.run_difference(before, after))
    with st.expander("Kept plans"):
        for k in kept:
            a, b = st.columns([5, 1])
            a.markdown(f"**{plan_view.md(k.title)}** · {k.source}" + (f"  \n{plan_view.md(k.sql[:200])}" if k.sql else ""))
            if b.button("Forget", key=f"forget_{k.id}", icon=":material/delete:"):
                keep.forget(plans_store, k.id)
                st.rerun()


if mode == "Compare kept plans":
    compare_view()
else:
    if mode == "Run a statement":
        statement_form()
    else:
        paste_form()
    show_current()
