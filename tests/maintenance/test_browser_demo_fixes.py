"""Issue 6 end to end, in Chromium: a DBA fixes each fixable planted problem of the demo database with
confirmed clicks, watches the progress, reads the before/after, finds each action in the audit log and
undoes the index drop from there. Every step is checked on the database itself with psycopg.

It runs on its own database loaded with the demo content (the shared demo database must stay as it is).
"""

from __future__ import annotations

import re

import psycopg
import pytest
from playwright.sync_api import expect
from psycopg import sql

from lib.demo import content
from lib.demo.planted import PLANTED
from tests import servers
from tests.webapp import SHOTS, chromium, streamlit_app

pytestmark = pytest.mark.browser

WAIT = 60_000  # ms; a page on two loaded cores may take a while to stream in
UNUSED = "leads_utm_campaign_idx"
DUPLICATE = "idx_invoices_client_id"
FK_TABLE, FK_INDEX = "payments", "payments_invoice_id_idx"
BLOATED = "dead_letter_queue"


@pytest.fixture(scope="module")
def demo_copy(pg_servers) -> str:
    url = servers.create_database(pg_servers["pg18"], prefix="demofix", extensions=())
    content.load_schema(url)
    content.run_workload(url)
    return url


def one(url: str, statement: str, params=None):
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(statement, params).fetchone()


def index_state(url: str, name: str) -> tuple[str, bool] | None:
    """(pg_get_indexdef, indisvalid) of public.<name>, or None when it does not exist."""
    return one(url, "SELECT pg_get_indexdef(i.indexrelid), i.indisvalid FROM pg_index i "
                    "WHERE i.indexrelid = to_regclass(%s)", (f"public.{name}",))


def table_stats(url: str, table: str) -> tuple[int, int]:
    return one(url, "SELECT vacuum_count, n_dead_tup FROM pg_stat_user_tables WHERE relid = to_regclass(%s)",
               (f"public.{table}",))


