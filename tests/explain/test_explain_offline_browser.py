"""The Plans page in Chromium with the database down: the run part says so, a pasted plan is drawn."""

from __future__ import annotations

import pytest

from lib.core.pgserver import free_port
from tests.fixtures_path import PEV2
from tests.webapp import SHOTS, chromium, home_log, streamlit_app

pytestmark = pytest.mark.browser


def test_pasted_plan_is_drawn_while_the_database_is_unreachable(tmp_path):
    down = f"postgresql://postgres@127.0.0.1:{free_port()}/postgres"
    with streamlit_app(home_log("streamlit-explain-offline.log"), DATABASE_URL=down,
                       PGPULSE_STORE_URL=str(tmp_path / "store.db")) as base, chromium() as browser:
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(base)  # the router first: a deep link as the very first request skips st.navigation
        page.get_by_text("Database unreachable").first.wait_for(timeout=60_000)
        page.goto(f"{base}/explain")
        page.get_by_text("Running EXPLAIN needs the database").wait_for(timeout=60_000)
        assert "Database unreachable" in page.inner_text("body")
        assert page.get_by_role("button", name="Run EXPLAIN").count() == 0
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "explain-offline-run.png"))

        page.get_by_test_id("stRadioGroup").get_by_text("Paste a plan").click()
        page.wait_for_selector("textarea", timeout=30_000)
        page.fill("textarea", (PEV2 / "from-text" / "37-plan").read_text())
        page.keyboard.press("Control+Enter")
        page.get_by_role("button", name="Read the plan").click()
        page.wait_for_selector(".pt details", timeout=60_000)  # the plan tree is drawn
        page.wait_for_timeout(1000)
        body = page.inner_text("body")
        assert "sort-spill" in body and "22.1 s" in body
        assert "Database unreachable" not in body  # pasting is no database work: no banner over it
        assert page.locator(".pt details").count() == 4
        assert page.locator('[data-testid="stException"]').count() == 0 and "Traceback" not in body
        # the findings and the tree in view, the pasted text above the fold
        page.get_by_text("What to fix", exact=True).evaluate("e => e.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(500)
        page.screenshot(path=str(SHOTS / "explain-offline.png"))
        page.close()


def test_a_first_deep_link_to_the_plans_page_still_asks_for_the_password(tmp_path):
    """Nothing of the page before the password, though this page no longer needs a database to draw."""
    down = f"postgresql://postgres@127.0.0.1:{free_port()}/postgres"
    with streamlit_app(home_log("streamlit-explain-gate.log"), DATABASE_URL=down, PGPULSE_PASSWORD="s3cret-plans",
                       PGPULSE_STORE_URL=str(tmp_path / "store.db")) as base, chromium() as browser:
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(f"{base}/explain")
        page.wait_for_selector('input[type="password"]', timeout=60_000)
        page.wait_for_timeout(1000)
        body = page.inner_text("body")
        assert "Paste a plan" not in body and "Run a statement" not in body
        assert page.locator("textarea").count() == 0
        page.close()
