"""A row picked with the mouse in Chromium: its actions appear under the list, and the confirmation opens."""

from __future__ import annotations

import re

import pytest

from tests import servers
from tests.maintenance.test_row_actions import QUOTED, make_odd, vacuums
from tests.test_browser import browser  # noqa: F401 - a fixture
from tests.webapp import SHOTS, home_log, settled_box, streamlit_app

pytestmark = pytest.mark.browser
ROW_PX = 35  # Streamlit's dataframe: header and rows are this tall


@pytest.fixture(scope="module")
def odd_app(pg_servers):
    """(database URL, app URL): the app on a fresh database with hostile names, actions enabled."""
    odd = make_odd(servers.create_database(pg_servers["pg18"]))
    with streamlit_app(home_log("streamlit-row-actions.log"), DATABASE_URL=odd, PGPULSE_ACTIONS="1") as url:
        yield odd, url


def pick_first_row(driver, url: str, link: str, tab: str | None = None, shown: str = "", search: str = ""):
    """Open a page (and tab), search the list down to one row, click that row's selection box, wait for
    `shown`. (The order alone is no guide: sizes sort by the catalog's page counts, which autovacuum's
    ANALYZE updates whenever it gets to them.)"""
    page = driver.new_page(viewport={"width": 1440, "height": 900})
    page.goto(url)
    page.get_by_text("Audit log", exact=True).wait_for(timeout=60_000)
    page.get_by_role("link", name=link, exact=True).click()
    if tab:
        page.get_by_role("tab", name=tab).click()
    page.get_by_text("Select a row").first.wait_for(timeout=60_000)
    box = page.get_by_role("textbox", name="Search").filter(visible=True).first
    box.fill(search)
    box.press("Enter")
    page.get_by_text(re.compile(r"^1–1 of 1 ")).filter(visible=True).first.wait_for(timeout=60_000)
    grid = page.locator('[data-testid="stDataFrame"]').filter(visible=True).first
    # Centred: scrolled to the top edge, its first row would sit under Streamlit's fixed header bar.
    grid.evaluate("e => e.scrollIntoView({block: 'center'})")
    box = settled_box(page, grid)
    page.mouse.click(box["x"] + 16, box["y"] + ROW_PX + ROW_PX / 2)
    try:
        page.get_by_text(shown).filter(visible=True).first.wait_for(timeout=60_000)  # finding cards of hidden tabs too
    except Exception:
        page.screenshot(path=str(SHOTS / "row-pick-failed.png"), full_page=True)
        raise
    page.get_by_text("Actions on").first.scroll_into_view_if_needed()
    page.wait_for_load_state("networkidle")
    assert page.locator('[data-testid="stException"]').count() == 0
    return page


def test_clicking_a_table_row_shows_its_actions(browser, odd_app):  # noqa: F811 - the imported fixture
    SHOTS.mkdir(parents=True, exist_ok=True)
    odd, url = odd_app
    page = pick_first_row(browser, url, "Tables", shown=f"VACUUM (ANALYZE) {QUOTED};", search='Odd "T"')
    page.screenshot(path=str(SHOTS / "tables-row-actions.png"))
    page.get_by_role("button", name="VACUUM (ANALYZE)…").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("SHARE UPDATE EXCLUSIVE").first.wait_for(timeout=30_000)
    dialog.get_by_role("button", name="Run now").wait_for(timeout=30_000)
    page.screenshot(path=str(SHOTS / "tables-row-actions-confirm.png"))
    assert vacuums(odd)['Odd "T"; x'] == 0  # nothing runs before the confirmation
    page.close()


def test_clicking_an_index_row_offers_reindex_and_drop(browser, odd_app):  # noqa: F811 - the imported fixture
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = pick_first_row(browser, odd_app[1], "Indexes", "All indexes", 'REINDEX INDEX CONCURRENTLY "public"."odd',
                          search="idx")
    page.get_by_text('DROP INDEX CONCURRENTLY "public"."odd').filter(visible=True).first.wait_for(timeout=30_000)  # a plain index
    page.screenshot(path=str(SHOTS / "indexes-row-actions.png"))
    page.close()
