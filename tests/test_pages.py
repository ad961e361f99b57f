"""Every page renders against the demo database with no exception and no error banner (Streamlit AppTest)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "app.py")
NOT_PAGES = {"common.py", "plan_ui.py", "history_ui.py", "actions_ui.py"}  # modules pages import, not pages
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
    # findings triaged: a short "Do first" list, then one collapsed line per area with its count and worst severity
    assert any(m.value.startswith("**Do first**") for m in app.markdown)
    areas = [e.label for e in app.expander]
    assert any(label.startswith("**Queries** · ") and "worst: warning" in label for label in areas), areas
    assert any(label.startswith("**Indexes** · ") for label in areas), areas
    first = [m.value for m in app.markdown if m.value.startswith("**1.**")]
    assert len(first) == 1 and "query time" in first[0]  # the demo's heaviest statement, by its share of time
    # the statement is named by its text, never by its queryid
    assert not re.search(r"\*\*-?\d{6,}\*\*", first[0]), first[0]


def test_unreachable_database_is_a_banner_not_a_traceback(monkeypatch):
    from lib import stbind
    from lib.core.pgserver import free_port

    monkeypatch.setenv("DATABASE_URL", f"postgresql://postgres@127.0.0.1:{free_port()}/postgres")
    stbind.settings.clear()  # settings are cached for the app's lifetime; this test changes them
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert any("Database unreachable" in e.value for e in at.error)
    stbind.settings.clear()


def test_app_recovers_when_the_server_comes_back(monkeypatch):
    """A server that stops while the app is open gives a banner, and the app works again once it is back."""
    from lib import stbind
    from tests import servers

    server = servers.start_server(servers.available_bin_dirs()["pg18"])
    try:
        monkeypatch.setenv("DATABASE_URL", servers.create_database(server))
        stbind.settings.clear()
        at = AppTest.from_file(APP, default_timeout=60)
        at.run()
        assert not at.exception and not at.error
        assert any(m.label == "Database size" for m in at.metric)
        server.stop("immediate")
        at.run()
        assert not at.exception
        assert any("Database unreachable" in e.value for e in at.error)
        server.start()
        at.run()
        assert not at.exception and not at.error, [e.value for e in at.error]
        assert any(m.label == "Database size" for m in at.metric)
    finally:
        stbind.settings.clear()
        server.destroy()


def test_password_gate(monkeypatch, embedded_demo):
    from lib import stbind
    monkeypatch.setenv("PGPULSE_PASSWORD", "open sesame")
    stbind.settings.clear()
    try:
        at = AppTest.from_file(APP, default_timeout=60)
        at.run()
        assert not at.metric and at.text_input[0].label == "Password"
        at.text_input[0].input("wrong").run()
        assert any("Wrong password" in e.value for e in at.error) and not at.metric
        at.text_input[0].input("open sesame").run()
        assert any(m.label == "Database size" for m in at.metric)
    finally:
        stbind.settings.clear()


def test_without_pg_stat_statements_the_overview_says_how_to_enable_it(monkeypatch):
    from lib import stbind
    from tests import servers

    server = servers.start_server(servers.available_bin_dirs()["pg18"], preload=False)
    try:
        monkeypatch.setenv("DATABASE_URL", servers.create_database(server, extensions=()))
        stbind.settings.clear()
        at = AppTest.from_file(APP, default_timeout=60)
        at.run()
        assert not at.exception and not at.error
        assert any(m.label == "Query statistics" and m.value == "unavailable" for m in at.metric)
        assert any("shared_preload_libraries" in i.value for i in at.info)
        at.switch_page("pages/about.py").run()
        assert not at.exception and any("shared_preload_libraries" in w.value for w in at.warning)
    finally:
        stbind.settings.clear()
        server.destroy()
