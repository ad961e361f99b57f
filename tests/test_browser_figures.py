"""Figures on screen, in Chromium against the embedded demo: nothing cut off in a fixed-height box or at a fixed
width where the page has room (the About table, the SQL of maintenance cards), finding evidence in words, and
a history chart that breaks where snapshots are missing. Screenshots go to SHOTS for a person to look at."""

from __future__ import annotations

import pytest

from lib.history import charts
from tests.webapp import SHOTS, chromium, home_log, settled_box, streamlit_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_url(embedded_demo):
    with streamlit_app(home_log("streamlit-figures.log")) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as found:
        yield found


def open_page(browser, url: str, wait_for: str, height: int = 900):
    page = browser.new_page(viewport={"width": 1440, "height": height})
    page.goto(url)
    page.wait_for_selector(wait_for, timeout=90_000)
    page.wait_for_load_state("networkidle")
    return page


def test_about_table_shows_every_row_and_whole_values(browser, app_url):
    page = open_page(browser, f"{app_url}/about", '[data-testid="stTable"]', height=1300)  # all of it in the shot
    table = page.locator('[data-testid="stTable"]').first
    settled_box(page, table)
    text = table.inner_text()
    assert "Server version" in text and "Behind a transaction pooler" in text
    assert "none (set plan_limit_mb in its [connections.<name>] section or [pgpulse.thresholds])" in text
    # nothing scrolls inside the table: not down, not sideways
    assert page.eval_on_selector('[data-testid="stTable"]',
                                 "e => [...e.querySelectorAll('*'), e].every(x => x.scrollWidth <= x.clientWidth + 1 "
                                 "&& x.scrollHeight <= x.clientHeight + 1)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "about.png"), full_page=True)
    page.close()


def test_maintenance_sql_wraps_and_finding_evidence_reads_as_words(browser, app_url):
    page = open_page(browser, f"{app_url}/maintenance", '[data-testid="stCode"]')
    settled_box(page, page.locator('[data-testid="stCode"]').first)
    overflowing = page.eval_on_selector_all(
        '[data-testid="stCode"] pre', "els => els.filter(e => e.scrollWidth > e.clientWidth + 1).length")
    assert overflowing == 0
    page.screenshot(path=str(SHOTS / "maintenance-cards.png"))
    page.close()

    page = open_page(browser, f"{app_url}/tables", '[data-testid="stTab"]')
    page.get_by_role("tab", name="Dead tuples & bloat").click()
    card = (page.locator('[data-testid="stVerticalBlock"]').filter(has_text="rows are dead")
            .filter(has_text="live rows from").last)
    card.wait_for(timeout=60_000)
    settled_box(page, card)
    text = card.inner_text()
    assert "dead tuples: " in text and "live rows from: " in text and "dead_ratio" not in text
    card.screenshot(path=str(SHOTS / "finding-card.png"))
    page.close()


def test_history_chart_with_a_gap_breaks_its_line(browser, tmp_path):
    step, start = 300.0, 1_796_000_000.0
    times = [start + i * step for i in range(24)] + [start + 23 * step + 8 * 3600 + i * step for i in range(24)]
    fig = charts.database_size([{"at": at, "size_bytes": (40 + i / 4) * 1024**2} for i, at in enumerate(times)],
                               title="Database size (8 hours without snapshots)")
    html = tmp_path / "gap.html"
    fig.write_html(str(html), include_plotlyjs=True, full_html=True)  # offline: no network here
    page = browser.new_page(viewport={"width": 900, "height": 320})
    page.goto(html.as_uri())
    page.wait_for_selector(".scatterlayer .trace path.js-line", timeout=30_000)
    # two line segments: one before the gap, one after (a line across the gap would be one)
    segments = page.locator(".scatterlayer .trace path.js-line")
    assert segments.count() == 2, [segments.nth(i).get_attribute("d") for i in range(segments.count())]
    page.screenshot(path=str(SHOTS / "history-gap.png"))
    page.close()
