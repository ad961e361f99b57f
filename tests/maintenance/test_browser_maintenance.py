"""The Maintenance and Audit pages in Chromium: the weekly routine confirmed in its dialog, run, and audited."""

from __future__ import annotations

import pytest

from tests import servers
from tests.maint_fixtures import make_busy, vacuum_count
from tests.test_browser import browser  # noqa: F401 - a fixture
from tests.webapp import SHOTS, home_log, streamlit_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def busy(pg_servers):
    return make_busy(servers.create_database(pg_servers["pg18"]))


@pytest.fixture(scope="module")
def app_url(busy):
    """The app on a fresh database with actions enabled (the demo must stay as it is for other tests)."""
    with streamlit_app(home_log("streamlit-maintenance.log"), DATABASE_URL=busy, PGPULSE_ACTIONS="1") as url:
        yield url


def no_error(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "Traceback" not in page.inner_text("body")


def test_weekly_routine_confirmed_run_and_audited(browser, app_url, busy):  # noqa: F811 - the imported fixture
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(app_url)
    # The app's own navigation (not Streamlit's listing of pages/ shown before the first run) is there.
    page.get_by_text("Audit log", exact=True).wait_for(timeout=60_000)
    page.get_by_role("link", name="Maintenance", exact=True).click()
    page.get_by_text("Weekly routine", exact=True).wait_for(timeout=60_000)
    page.wait_for_load_state("networkidle")
    no_error(page)
    page.screenshot(path=str(SHOTS / "maintenance.png"), full_page=True)

    page.get_by_role("button", name="Run the weekly routine…").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text('VACUUM (ANALYZE) "public"."Busy ""T""; x";').wait_for(timeout=30_000)
    # The dialog streams in element by element: wait for the lock line rather than read it at once.
    dialog.get_by_text("SHARE UPDATE EXCLUSIVE").first.wait_for(timeout=30_000)
    dialog.get_by_role("button", name="Run the routine").wait_for(timeout=30_000)
    page.screenshot(path=str(SHOTS / "maintenance-confirm.png"))
    assert vacuum_count(busy) == 0
    dialog.get_by_role("button", name="Run the routine").click()
    page.get_by_text("Weekly routine done").wait_for(timeout=60_000)
    no_error(page)
    assert vacuum_count(busy) == 1
    page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=30_000)  # the before/after table
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(SHOTS / "maintenance-done.png"), full_page=True)

    page.get_by_role("link", name="Audit log", exact=True).click()
    page.get_by_text("Dropped indexes").wait_for(timeout=60_000)
    page.wait_for_load_state("networkidle")
    no_error(page)
    assert page.locator('[data-testid="stDataFrame"]').count() >= 1
    page.screenshot(path=str(SHOTS / "audit.png"), full_page=True)
    page.close()
