"""The Advisors page in a real browser on the embedded demo (a Supabase-shaped project): both tabs,
the lints planted in the demo, their docs links, and the level filter."""

from __future__ import annotations

import pytest

from tests.webapp import SHOTS, chromium, home_log, streamlit_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_url(embedded_demo):
    with streamlit_app(home_log("streamlit-advisors.log")) as url:
        yield url


def test_advisors_page_lists_the_demos_lints(app_url):
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1440, "height": 1200})
        page.goto(f"{app_url}/advisors")
        page.get_by_role("tab", name="Security").wait_for(timeout=120_000)
        page.get_by_text("RLS disabled in public", exact=False).first.wait_for(timeout=120_000)
        page.locator('[data-testid="stMetric"]', has_text="Errors").wait_for(timeout=60_000)
        page.locator('[data-testid="stCode"]').first.wait_for(timeout=60_000)
        page.wait_for_load_state("networkidle")
        body = page.inner_text("body")
        assert "Traceback" not in body and page.locator('[data-testid="stException"]').count() == 0
        for title in ("Security definer view", "Exposed auth users", "Materialized view in API",
                      "Foreign table in API", "Security definer function executable by anon"):
            assert title in body, title
        links = page.locator('a[href*="database-linter?lint=0013_rls_disabled_in_public"]')
        assert links.count() >= 1
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "advisors-security.png"))
        page.get_by_role("tab", name="Performance").click()
        page.get_by_text("Unindexed foreign keys", exact=False).first.wait_for(timeout=60_000)
        assert page.get_by_role("button", name="CREATE INDEX…").count() >= 1  # the existing check's action
        page.screenshot(path=str(SHOTS / "advisors-performance.png"))
        page.close()
