"""Alerts: the rules, what fires now, and every notification sent (or not) to the webhook and e-mail."""

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from lib import stbind
from lib.alerts import background, engine
from lib.alerts import config as alerts_config
from lib.core.config import ConfigError

TASKS, MESSAGES = "alerts_tasks", "alerts_messages"
WHEN = st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss")

db = stbind.require_db()
settings = stbind.settings()
st.title(f"Alerts · {db.config.title}")
try:
    config = alerts_config.from_settings(settings)
except ConfigError as exc:
    st.warning(f"**Alert configuration problem** — {exc}. Fix [pgpulse.alerts] in .streamlit/secrets.toml.",
               icon=":material/warning:")
    st.stop()
store = background.shared_store(settings.store_url)
key = engine.database_key(db)
tasks: dict = st.session_state.setdefault(TASKS, {})

st.subheader("Channels")
if config.channels:
    for name, channel in (("Webhook", config.webhook), ("E-mail", config.email)):
        if channel is not None:
            st.markdown(f"- **{name}**: {channel.display}")
    st.caption(f"The app evaluates every {config.interval_s:g} s while it runs" if config.interval_s > 0 else
               "The app does not evaluate by itself (interval_s = 0): run `python -m lib alert` from cron.")
else:
    st.info("No channel configured, so nothing is sent: add `[pgpulse.alerts.webhook]` with a `url` (Slack, "
            "Discord or any JSON receiver) or `[pgpulse.alerts.email]` (host, port, tls, username, password, "
            "from, to) to .streamlit/secrets.toml. Evaluate now still records the state.", icon=":material/info:")

left, right = st.columns(2)
if left.button("Evaluate now", icon=":material/play_arrow:"):
    tasks["evaluate"] = background.submit(engine.run_once, db, config, store)
if right.button("Send a test alert", icon=":material/send:", disabled=not config.channels):
    tasks["test"] = background.submit(engine.send_test, config, store, key)

st.subheader("Rules")
rules = pd.DataFrame([{"rule": name, "enabled": rule.enabled,
                       "threshold": "" if rule.value(db.thresholds) is None else f"{rule.value(db.thresholds):g}",
                       "meaning": alerts_config.RULES[name][0], "what": alerts_config.RULES[name][2]}
                      for name, rule in config.rules.items()])
st.dataframe(rules, hide_index=True, width="stretch")
st.caption(f"A breach is notified once, again every {config.repeat_minutes:g} min while it lasts, and when it "
           "clears. Configure under [pgpulse.alerts.rules]: `active_connections = { threshold = 20 }`, "
           "`slow_statements = false`.")


def when(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    for column in columns:
        frame[column] = pd.to_datetime(frame[column], unit="s", utc=True)
    return frame


def finished_task_messages() -> list[tuple[bool, str]]:
    """Outcomes of the background tasks that ended, as (ok, sentence)."""
    out = []
    for name, future in list(tasks.items()):
        if not future.done():
            continue
        tasks.pop(name)
        try:
            done = future.result()
        except Exception as exc:  # noqa: BLE001
            out.append((False, f"Could not {name}: {exc}"))
            continue
        notes = done.notifications if name == "evaluate" else [done]
        failed = [d.detail for n in notes for d in n.deliveries if not d.ok]
        summary = (f"Evaluated at {datetime.now(UTC):%H:%M:%S} UTC: {len(done.evaluation.breaches)} firing, "
                   f"{len(notes)} notification(s)." if name == "evaluate" else "Test alert handled.")
        errors = getattr(getattr(done, "evaluation", None), "errors", {})
        out.append((not failed, summary + "".join(f" {f}." for f in failed)
                    + "".join(f" Rule {rule} could not run: {error}" for rule, error in errors.items())))
    return out


for ok, message in st.session_state.pop(MESSAGES, []):
    (st.success if ok else st.warning)(message, icon=":material/info:")


@st.fragment(run_every=2 if tasks else None)
def state_and_history() -> None:
    if tasks:
        if messages := finished_task_messages():
            st.session_state[MESSAGES] = messages
            st.rerun()  # the whole page: stops this polling and shows the outcome on top
        st.caption("Working in the background… (the page stays usable)")
    st.subheader("Current state")
    current = pd.DataFrame(engine.state(store, key))
    if current.empty:
        st.caption("Nothing has fired for this database yet.")
    else:
        st.dataframe(when(current, "first_seen", "last_seen", "last_notified", "resolved_at"), hide_index=True,
                     width="stretch", column_config={c: WHEN for c in ("first_seen", "last_seen", "last_notified",
                                                                       "resolved_at")})
    st.subheader("Notifications")
    sent = pd.DataFrame(engine.history(store, key))
    if sent.empty:
        st.caption("No notification yet.")
    else:
        st.dataframe(when(sent, "at"), hide_index=True, width="stretch", column_config={"at": WHEN})


state_and_history()
