"""Drawing a maintenance action anywhere: a button, its confirmation dialog, its progress and its result.

Any page can offer a Finding's fix with `action_control(db, finding.action, finding=finding)`, and calls
`runs_panel(db, shown=<the actions it draws>)` once near its top (a fixed finding disappears with its
button; its result is then drawn there); pages of finding cards (pages.widgets.cards.finding_card) pass
`findings=<the findings whose cards they draw>` instead. Buttons inside a live fragment (the Activity page) call
`request(db, action)` instead, and the page draws the dialog outside the fragment with `open_request(db)`. The
dialog shows the exact SQL, the lock and what it blocks, the object's size and the expected effect;
DROP INDEX asks for the index name. The action then runs in the background (lib.maintenance.runner)
while a progress bar follows it; its before/after figures stay on the page until dismissed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import pandas as pd
import streamlit as st

from lib import stbind
from lib.core.findings import Action, Finding
from lib.core.fmt import fmt_bytes, fmt_ms
from lib.core.store import Store, open_store
from lib.maintenance import figures, progress, runner
from lib.maintenance import preview as previews
from lib.maintenance.target import KIND_WORDS

RUNS = "pgpulse_action_runs"  # key -> ActionRun (this browser session's runs)
SPECS = "pgpulse_action_specs"  # key -> (Action, Finding | None)
OPEN = "pgpulse_action_open"  # the key whose confirmation dialog is open
PREVIEWS = "pgpulse_action_previews"  # key -> Preview, while its dialog is open
REQUESTED = "pgpulse_action_requested"  # the key `request` opened (drawn by `open_request`)
STATE_BOX = {"done": st.success, "failed": st.error, "refused": st.warning, "cancelled": st.warning}


@st.cache_resource(show_spinner=False)
def store() -> Store:
    return open_store(stbind.settings().store_url)


def actor() -> runner.Actor:
    """The app's login when Streamlit authentication is configured; otherwise the OS user running the app."""
    try:
        info = st.user.to_dict()
    except Exception:  # noqa: BLE001 - no authentication configured
        info = {}
    user = (info.get("email") or info.get("name")) if info.get("is_logged_in") else None
    return runner.Actor(app_user=user, client="app")


def action_key(db, action: Action) -> str:
    return hashlib.sha1(f"{db.config.name}\n{action.sql}".encode()).hexdigest()[:12]


def finding_key(db, finding: Finding) -> str:
    """The key of a finding card's action: one per check, as two checks on one page may offer the same fix."""
    return f"{action_key(db, finding.action)}-{finding.check}"


def runs_panel(db, shown: Iterable[Action] = (), only: Iterable[Action] | None = None,
               kinds: Iterable[str] | None = None, findings: Iterable[Finding] = (),
               row_lists: Iterable[str] = ()) -> None:
    """This session's runs on this database that the page does not draw next to their button (`shown`,
    the cards of `findings`, and the picked rows of the lists `row_lists`, pages.widgets.object_actions): a
    fixed finding goes away with its button, its result must not. Pages call it once, near the top; `only`
    limits it to the runs of those actions, `kinds` to actions of those kinds."""
    runs = st.session_state.get(RUNS, {})
    skip = {action_key(db, a) for a in shown} | {finding_key(db, f) for f in findings if f.action is not None}
    skip |= {key for key in runs if any(key.endswith(f"-{name}") for name in row_lists)}
    keep = None if only is None else {action_key(db, a) for a in only}
    kinds = None if kinds is None else set(kinds)
    for key, run in list(runs.items()):
        parent = key.split(".cleanup")[0]
        if run.database != db.config.name or key in skip or (parent != key and parent in runs) \
                or (keep is not None and parent not in keep) or (kinds is not None and run.action.kind not in kinds):
            continue
        run_panel(db, key)


def request(db, action: Action, finding: Finding | None = None) -> None:
    """Open the confirmation of `action` from a button that cannot draw it (inside a live fragment, whose
    next refresh would redraw the dialog away): the whole page runs again and draws it (`open_request`)."""
    key = action_key(db, action)
    st.session_state.setdefault(SPECS, {})[key] = (action, finding)
    st.session_state[REQUESTED] = key
    open_dialog(key)
    st.rerun()


def requested() -> str | None:
    """The key of the confirmation `request` opened, while it is open (the page pauses its refresh)."""
    key = st.session_state.get(REQUESTED)
    return key if key is not None and is_open(key) else None


def open_request(db) -> None:
    """Draw the confirmation `request` opened, if it is still open; pages call it outside their fragments."""
    key = requested()
    if key is not None:
        _confirm(db, key)


def action_control(db, action: Action, *, finding: Finding | None = None, key: str | None = None,
                   label: str | None = None, with_run: bool = True) -> None:
    """The button for one action, its dialog when open, and its run (progress or result) below; with
    `with_run=False` the caller draws the run elsewhere (`run_of`), e.g. full width under a narrow button."""
    key = key or action_key(db, action)
    st.session_state.setdefault(SPECS, {})[key] = (action, finding)
    run = st.session_state.get(RUNS, {}).get(key)
    disabled = runner.disabled_reason(db, action.kind) is not None
    text = label or (f"SQL of {KIND_WORDS[action.kind]}" if disabled else f"{KIND_WORDS[action.kind]}…")
    st.button(text, key=f"open:{key}", on_click=open_dialog, args=(key,), disabled=run is not None and not run.is_final,
              icon=":material/content_copy:" if disabled else ":material/build:",
              help="Actions are off for this database: shows the SQL to copy." if disabled else
              "Shows the exact SQL, its lock and effect, and asks to confirm.")
    if st.session_state.get(OPEN) == key:
        _confirm(db, key)
    if run is not None and with_run:
        run_panel(db, key)


