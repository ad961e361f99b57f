"""The RLS fix end to end in Chromium on a database loaded with the demo content: pick the todos policy that
calls auth.uid() for every row, measure its read, rewrite it with one confirmed click, and see the read
measured again before and after; the policy is checked on the database itself, then undone."""

from __future__ import annotations

import re

import psycopg
import pytest
from playwright.sync_api import expect

from lib.demo import content
from lib.demo.planted import SUPABASE_LINTS
from tests import servers
from tests.webapp import SHOTS, chromium, settled_box, streamlit_app

pytestmark = pytest.mark.browser

WAIT = 90_000
LABEL = 'public.todos · "own todos" (SELECT)'
REWRITE = 'ALTER POLICY "own todos" ON "public"."todos" USING ((SELECT auth.uid()) = user_id)'


@pytest.fixture(scope="module")
def demo_copy(pg_servers) -> str:
    url = servers.create_database(pg_servers["pg18"], prefix="demorls", extensions=())
    content.load_schema(url)
    return url


def policy_using(url: str) -> str:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute("SELECT pg_get_expr(polqual, polrelid) FROM pg_policy WHERE polname = 'own todos'"
                            ).fetchone()[0]


def no_error(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "Traceback" not in page.inner_text("body")


def click(page, locator) -> None:
    """Once the page has settled: a click during a rerun can land on an element about to be replaced."""
    settled_box(page, locator)
    locator.click()


def seen(page, text: str, shot: str, nth: int = 0) -> None:
    """Wait for the text; on a timeout keep a screenshot of what was on screen instead."""
    try:
        page.get_by_text(text).nth(nth).wait_for(timeout=WAIT)
    except Exception:
        page.screenshot(path=str(SHOTS / f"rls-failed-{shot}.png"), full_page=True)
        raise


def metric_value(page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text()


def test_measure_fix_and_measure_again_in_the_browser(demo_copy, tmp_path):
    url = demo_copy
    assert "public.todos" in SUPABASE_LINTS["auth_rls_initplan"]
    assert policy_using(url) == "(auth.uid() = user_id)"
    SHOTS.mkdir(parents=True, exist_ok=True)
    with streamlit_app(tmp_path / "streamlit.log", DATABASE_URL=url, PGPULSE_ACTIONS="1",
                       PGPULSE_STORE_URL=str(tmp_path / "store.db")) as app, chromium() as browser:
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.goto(app)
        page.get_by_role("link", name="RLS policies", exact=True).click()
        page.get_by_role("heading", name="RLS policies").first.wait_for(timeout=WAIT)

        # pick the policy, measure its read as authenticated and without RLS
        box = page.locator('[data-testid="stSelectbox"]').filter(has_text="Policy")
        click(page, box)
        page.keyboard.type("own todos (SELECT)")
        page.get_by_role("option", name=LABEL).click()
        page.get_by_role("heading", name='"own todos" on public.todos').wait_for(timeout=WAIT)
        click(page, page.get_by_role("button", name="Measure the read"))
        seen(page, "Measured: with RLS", "measure")
        before = metric_value(page, "Measured: with RLS")
        assert re.fullmatch(r"[\d,.]+ (ms|s)", before), before
        assert re.fullmatch(r"[\d,.]+ (ms|s)", metric_value(page, "Same read without RLS"))
        no_error(page)
        page.screenshot(path=str(SHOTS / "rls-measured.png"), full_page=True)

        # the rewrite, confirmed in the dialog that shows its exact SQL and lock
        click(page, page.get_by_role("button", name="ALTER POLICY…"))
        dialog = page.get_by_role("dialog")
        dialog.get_by_text(REWRITE + ";", exact=True).wait_for(timeout=WAIT)
        dialog.get_by_text("Lock:").first.wait_for(timeout=WAIT)
        page.screenshot(path=str(SHOTS / "rls-confirm.png"))
        dialog.get_by_role("button", name="Run now").click()
        seen(page, 'ALTER POLICY public.todos policy "own todos": done', "fix")
        assert policy_using(url) == "(( SELECT auth.uid() AS uid) = user_id)"

        # measured again by itself: before and after, side by side
        seen(page, "Before and after the fix", "again")
        page.get_by_text("Now: with RLS").wait_for(timeout=WAIT)
        assert metric_value(page, "Before: with RLS") == before
        expect(page.get_by_role("button", name="Undo…")).to_be_visible()
        no_error(page)
        page.screenshot(path=str(SHOTS / "rls-before-after.png"), full_page=True)

        # Undo puts the original expression back
        click(page, page.get_by_role("button", name="Undo…"))
        dialog = page.get_by_role("dialog")
        dialog.get_by_text('ALTER POLICY "own todos" ON "public"."todos" USING ((auth.uid() = user_id));',
                           exact=True).wait_for(timeout=WAIT)
        dialog.get_by_role("button", name="Run now").click()
        seen(page, 'ALTER POLICY public.todos policy "own todos": done', "undo", nth=1)
        assert policy_using(url) == "(auth.uid() = user_id)"
        no_error(page)
        page.close()
