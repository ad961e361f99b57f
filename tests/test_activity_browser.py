"""The Activity page in Chromium with a real blocking tree on screen; the refresh pauses with a hidden tab."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from lib.pgserver import free_port
from tests.lockscene import LockScene
from tests.test_browser import CHROMIUM_ARGS, REPO, SHOTS, need_chromium

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def blocked_app(demo_urls):
    """streamlit run app.py against the demo content, while one session blocks two others."""
    need_chromium()
    url = demo_urls["pg18"]
    scene = LockScene(url, table="leads", read_only=True)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "PGPULSE_ACTIONS": "1"}
    log = open(Path(os.environ["PGPULSE_HOME"]) / "streamlit-activity.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                             "--server.headless", "true"], cwd=REPO, stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("streamlit did not start; see streamlit-activity.log")
    yield base, scene
    proc.terminate()
    proc.wait(timeout=20)
    log.close()
    scene.close()


def test_activity_page_shows_the_blocking_tree(blocked_app):
    from playwright.sync_api import sync_playwright

    base, scene = blocked_app
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        # Enter through the app's router first: a fresh server that is asked for /activity before app.py
        # ever ran serves pages/activity.py on its own (Streamlit's pages/ folder convention).
        page.goto(base)
        page.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)
        page.goto(f"{base}/activity")
        page.get_by_text(f"pid {scene.root.pid}", exact=False).first.wait_for(timeout=60_000)
        page.wait_for_selector('[data-testid="stPlotlyChart"]', timeout=30_000)
        page.wait_for_timeout(1500)
        body = page.inner_text("body")
        assert "Root blocker" in body and "LOCK TABLE" in body
        assert "Live: refreshed every 5 s" in body
        assert page.locator('[data-testid="stException"]').count() == 0 and "Traceback" not in body
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "activity.png"), full_page=True)
        page.screenshot(path=str(SHOTS / "activity-top.png"))

        # The tab goes to the background: the page says so and stops refreshing.
        page.evaluate("Object.defineProperty(document, 'hidden', {value: true, configurable: true});"
                      "document.dispatchEvent(new Event('visibilitychange'))")
        page.get_by_text("Paused.", exact=False).first.wait_for(timeout=30_000)
        browser.close()
