"""Every page renders against the demo database with no exception and no error banner (Streamlit AppTest)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "app.py")
NOT_PAGES = {"common.py", "history_ui.py"}  # modules pages import, not pages
PAGE_FILES = sorted(p.name for p in (REPO / "pages").glob("*.py") if p.name not in NOT_PAGES)


def test_every_page_file_is_in_the_navigation():
    routed = set(re.findall(r'st\.Page\("pages/([a-z0-9_]+\.py)"', (REPO / "app.py").read_text()))
    assert routed == set(PAGE_FILES)


@pytest.fixture()
def app(embedded_demo) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("page", PAGE_FILES)
def test_page_renders(app, page):
    app.switch_page(f"pages/{page}").run()
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]
    assert app.title, "every page has a title"


def test_overview_shows_the_key_numbers_and_findings(app):
    labels = [m.label for m in app.metric]
    for label in ("Database size", "Connections", "Cache hit ratio", "Query time since reset", "Slow statements"):
        assert label in labels
    slow = next(m for m in app.metric if m.label == "Slow statements")
    assert int(slow.value) >= 1  # the demo plants slow statements
    assert any("Warning" in e.label for e in app.expander)


def test_unreachable_database_is_a_banner_not_a_traceback(monkeypatch):
    from lib import stbind
    from lib.pgserver import free_port

    monkeypatch.setenv("DATABASE_URL", f"postgresql://postgres@127.0.0.1:{free_port()}/postgres")
    stbind.settings.clear()  # settings are cached for the app's lifetime; this test changes them
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert any("Database unreachable" in e.value for e in at.error)
    stbind.settings.clear()