def run_of(db, action: Action, key: str | None = None) -> None:
    """The run of this action in this session, if any: its progress, or its result."""
    key = key or action_key(db, action)
    if key in st.session_state.get(RUNS, {}):
        run_panel(db, key)


def open_dialog(key: str) -> None:
    """Open the confirmation of `key` (one dialog at a time: any other one closes)."""
    st.session_state[OPEN] = key
    st.session_state.get(PREVIEWS, {}).pop(key, None)


def is_open(key: str) -> bool:
    return st.session_state.get(OPEN) == key


def close_dialog() -> None:
    st.session_state.pop(OPEN, None)


@st.dialog("Confirm the maintenance action", width="large", on_dismiss=close_dialog)
def _confirm(db, key: str) -> None:
    action, finding = st.session_state[SPECS][key]
    previewed = st.session_state.setdefault(PREVIEWS, {})
    if key not in previewed:
        previewed[key] = previews.preview(db, action)
    pv = previewed[key]
    st.markdown(f"**{KIND_WORDS[action.kind]}** on `{pv.target}` · database **{db.config.title}**")
    if finding is not None:
        st.caption(f"{finding.title}. {finding.recommendation}")
    st.code(action.sql + ";", language="sql", wrap_lines=True)
    st.markdown(f":material/lock: **Lock:** {action.lock}")
    if pv.warning:
        st.warning(pv.warning, icon=":material/warning:")
    if pv.size_bytes is None and action.target_kind in ("backend", "database", "function"):
        st.markdown(f"**Expected effect:** {pv.effect or '–'}")  # no object with a size: a session, statistics
    else:
        size, effect = st.columns([1, 3])
        size.metric(pv.size_label, fmt_bytes(pv.size_bytes) if pv.size_bytes is not None else "–", border=True)
        effect.markdown(f"**Expected effect:** {pv.effect or '–'}")
    for note in pv.notes:
        st.caption(note)
    if pv.disabled or pv.refusal:
        if pv.disabled:
            st.info(pv.disabled, icon=":material/lock:")
        else:
            st.error(f"**Cannot run:** {pv.refusal}", icon=":material/block:")
        close_button(key)
        return
    typed = None
    if pv.needs_typed_name:
        typed = st.text_input(f"Type {pv.typed_what} **{action.target_name}** to confirm", key=f"typed:{key}")
    ready = not pv.needs_typed_name or typed == action.target_name
    go, stop = st.columns(2)
    if go.button("Run now", type="primary", disabled=not ready, key=f"run:{key}", icon=":material/play_arrow:",
                 width="stretch"):
        st.session_state.setdefault(RUNS, {})[key] = runner.start(db, action, store(), actor(), typed_name=typed)
        close_dialog()
        st.rerun()
    with stop:
        close_button(key, "Cancel")


def close_button(key: str, label: str = "Close") -> None:
    if st.button(label, key=f"dismiss:{key}", width="stretch"):
        close_dialog()
        st.rerun()


def run_panel(db, key: str) -> None:
    run = st.session_state[RUNS][key]
    if run.is_final:
        result(db, key, run)
    else:
        _live(db, key)


@st.fragment(run_every=1.0)
def _live(db, key: str) -> None:
    run = st.session_state.get(RUNS, {}).get(key)
    if run is None:
        return
    if run.is_final:
        stbind.clear_caches()  # nothing cached may show the state from before the action
        st.rerun()
    progress_line(db, run)
    st.button("Cancel the action", key=f"stop:{key}", on_click=runner.cancel, args=(db, run), icon=":material/stop:")


def progress_line(db, run: runner.ActionRun) -> None:
    """The running statement's phase and blocks done (pg_stat_progress_*), or how long it has run."""
    seen = stbind.guarded(lambda: progress.read(db, run.pid))
    what = f"{KIND_WORDS[run.action.kind]} {run.object_display}: running for {fmt_ms(run.duration_ms)}"
    if seen is not None and seen.fraction is not None:
        st.progress(seen.fraction, text=f"{run.object_display} · {seen.text} · {fmt_ms(run.duration_ms)}")
    else:
        st.info(f"{seen.text} · {fmt_ms(run.duration_ms)}…" if seen else f"{what}…", icon=":material/progress_activity:")


def result(db, key: str, run: runner.ActionRun) -> None:
    with st.container(border=True):
        STATE_BOX[run.state](f"**{KIND_WORDS[run.action.kind]} {run.object_display}: {run.state}** — {run.message}")
        rows = figures.table(run.before, run.after)
        if rows and run.state != "refused":
            st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        for note in run.notes:
            st.caption(note)
        for i, cleanup in enumerate(run.cleanup):
            st.markdown(f"Cleanup: `{cleanup.sql}`")
            action_control(db, cleanup, key=f"{key}.cleanup{i}")
        audit = f"Audit entry #{run.audit_id} · " if run.audit_id else ""
        st.caption(f"{audit}{fmt_ms(run.duration_ms)} · by {run.actor.label}")
        st.button("Dismiss", key=f"forget:{key}", on_click=lambda: st.session_state[RUNS].pop(key, None))
