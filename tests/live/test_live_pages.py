"""The Live pages in AppTest against the demo content: the blocking tree, cancel from the page, alerts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from lib import stbind
from tests.conftest import REPO
from tests.lockscene import LockScene, cancel_root_from_page, wait_until
from tests.receivers import WebhookReceiver

APP = str(Path(REPO) / "app.py")


@pytest.fixture()
def demo18(demo_urls) -> str:
    return demo_urls["pg18"]


@pytest.fixture()
def on_database(monkeypatch, tmp_path):
    """Point the app at one database (actions on) with the given secrets; returns a starter for AppTest."""
    def start(url: str, secrets: str = "") -> AppTest:
        path = tmp_path / "secrets.toml"
        path.write_text(secrets)
        monkeypatch.setenv("PGPULSE_SECRETS", str(path))
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.setenv("PGPULSE_ACTIONS", "1")
        forget()
        at = AppTest.from_file(APP, default_timeout=90)
        at.run()
        assert not at.exception, at.exception
        return at

    yield start
    forget()


def forget() -> None:
    """Cached settings and statistics are keyed by database name ("env" for DATABASE_URL), which other
    tests reuse for other databases: start and leave with empty caches."""
    stbind.settings.clear()
    st.cache_data.clear()


def page(at: AppTest, name: str) -> AppTest:
    at.switch_page(f"pages/{name}").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def texts(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.code] + [c.value for c in at.caption])


def test_done_when_the_tree_shows_the_root_it_is_cancelled_from_the_page_and_one_alert_arrives(demo18, on_database):
    scene = LockScene(demo18, table="leads", read_only=True)
    hook = WebhookReceiver()
    try:
        at = page(on_database(demo18), "activity.py")
        shown = texts(at)
        assert f"**pid {scene.root.pid}** blocks **2** session(s)" in shown
        assert "LOCK TABLE" in shown
        tree = next(df.value for df in at.dataframe if "session" in df.value.columns)
        assert list(tree["role"])[:1] == ["ROOT BLOCKER"] and tree["session"].iloc[0] == f"pid {scene.root.pid}"
        assert {f"└─ pid {pid}" for pid in scene.waiters} <= set(tree["session"])
        blocked = next(m for m in at.metric if m.label == "Blocked sessions")
        assert int(blocked.value) >= 2

        # The alert on active connections (threshold 1: the two waiting sessions and the root are active).
        secrets = Path(os.environ["PGPULSE_SECRETS"])
        secrets.write_text("[pgpulse.alerts.rules]\nactive_connections = { threshold = 1 }\n"
                           "database_size = false\nslow_statements = false\ncritical_findings = false\n"
                           f'[pgpulse.alerts.webhook]\nurl = "{hook.url}"\n')
        env = {**os.environ}
        for _ in range(2):  # cron runs twice: one notification
            done = subprocess.run([sys.executable, "-m", "lib", "alert", "--dsn", demo18], cwd=REPO, env=env,
                                  capture_output=True, text=True, timeout=120)
            assert done.returncode == 1, done.stderr
        assert len(hook.received) == 1
        assert hook.received[0]["json"]["pgpulse"]["rule"] == "active_connections"

        at.button(key=f"cancel-root-{scene.root.pid}").click().run()
        shown = texts(at)  # the shared confirmation: exact SQL, and the session it would cancel
        assert f"pg_cancel_backend\"({scene.root.pid})" in shown and "LOCK TABLE" in shown
        cancel_root_from_page(at, scene)
        assert f"**pid {scene.root.pid}**" not in texts(at)

        # The audit log has it, in the format of every maintenance action.
        audit = page(at, "audit.py")
        log = next(df.value for df in audit.dataframe if "outcome" in df.value.columns)
        mine = log[log["object"] == f"backend {scene.root.pid}"]
        assert list(mine["action"]) == ["cancel"] and list(mine["outcome"]) == ["done"]
    finally:
        scene.close()
        hook.close()


def test_settings_page_lists_values_sources_and_findings(demo18, on_database):
    at = page(on_database(demo18), "settings.py")
    table = next(df.value for df in at.dataframe if "setting" in df.value.columns)
    row = table.set_index("setting").loc["work_mem"]
    assert row["value"] == "4.0 MB" and row["source"] == "default"
    assert {"shared_buffers", "random_page_cost", "idle_in_transaction_session_timeout"} <= set(table["setting"])
    # the demo's spilling sort with work_mem at its default
    assert any("temporary files" in m.value for m in at.markdown)


def test_alerts_page_sends_a_test_alert_without_blocking(demo18, on_database):
    hook = WebhookReceiver()
    try:
        at = page(on_database(demo18, f'[pgpulse.alerts.webhook]\nurl = "{hook.url}"\n'), "alerts.py")
        assert any("Webhook" in m.value and "127.0.0.1" in m.value for m in at.markdown)
        assert "secret-token" not in texts(at)
        rules = next(df.value for df in at.dataframe if "rule" in df.value.columns)
        assert list(rules["rule"]) == ["database_size", "slow_statements", "active_connections", "critical_findings"]
        at.button[1].click().run()  # Send a test alert
        wait_until(lambda: len(hook.received) == 1, what="the test alert")
        assert hook.received[0]["json"]["pgpulse"]["kind"] == "test"

        def outcome_shown(rerun: bool = True) -> bool:
            # shown once, on the run that finds the task done (which may be the click's own run)
            if rerun:
                at.run()
            assert not at.exception, [e.value for e in at.exception]
            return any("Test alert" in s.value for s in at.success)

        if not outcome_shown(rerun=False):
            wait_until(outcome_shown, timeout=60, what="the outcome on the page")
        history = next(df.value for df in at.dataframe if "channel" in df.value.columns)
        assert history.iloc[0]["outcome"] == "sent" and history.iloc[0]["kind"] == "test"
    finally:
        hook.close()
