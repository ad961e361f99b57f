"""Slow queries and Query detail in a real browser: a row click opens the statement, the URL is shareable."""

from __future__ import annotations

import re

import pytest

from tests.test_browser import SHOTS, app_url, browser, open_page  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser


def test_click_a_statement_then_reload_its_url(browser, app_url):  # noqa: F811
    page = open_page(browser, app_url)  # the app's own entry first, as a person arrives
    page.goto(f"{app_url}/slow_queries")
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.wait_for(timeout=60_000)
    page.wait_for_load_state("networkidle")
    body = page.inner_text("body")
    assert "Traceback" not in body and page.locator('[data-testid="stException"]').count() == 0
    for text in ("Where the time goes", "Performance targets", "N+1 patterns", "Likely N+1"):
        assert text in body
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "slow_queries.png"))

    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 16, box["y"] + 35 + 17)  # the selection box of the first row
    # Streamlit changes the address with the history API: read it from the page itself
    page.wait_for_function("() => location.pathname.endsWith('/query')", timeout=60_000)
    page.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)
    shared = page.evaluate("location.href")
    assert re.search(r"/query\?queryid=-?\d+$", shared), shared
    assert "Query detail" in page.inner_text("body")
    page.screenshot(path=str(SHOTS / "query_detail.png"))

    again = browser.new_page(viewport={"width": 1440, "height": 900})
    again.goto(shared)  # a shared link opens the same statement
    again.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)
    body = again.inner_text("body")
    assert "Mean time" in body and "SQL" in body and "not in pg_stat_statements" not in body
    assert again.locator('[data-testid="stException"]').count() == 0
    again.close()
    page.close()
