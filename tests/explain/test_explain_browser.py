"""The Plans page in a real browser: run the demo's spilling sort, read the tree, open the icicle."""

from __future__ import annotations

import pytest

from tests.test_browser import SHOTS, app_url, browser  # noqa: F401 - fixtures used by name

pytestmark = pytest.mark.browser

SPILLING_SORT = ("SELECT company, email, name, created_at FROM (SELECT company, email, name, phone, source, "
                 "created_at, row_number() OVER (PARTITION BY company ORDER BY created_at DESC) AS rn "
                 "FROM leads) AS ranked WHERE rn = 1")  # fmt: skip


def test_plans_page_runs_a_statement_and_draws_it(browser, app_url):  # noqa: F811
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(app_url)  # the router first: a deep link as the very first request skips st.navigation
    page.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)
    page.goto(f"{app_url}/explain")
    page.wait_for_selector("textarea", timeout=60_000)
    page.fill("textarea", SPILLING_SORT)
    page.keyboard.press("Control+Enter")
    page.get_by_role("button", name="Run EXPLAIN").click()
    page.wait_for_selector(".pt details", timeout=60_000)  # the plan tree is drawn
    body = page.inner_text("body")
    assert "sort-spill" in body and "work_mem" in body
    assert page.locator(".pt details").count() >= 3
    assert page.locator(".pt details[open]").count() >= 1  # the hot path starts open
    assert page.locator('[data-testid="stException"]').count() == 0 and "Traceback" not in body
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "explain.png"))
    page.get_by_role("tab", name="Where the time goes").click()
    page.wait_for_selector(".js-plotly-plot .iciclelayer .slice", timeout=30_000)
    assert page.locator(".iciclelayer .slice").count() >= 4  # a box per node
    page.screenshot(path=str(SHOTS / "explain-icicle.png"))
    page.close()
