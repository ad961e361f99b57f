"""The Tables, Indexes, Schema audit and Guide checklist pages on the embedded demo (AppTest), and the
same pages in a real browser at 1440x900."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.test_browser import SHOTS, app_url, browser, open_page  # noqa: F401 - fixtures, via getfixturevalue
from tests.test_pages import APP


@pytest.fixture()
def app(embedded_demo) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    return at


def show(app, page: str):
    app.switch_page(f"pages/{page}").run()
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]
    return app


def test_tables_page_shows_space_activity_and_fixes(app):
    at = show(app, "tables.py")
    assert {"Tables", "Database size", "Dead tuples", "Findings"} <= {m.label for m in at.metric}
    assert len(at.get("plotly_chart")) in (1, 2)  # the treemap, and the growth chart once history exists
    codes = [c.value for c in at.code]
    assert 'VACUUM (ANALYZE) "public"."dead_letter_queue"' in codes
    listed = at.dataframe[0].value
    assert listed.iloc[0]["display"] == "public.leads" and len(listed) <= 50  # largest first, one page
    # sizes as pg_size_pretty writes them ("71.9 MB"; Streamlit's own "bytes" format wrote "71.9MB")
    assert listed["total_bytes"].str.fullmatch(r"\d+(\.\d)? (B|kB|MB|GB)").all(), listed["total_bytes"].tolist()
    health = next(d.value for d in at.dataframe if "live_source" in d.value.columns)  # where live rows come from
    assert set(health["live_source"]) <= {"counter", "catalog"} and len(health)
    at.text_input(key="tables_search").input("dead_letter").run()
    assert list(at.dataframe[0].value["display"]) == ["public.dead_letter_queue"]


def test_indexes_page_shows_each_problem_with_its_sql(app):
    at = show(app, "indexes.py")
    codes = [c.value for c in at.code]
    # the demo's statistics are young: the unused index waits (with its date) instead of offering a DROP
    assert 'DROP INDEX CONCURRENTLY "public"."leads_utm_campaign_idx"' not in codes
    assert any("No DROP INDEX is offered until then" in m.value for m in at.markdown)
    for sql in ('DROP INDEX CONCURRENTLY "public"."invoices_client_id_idx"',
                'CREATE INDEX CONCURRENTLY "payments_invoice_id_idx" ON "public"."payments" ("invoice_id")'):
        assert sql in codes
    assert {"Indexes", "Never scanned", "Redundant", "Index cache hits"} <= {m.label for m in at.metric}
    assert int(next(m for m in at.metric if m.label == "Redundant").value) >= 2
    # The demo has pg_buffercache: what shared buffers hold, read on demand.
    before = len(at.dataframe)
    at.toggle(key="read_buffers").set_value(True).run()
    assert not at.exception and len(at.dataframe) == before + 1
    held = next(d.value for d in at.dataframe if "cache_share" in d.value.columns)
    assert held["display"].str.startswith("public.").any() and (held["cache_share"] > 0).all()


def test_schema_page_lists_each_kind_of_problem(app):
    at = show(app, "schema.py")
    labels = [e.label for e in at.expander]
    for title in ("Identifiers as text", "Timestamps as text", "Money as float or text",
                  "Tables without a primary key", "Sequences near their maximum"):
        label = next(label for label in labels if label.startswith(title))
        assert not label.endswith("(0)"), label
    text = " ".join(m.value for m in at.markdown)
    assert "public.payments.amount stores money as floating point" in text


def test_checklist_scores_every_item(app):
    at = show(app, "checklist.py")
    items = [m.value for m in at.markdown if m.value.startswith(":")]
    assert len(items) >= 25
    fk = next(m for m in items if "Every foreign key is indexed" in m)
    assert "warn" in fk
    assert any("not measurable" in m and "pool" in m.lower() for m in items)
    # statements are named by their text, never by a bare queryid
    evidence = " ".join(c.value for c in at.caption)
    assert "SELECT" in evidence
    assert not re.search(r"(^|[ ,:])-?\d{15,}($|[ ,])", evidence), evidence


@pytest.mark.browser
def test_pages_in_a_browser(request):
    """Each page from the sidebar, at 1440x900, with no exception on screen (screenshots kept)."""
    page = open_page(request.getfixturevalue("browser"), request.getfixturevalue("app_url"))
    SHOTS.mkdir(parents=True, exist_ok=True)
    for title, metric in [("Tables", "Dead tuples"), ("Indexes", "Never scanned"),
                          ("Schema audit", "Column type issues"), ("Guide checklist", "Not measurable")]:
        page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
        page.locator('[data-testid="stMetricLabel"]', has_text=metric).first.wait_for(timeout=60_000)
        page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=60_000)
        page.wait_for_selector('[data-testid="stSkeleton"]', state="detached", timeout=60_000)
        page.wait_for_load_state("networkidle")
        assert page.locator('[data-testid="stException"]').count() == 0, title
        assert "Traceback" not in page.inner_text("body")
        page.screenshot(path=str(SHOTS / f"{title.lower().replace(' ', '_')}.png"))
    page.close()