def no_error(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "Traceback" not in page.inner_text("body")


def go(page, link: str, title: str | re.Pattern) -> None:
    """Through the app's navigation (a new page load would be a new session, without its runs)."""
    page.get_by_role("link", name=link, exact=True).click()
    page.get_by_role("heading", name=title, exact=isinstance(title, str)).first.wait_for(timeout=WAIT)


def card(page, sql_text: str, button: str, has_text: str | None = None):
    """The innermost block that shows this SQL with this button (and text): a finding or recommendation."""
    return (page.locator('[data-testid="stVerticalBlock"]').filter(has=page.get_by_text(sql_text, exact=True))
            .filter(has=page.get_by_role("button", name=button)).filter(has_text=has_text).last)


def confirm(page, sql_text: str, typed_name: str | None = None) -> None:
    """The dialog shows the exact SQL and its lock; DROP INDEX wants the index name typed first."""
    dialog = page.get_by_role("dialog")
    dialog.get_by_text(sql_text + ";", exact=True).wait_for(timeout=WAIT)
    dialog.get_by_text("Lock:").first.wait_for(timeout=WAIT)
    run = dialog.get_by_role("button", name="Run now")
    run.wait_for(timeout=WAIT)
    if typed_name is not None:
        expect(run).to_be_disabled()
        dialog.get_by_role("textbox").fill(typed_name)
        dialog.get_by_role("textbox").press("Enter")
        expect(run).to_be_enabled(timeout=WAIT)
        page.screenshot(path=str(SHOTS / "demo-fix-confirm-drop.png"))
    run.click()


def result_figures(page, headline: str) -> dict[str, tuple[str, str]]:
    """Waits for the run's result box, then reads its before/after table: figure -> (before, after)."""
    page.get_by_text(headline, exact=True).wait_for(timeout=WAIT)
    box = (page.locator('[data-testid="stVerticalBlock"]').filter(has=page.get_by_text(headline, exact=True))
           .filter(has=page.locator('[data-testid="stDataFrame"]')).last)
    cells = box.locator('[data-testid="stDataFrame"] [role="gridcell"]')
    cells.nth(2).wait_for(state="attached", timeout=WAIT)  # the grid draws on a canvas; its cells are for readers
    texts = cells.all_inner_texts()
    rows = [texts[i:i + 3] for i in range(0, len(texts) - len(texts) % 3, 3)]
    return {figure: (before, after) for figure, before, after in rows}


def fix(page, sql_text: str, button: str, typed_name: str | None = None, has_text: str | None = None) -> None:
    target = card(page, sql_text, button, has_text)
    target.wait_for(timeout=WAIT)
    target.get_by_role("button", name=button).click()
    confirm(page, sql_text.rstrip(";"), typed_name)


def test_demo_problems_fixed_from_the_browser_audited_and_undone(demo_copy, tmp_path):
    url = demo_copy
    # The answer key names what this test fixes: it must still be planted there.
    assert f"public.{UNUSED}" in PLANTED["unused_index"].objects
    assert f"public.{DUPLICATE}" in PLANTED["duplicate_index"].objects
    assert "public.payments_invoice_id_fkey" in PLANTED["fk_without_index"].objects
    assert f"public.{BLOATED}" in PLANTED["dead_tuples"].objects
    unused_before = index_state(url, UNUSED)
    assert unused_before is not None and index_state(url, DUPLICATE) is not None
    assert index_state(url, FK_INDEX) is None
    vacuums, dead = table_stats(url, BLOATED)
    assert dead >= 1000

    # Actions wait long enough for the lock this test holds to show the progress of a build.
    secrets = tmp_path / "secrets.toml"
    # and the demo's statistics count as old enough to call an index unused (else no DROP INDEX is offered yet).
    secrets.write_text("[pgpulse.thresholds]\naction_lock_timeout_ms = 60000\nunused_index_min_stats_age_days = 0\n")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with streamlit_app(tmp_path / "streamlit.log", DATABASE_URL=url, PGPULSE_ACTIONS="1",
                       PGPULSE_SECRETS=str(secrets), PGPULSE_STORE_URL=str(tmp_path / "store.db")) as app, \
            chromium() as browser:
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(app)
        page.get_by_text("Audit log", exact=True).wait_for(timeout=WAIT)

        # 1. The unused index, from its card on the Indexes page (Unused tab).
        go(page, "Indexes", "Indexes")
        page.get_by_role("tab", name="Unused").click()
        fix(page, f'DROP INDEX CONCURRENTLY "public"."{UNUSED}"', "DROP INDEX…", typed_name=UNUSED)
        figures = result_figures(page, f"DROP INDEX public.{UNUSED}: done")
        assert figures["exists"] == ("yes", "no")
        assert index_state(url, UNUSED) is None
        no_error(page)
        page.screenshot(path=str(SHOTS / "demo-fix-drop-done.png"))

        # 2. The missing foreign-key index, from the Foreign keys tab. A writer's open transaction makes
        # CREATE INDEX CONCURRENTLY wait in a phase pg_stat_progress_create_index reports: the progress
        # is on screen for as long as this test wants, however fast the build itself would be.
        page.get_by_role("tab", name="Foreign keys").click()
        create = f'CREATE INDEX CONCURRENTLY "{FK_INDEX}" ON "public"."{FK_TABLE}" ("invoice_id")'
        with psycopg.connect(url) as writer:
            writer.execute(sql.SQL("LOCK TABLE {} IN ROW EXCLUSIVE MODE").format(sql.Identifier(FK_TABLE)))
            fix(page, create, "CREATE INDEX…")
            page.get_by_text(re.compile(r"CREATE INDEX CONCURRENTLY: waiting for writers before build")) \
                .first.wait_for(timeout=WAIT)
            phase, = one(url, "SELECT phase FROM pg_stat_progress_create_index WHERE relid = to_regclass(%s)",
                         (f"public.{FK_TABLE}",))
            assert phase == "waiting for writers before build"
            page.get_by_role("button", name="Cancel the action").wait_for(timeout=WAIT)
            page.screenshot(path=str(SHOTS / "demo-fix-progress.png"))
            writer.rollback()
        figures = result_figures(page, f"CREATE INDEX public.{FK_INDEX}: done")
        assert figures["exists"] == ("no", "yes")
        created = index_state(url, FK_INDEX)
        assert created is not None and created[1], created  # there, and valid
        assert "(invoice_id)" in created[0]

        # 3. The duplicate index, from the Maintenance page's recommended actions.
        go(page, "Maintenance", re.compile(r"^Maintenance · "))
        fix(page, f'DROP INDEX CONCURRENTLY "public"."{DUPLICATE}";', "DROP INDEX…", typed_name=DUPLICATE)
        figures = result_figures(page, f"DROP INDEX public.{DUPLICATE}: done")
        assert figures["exists"] == ("yes", "no")
        assert index_state(url, DUPLICATE) is None
        assert index_state(url, "invoices_client_id_status_idx") is not None  # the one to keep

        # 4. The bloated table, from the Tables page's dead tuples card.
        go(page, "Tables", "Tables")
        page.get_by_role("tab", name="Dead tuples & bloat").click()
        vacuum = f'VACUUM (ANALYZE) "public"."{BLOATED}"'
        fix(page, vacuum, "VACUUM (ANALYZE)…", has_text="tables.dead_tuples")
        figures = result_figures(page, f"VACUUM (ANALYZE) public.{BLOATED}: done")
        after_vacuums, after_dead = table_stats(url, BLOATED)
        assert after_vacuums == vacuums + 1
        assert after_dead < dead
        assert figures["dead tuples"] == (f"{dead:,}", f"{after_dead:,}")
        assert figures["vacuum count"] == (str(vacuums), str(after_vacuums))
        # The finding is gone, and the reader is still on the tab where it was (visible: not a hidden tab).
        # (other demo tables may still have dead tuples: autovacuum visits a busy test server's databases late)
        page.get_by_text(f"of public.{BLOATED}'s rows are dead").first.wait_for(state="detached", timeout=WAIT)
        page.get_by_role("heading", name="Dead tuples").first.wait_for(timeout=WAIT)
        page.wait_for_timeout(1000)
        assert page.get_by_text(f"of public.{BLOATED}'s rows are dead").count() == 0  # gone, not mid-rerun
        expect(page.get_by_role("tab", name="Dead tuples & bloat")).to_have_attribute("aria-selected", "true")
        no_error(page)
        page.screenshot(path=str(SHOTS / "demo-fix-vacuum-done.png"))

        # 5. The audit log lists the four actions, and one click recreates the dropped unused index.
        go(page, "Audit log", "Audit log")
        page.get_by_text("Dropped indexes").wait_for(timeout=WAIT)
        log = page.locator('[data-testid="stDataFrame"]').first
        log.locator('[role="gridcell"]').first.wait_for(state="attached", timeout=WAIT)
        listed = log.locator('[role="gridcell"]').all_inner_texts()
        for action, thing in [("DROP INDEX", UNUSED), ("CREATE INDEX", FK_INDEX), ("DROP INDEX", DUPLICATE),
                              ("VACUUM (ANALYZE)", BLOATED)]:
            assert f"public.{thing}" in listed, (thing, listed)
            at = listed.index(f"public.{thing}")
            assert listed[at - 1] == action and listed[at + 1] == "done", listed[at - 1:at + 2]
        page.screenshot(path=str(SHOTS / "demo-fix-audit.png"), full_page=True)
        dropped = (page.locator('[data-testid="stVerticalBlock"]').filter(has_text=f"public.{UNUSED} dropped")
                   .filter(has=page.get_by_role("button", name="Recreate…")).last)
        dropped.get_by_role("button", name="Recreate…").click()
        confirm(page, unused_before[0].replace(
            "CREATE INDEX", "CREATE INDEX CONCURRENTLY", 1))
        result_figures(page, f"CREATE INDEX public.{UNUSED}: done")
        assert index_state(url, UNUSED) == unused_before  # the very same definition, valid
        page.get_by_text("exists again").first.wait_for(timeout=WAIT)
        no_error(page)
        page.screenshot(path=str(SHOTS / "demo-fix-recreated.png"), full_page=True)
        page.close()
