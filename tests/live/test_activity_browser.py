"""The Activity page in Chromium with a real blocking tree on screen; the refresh pauses with a hidden tab."""

from __future__ import annotations

import pytest

from tests.lockscene import LockScene
from tests.webapp import SHOTS, chromium, home_log, streamlit_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def blocked_app(demo_urls):
    """streamlit run app.py against the demo content, while one session blocks two others."""
    url = demo_urls["pg18"]
    scene = LockScene(url, table="leads", read_only=True)
    try:
        with streamlit_app(home_log("streamlit-activity.log"), DATABASE_URL=url, PGPULSE_ACTIONS="1") as base:
            yield base, scene
    finally:
        scene.close()


def open_activity(browser, base: str):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    # Enter through the app's router first: a fresh server that is asked for /activity before app.py
    # ever ran serves pages/activity.py on its own (Streamlit's pages/ folder convention).
    page.goto(base)
    page.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)
    page.goto(f"{base}/activity")
    return page


def test_activity_page_shows_the_blocking_tree(blocked_app):
    base, scene = blocked_app
    with chromium() as browser:
        page = open_activity(browser, base)
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


def test_cancel_from_the_page_goes_through_the_shared_confirmation(blocked_app):
    base, scene = blocked_app
    with chromium() as browser:
        page = open_activity(browser, base)
        page.get_by_role("button", name=f"Cancel query of pid {scene.root.pid}").first.click(timeout=60_000)
        dialog = page.get_by_role("dialog")
        dialog.get_by_text("Expected effect", exact=False).wait_for(timeout=30_000)
        text = dialog.inner_text()
        assert f"pg_cancel_backend\"({scene.root.pid})" in text and "LOCK TABLE" in text
        page.wait_for_timeout(500)
        page.screenshot(path=str(SHOTS / "activity-confirm.png"))
        dialog.get_by_role("button", name="Run now").click()
        page.get_by_text(f"cancel backend {scene.root.pid}: done", exact=False).wait_for(timeout=30_000)
        assert "Statement cancelled; the session is now idle" in page.inner_text("body")
        assert scene.root.finished() and scene.reader.finished() and scene.writer.finished()
        page.screenshot(path=str(SHOTS / "activity-cancelled.png"))
        body = page.inner_text("body")
        assert page.locator('[data-testid="stException"]').count() == 0 and "Traceback" not in body
