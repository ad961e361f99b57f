"""Issue 14 in Chromium: the Index advisor recommends an expression index for a statement that scans, the
statement is measured (EXPLAIN ANALYZE), the index is created by a confirmed click, and the same statement,
measured again, shows its speed-up and the scan that changed."""

from __future__ import annotations

import psycopg
import pytest

from tests import servers
from tests.advisor.test_measure import LOOKUP
from tests.test_browser import browser  # noqa: F401 - a fixture
from tests.webapp import SHOTS, home_log, settled_box, streamlit_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def people_app(pg_servers):
    """(database URL, app URL): people looked up by lower(email), on 15 (hypopg) when there, actions on."""
    server = pg_servers.get("pg15") or pg_servers["pg18"]
    url = servers.create_database(server)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg" if server is pg_servers.get("pg15") else "SELECT 1")
        conn.execute("CREATE TABLE people (id int PRIMARY KEY, email text NOT NULL, name text)")
        conn.execute("INSERT INTO people SELECT g, 'Person' || g || '@Example.org', 'n' || g "
                     "FROM generate_series(1, 200000) g")
        conn.execute("VACUUM ANALYZE people")
        for n in range(1, 21):
            conn.execute(LOOKUP.replace("$1", "%s"), (f"person{n}@example.org",))
    with streamlit_app(home_log("streamlit-advisor.log"), DATABASE_URL=url, PGPULSE_ACTIONS="1") as app:
        yield url, app


def test_create_and_measure_in_the_browser(browser, people_app):  # noqa: F811 - the imported fixture
    SHOTS.mkdir(parents=True, exist_ok=True)
    url, app = people_app
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    page.goto(app)
    page.get_by_role("link", name="Index advisor", exact=True).click()
    try:
        page.get_by_text('CREATE INDEX CONCURRENTLY "people_lower_email_idx"').first.wait_for(timeout=120_000)
        page.screenshot(path=str(SHOTS / "index-advisor.png"), full_page=True)
        measure = page.get_by_role("button", name="Measure the statements now (EXPLAIN ANALYZE)")
        settled_box(page, measure)
        measure.click()
        create = page.get_by_role("button", name="Create this index…")
        create.wait_for(timeout=60_000)
        page.get_by_text("before:").first.wait_for(timeout=10_000)
        settled_box(page, create)
        create.click()
        dialog = page.get_by_role("dialog")
        dialog.get_by_text("SHARE UPDATE EXCLUSIVE").first.wait_for(timeout=30_000)
        dialog.get_by_role("button", name="Run now").click()
        page.get_by_text("Speedup").first.wait_for(timeout=120_000)
        page.get_by_text("Undo: drop this index…").first.wait_for(timeout=30_000)
        page.wait_for_load_state("networkidle")
        page.get_by_text("Speedup").first.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "index-advisor-measured.png"))
    except Exception:
        page.screenshot(path=str(SHOTS / "index-advisor-failed.png"), full_page=True)
        raise
    assert page.locator('[data-testid="stException"]').count() == 0
    speedup = page.locator('[data-testid="stMetric"]').filter(has_text="Speedup").first.inner_text()
    assert "x" in speedup and "slower" not in speedup, speedup
    assert page.get_by_text("changed").count() > 0  # the scan that changed
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM pg_indexes WHERE indexname = 'people_lower_email_idx'"
                            ).fetchone()[0] == 1
