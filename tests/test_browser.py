"""The app in a real browser: Playwright driving Debian's Chromium against `streamlit run app.py`."""

from __future__ import annotations

import pytest

from tests.webapp import SHOTS, chromium, home_log, streamlit_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_url(embedded_demo):
    with streamlit_app(home_log("streamlit.log")) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as found:
        yield found


def open_page(browser, url: str):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(url)
    page.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)
    page.wait_for_load_state("networkidle")
    return page


def test_overview_numbers_on_screen_with_no_error(browser, app_url):
    page = open_page(browser, app_url)
    # The page streams in: wait for each number's label rather than read the body once.
    for label in ("Database size", "Connections", "Cache hit ratio", "Slow statements"):
        page.locator('[data-testid="stMetric"]', has_text=label).first.wait_for(timeout=30_000)
    body = page.inner_text("body")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "Traceback" not in body
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "overview.png"), full_page=True)
    # how old the findings are, with the button that checks again
    checked = page.get_by_text("Findings checked", exact=False).first
    checked.wait_for(timeout=30_000)
    checked.scroll_into_view_if_needed()
    assert page.get_by_role("button", name="Check again").count() == 1
    page.screenshot(path=str(SHOTS / "overview-findings.png"))
    page.close()


def test_overview_fits_about_two_screens_with_areas_collapsed(browser, app_url):
    page = open_page(browser, app_url)
    page.get_by_text("Findings checked", exact=False).first.wait_for(timeout=60_000)
    page.get_by_text("Performance targets", exact=False).first.wait_for(timeout=60_000)
    page.wait_for_load_state("networkidle")
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    assert height <= 2 * 900 * 1.15, f"the Overview is {height} px tall"
    areas = page.locator('[data-testid="stExpander"] details')
    assert areas.count() >= 4
    assert all(not areas.nth(i).evaluate("d => d.open") for i in range(areas.count()))
    assert page.get_by_text("Do first", exact=True).count() == 1
    page.set_viewport_size({"width": 1440, "height": height})
    page.screenshot(path=str(SHOTS / "overview-triage.png"))
    page.close()


def test_first_deep_link_asks_for_the_password_then_lands_where_it_pointed(embedded_demo, browser):
    """The very first request after start is a deep link: it must not skip app.py's password gate,
    and once through it the visitor is on the page (and the statement) the link named."""
    import psycopg

    with psycopg.connect(embedded_demo) as conn:
        queryid, = conn.execute("SELECT queryid FROM pg_stat_statements WHERE query LIKE 'SELECT%%leads%%' "
                                "AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                                "ORDER BY total_exec_time DESC LIMIT 1").fetchone()
    with streamlit_app(home_log("streamlit-gate.log"), PGPULSE_PASSWORD="s3cret-gate") as url:
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(f"{url}/query?queryid={queryid}")
        page.wait_for_selector('input[type="password"]', timeout=60_000)
        assert "Query detail" not in page.inner_text("body")
        page.fill('input[type="password"]', "s3cret-gate")
        page.keyboard.press("Enter")
        page.get_by_role("heading", name="Query detail").wait_for(timeout=60_000)
        page.wait_for_url(f"**/query?queryid={queryid}", timeout=30_000)
        page.get_by_text("leads", exact=False).first.wait_for(timeout=30_000)  # the statement itself
        page.close()
