"""A row picked with the mouse in Chromium: its actions appear under the list, and the confirmation opens."""

from __future__ import annotations

import pytest

from tests import servers
from tests.test_browser import browser  # noqa: F401 - a fixture
from tests.test_row_actions import QUOTED, make_odd, vacuums
from tests.webapp import SHOTS, home_log, streamlit_app

pytestmark = pytest.mark.browser
ROW_PX = 35  # Streamlit's dataframe: header and rows are this tall


@pytest.fixture(scope="module")
def odd(pg_servers):
    return make_odd(servers.create_database(pg_servers["pg18"]))


@pytest.fixture(scope="module")
def app_url(odd):
    with streamlit_app(home_log("streamlit-row-actions.log"), DATABASE_URL=odd, PGPULSE_ACTIONS="1") as url:
        yield url


def test_clicking_a_table_row_shows_its_actions(browser, app_url, odd):  # noqa: F811 - the imported fixture
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(app_url)
    page.get_by_text("Audit log", exact=True).wait_for(timeout=60_000)
    page.get_by_role("link", name="Tables", exact=True).click()
    page.get_by_text("Select a row").first.wait_for(timeout=60_000)
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.scroll_into_view_if_needed()
    page.wait_for_load_state("networkidle")
    box = grid.bounding_box()
    # The first row (the largest table, ours) by its selection box, left of the first column.
    page.mouse.click(box["x"] + 16, box["y"] + ROW_PX + ROW_PX / 2)
    page.get_by_text(f"VACUUM (ANALYZE) {QUOTED};").wait_for(timeout=30_000)
    page.get_by_text("Actions on").first.scroll_into_view_if_needed()
    page.wait_for_load_state("networkidle")
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(SHOTS / "tables-row-actions.png"))

    page.get_by_role("button", name="VACUUM (ANALYZE)…").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("SHARE UPDATE EXCLUSIVE").first.wait_for(timeout=30_000)
    dialog.get_by_role("button", name="Run now").wait_for(timeout=30_000)
    page.screenshot(path=str(SHOTS / "tables-row-actions-confirm.png"))
    assert vacuums(odd)['Odd "T"; x'] == 0  # nothing runs before the confirmation
    page.close()


def test_clicking_an_index_row_offers_reindex_and_drop(browser, app_url):  # noqa: F811 - the imported fixture
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(app_url)
    page.get_by_text("Audit log", exact=True).wait_for(timeout=60_000)
    page.get_by_role("link", name="Indexes", exact=True).click()
    page.get_by_role("tab", name="All indexes").click()
    page.get_by_text("Select a row").first.wait_for(timeout=60_000)
    grid = page.locator('[data-testid="stDataFrame"]').last
    grid.scroll_into_view_if_needed()
    page.wait_for_load_state("networkidle")
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 16, box["y"] + ROW_PX + ROW_PX / 2)  # the largest index first
    page.get_by_text("REINDEX INDEX CONCURRENTLY").first.wait_for(timeout=30_000)
    page.get_by_text("DROP INDEX CONCURRENTLY").first.wait_for(timeout=30_000)  # a plain index: droppable
    page.get_by_text("Actions on").first.scroll_into_view_if_needed()
    page.wait_for_load_state("networkidle")
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(SHOTS / "indexes-row-actions.png"))
    page.close()
