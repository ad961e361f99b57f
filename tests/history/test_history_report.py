"""The demo history, the weekly review from it (JSON, HTML, page), and `python -m lib snapshot/report`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from streamlit.testing.v1 import AppTest

from lib.core.config import Thresholds
from lib.core.statement_kind import is_maintenance
from lib.core.store import Store
from lib.demo.history import build_demo_history
from lib.history import read
from lib.history.periods import last_full_week
from lib.history.report_html import render
from lib.history.weekly import build_review
from lib.stbind import VIA_APP_KEY
from tests import servers
from tests.conftest import make_db
from tests.webapp import SHOTS, chromium, streamlit_app

REPO = Path(__file__).resolve().parents[2]
APP = str(REPO / "app.py")
SCRIPT_SRC = re.compile(r"<script[^>]*\bsrc\s*=", re.IGNORECASE)


@pytest.fixture(scope="module")
def demo_history(pg_servers, tmp_path_factory):
    """A database with the demo content and its demo history (filed as 'env', as DATABASE_URL is)."""
    from lib.demo import content

    url = servers.create_database(pg_servers["pg18"], prefix="demo", extensions=())
    content.load_schema(url)
    content.run_workload(url)
    path = tmp_path_factory.mktemp("demo-history") / "history.db"
    store = Store(path)
    db = make_db(url, name="env")
    done = build_demo_history(db, store)
    db.close()
    yield url, path, store, done
    store.close()


def run_cli(*args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lib", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=300, env={**os.environ, **(env or {})})


def test_demo_history_tells_the_story(demo_history):
    url, _path, store, done = demo_history
    assert done["actions"] == 2 and done["snapshots"] >= 57  # two full weeks of six-hour slots, and more
    review = build_review(store, "env", last_full_week(), Thresholds())
    assert review.demo
    regression = next(s for s in review.regressions if "converted_leads" in s["query"])
    assert regression["cause"]["action"] == "drop_index"
    assert regression["cause"]["object"] == "public.leads_converted_client_id_idx"
    improvement = next(s for s in review.improvements if "provider_ref" in s["query"])
    assert improvement["cause"]["action"] == "create_index"
    assert any("date_trunc" in s["query"] for s in review.new_slow)
    # maintenance and DDL statements are no slow queries, regressions or improvements
    assert not [s["query"] for s in review.new_slow + review.regressions + review.improvements
                if is_maintenance(s["query"])]
    assert [a["action"] for a in review.actions] == ["drop_index", "create_index"]
    assert not any("pgpulse" in (s["query"] or "") or "CREATE INDEX" in (s["query"] or "")
                   for s in review.statements)  # pgpulse's own statements are left out
    with psycopg.connect(url) as conn:
        indexes = {r[0] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")}
    assert "leads_converted_client_id_idx" not in indexes  # the demo's planted missing FK index is back
    assert "payments_provider_ref_idx" in indexes


def test_report_html_is_standalone_with_its_charts(demo_history):
    _url, _path, store, _ = demo_history
    html = render(build_review(store, "env", last_full_week(), Thresholds()))
    assert SCRIPT_SRC.search(html) is None  # nothing to fetch: no <script src=...>
    assert "<link" not in html
    assert html.count("Plotly.newPlot(") == 3  # query time per day, database size, top statements
    assert "window.PlotlyConfig" in html or "plotly.js" in html  # the library itself, inline
    assert "leads_converted_client_id_idx" in html and "Demo data" in html


@pytest.mark.browser
def test_report_html_renders_offline_in_chromium(demo_history, tmp_path):
    _url, _path, store, _ = demo_history
    target = tmp_path / "review.html"
    target.write_text(render(build_review(store, "env", last_full_week(), Thresholds())))
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        requested = []
        page.route("**/*", lambda route: (requested.append(route.request.url), route.abort())
                   if not route.request.url.startswith("file:") else route.continue_())
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(target.as_uri())
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
        assert page.locator(".js-plotly-plot").count() == 3
        assert requested == [] and errors == []


def test_report_cli_json_and_html(demo_history, tmp_path):
    url, path, _store, _ = demo_history
    out = tmp_path / "week.html"
    week = last_full_week().label
    done = run_cli("report", "--db", "env", "--week", week, "--json", "--out", str(out),
                   env={"DATABASE_URL": url, "PGPULSE_STORE_URL": str(path)})
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["period"]["label"] == week and data["previous_period"]["label"] != week
    assert {"start", "end"} <= set(data["period"]) and data["demo"] is True
    assert data["statements"]
    for s in data["statements"]:
        assert {"queryid", "query", "calls", "total_exec_ms", "mean_exec_ms", "previous"} <= set(s)
        if s["previous"] is not None:
            assert {"calls", "total_exec_ms", "mean_exec_ms"} <= set(s["previous"])
    assert any(s["previous"] is None for s in data["statements"])  # the new monthly report
    assert out.read_text().count("Plotly.newPlot(") == 3


def test_report_cli_text_has_the_pages_sections(demo_history):
    url, path, _store, _ = demo_history
    env = {"DATABASE_URL": url, "PGPULSE_STORE_URL": str(path)}
    week = last_full_week().label
    text = run_cli("report", "--db", "env", "--week", week, env=env)
    data = json.loads(run_cli("report", "--db", "env", "--week", week, "--json", env=env).stdout)
    assert text.returncode == 0, text.stderr
    out = text.stdout
    opened, resolved = data["findings_opened"], data["findings_resolved"]
    assert f"Findings: {len(opened)} opened, {len(resolved)} resolved" in out
    assert all(f["title"] in out for f in opened + resolved)
    assert "New bloat and unused indexes" in out
    assert all(b["table"] in out for b in data["new_bloat"])
    assert all(i["index"] in out for i in data["new_unused_indexes"])
    assert opened or resolved or data["new_bloat"] or data["new_unused_indexes"], "the demo week has some"


def test_snapshot_and_report_cli_give_exact_deltas(pg_servers, tmp_path):
    url = servers.create_database(pg_servers["pg18"])
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE cli_probe (v int)")
    env = {"PGPULSE_STORE_URL": str(tmp_path / "h.db")}
    first = run_cli("snapshot", "--dsn", url, env=env)
    assert first.returncode == 0, first.stderr
    assert "baseline" in first.stdout
    skipped = run_cli("snapshot", "--dsn", url, env=env)
    assert "skipped" in skipped.stdout and skipped.returncode == 0  # this interval's snapshot exists
    with psycopg.connect(url, autocommit=True) as conn:
        for _ in range(11):
            conn.execute("SELECT count(*) FROM cli_probe")
    second = run_cli("snapshot", "--dsn", url, "--force", env=env)
    assert second.returncode == 0 and "snapshot #2" in second.stdout, second.stdout + second.stderr
    report = run_cli("report", "--dsn", url, "--since", "2000-01-01", "--until", "2100-01-01", "--json", env=env)
    assert report.returncode == 0, report.stderr
    probe = [s for s in json.loads(report.stdout)["statements"] if s["query"] == "SELECT count(*) FROM cli_probe"]
    assert [s["calls"] for s in probe] == [11]
    text = run_cli("report", "--dsn", url, "--since", "2000-01-01", "--until", "2100-01-01", env=env)
    assert text.returncode == 0 and "Query time" in text.stdout


def test_cli_refuses_what_it_cannot_do(tmp_path):
    bad_store = {"PGPULSE_STORE_URL": "/proc/pgpulse-no-such-place/h.db"}
    for args in (["snapshot", "--dsn", "postgresql://127.0.0.1:1/x"], ["report", "--dsn", "postgresql://x@h/db"]):
        done = run_cli(*args, env=bad_store)
        assert done.returncode == 2 and done.stderr.startswith("pgpulse: History is unavailable"), done.stderr
    for args, says in ((["report", "--week", "2026-W99"], "2026 has no week 99"),
                       (["report", "--since", "2026-11-01"], "--since and --until go together"),
                       (["snapshot", "--every", "soon"], "not a duration")):
        done = run_cli(*args, env={"PGPULSE_STORE_URL": str(tmp_path / "h.db")})
        assert done.returncode == 2 and says in done.stderr, done.stderr
    empty = run_cli("report", "--dsn", "postgresql://u@h/nothing", env={"PGPULSE_STORE_URL": str(tmp_path / "h.db")})
    assert empty.returncode == 2 and "no history for" in empty.stderr


@pytest.fixture()
def app_env(monkeypatch):
    from lib import stbind
    def configure(url: str, store_url: str):
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.setenv("PGPULSE_STORE_URL", store_url)
        stbind.settings.clear()  # settings are cached for the app's lifetime; these tests change them

    yield configure
    stbind.settings.clear()


def page_with_history(demo_history, app_env, page: str) -> AppTest:
    """`page` through app.py, on the demo content with its demo history."""
    url, path, _store, _ = demo_history
    app_env(url, str(path))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_weekly_page_shows_the_review(demo_history, app_env):
    at = page_with_history(demo_history, app_env, "pages/weekly.py")
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == f"Weekly review · {last_full_week().label}"
    assert [m.label for m in at.metric] == ["Database size", "Query time", "Calls", "Mean latency",
                                            "Cache hit ratio", "Connections", "Slow queries"]
    assert any("Demo data" in c.value for c in at.caption)
    text = " ".join(m.value for m in at.markdown)
    assert "leads_converted_client_id_idx" in text and "payments_provider_ref_idx" in text
    assert at.get("download_button")[0].label == "Download as HTML"
    assert at.query_params["week"] == last_full_week().label  # a shareable URL


def test_tables_page_shows_each_tables_growth(demo_history, app_env):
    at = page_with_history(demo_history, app_env, "pages/tables.py")
    listed = next(d.value for d in at.dataframe if "growth_bytes" in d.value.columns)
    growth = dict(zip(listed["display"], listed["growth_bytes"], strict=True))
    assert growth["public.payments"] > 0  # the demo history grows payments every day
    assert all(g == g for g in growth.values())  # every table listed is in the history (no NaN)
    assert not any("A growth column appears here" in c.value for c in at.caption)


def test_pages_work_without_a_history_store(demo_history, app_env):
    url, *_ = demo_history
    app_env(url, "/proc/pgpulse-no-such-place/h.db")
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.switch_page("pages/weekly.py").run()
    assert not at.exception and not at.error
    assert any("History is unavailable" in i.value for i in at.info)


def query_chart_script():
    import streamlit as st

    from lib import stbind
    from pages.widgets import history_panels
    db = stbind.require_db()
    history_panels.query_history_chart(db, st.session_state["queryid"])
    history_panels.database_growth_chart(db)
    history_panels.table_growth_chart(db)


def test_history_charts_for_drilldown_and_overview(demo_history, app_env):
    url, path, store, _ = demo_history
    app_env(url, str(path))
    queryid = next(s["queryid"] for s in read.statement_deltas(store, "env", 0, 1e12)
                   if "converted_leads" in (s["query"] or ""))
    at = AppTest.from_function(query_chart_script, default_timeout=60)
    at.session_state[VIA_APP_KEY] = True  # as app.py marks a session it routed
    at.session_state["queryid"] = queryid
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    charts = at.get("plotly_chart")
    assert len(charts) == 3
    figure = json.loads(charts[0].proto.spec)
    assert [s["type"] for s in figure["data"]] == ["bar", "scatter", "bar"]
    assert any("drop index" in a.get("text", "") for a in figure["layout"]["annotations"])


@pytest.mark.browser
def test_weekly_page_is_one_screen_in_chromium(demo_history, tmp_path):
    """At 1440×900 the whole review is on screen, with no scrolling (the weekly screenshot)."""

    url, path, _store, _ = demo_history
    with streamlit_app(tmp_path / "streamlit.log", DATABASE_URL=url, PGPULSE_STORE_URL=str(path)) as base, \
            chromium() as browser:
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(f"{base}/")
        page.wait_for_selector('[data-testid="stMetric"]', timeout=90_000)
        page.get_by_role("link", name="Weekly review").click()
        page.wait_for_selector("text=Actions taken: 2", timeout=90_000)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(1500)  # the last elements settle (spinners gone, charts drawn)
        body = page.inner_text("body")
        for words in ("Weekly review · ", "Demo data", "Query time per day", "Slower", "Faster",
                      "Fastest growing tables", "leads_converted_client_id_idx"):
            assert words in body
        assert page.locator('[data-testid="stException"]').count() == 0
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "weekly.png"))  # before the asserts on its size, to see a failure
        last = page.get_by_text("Actions taken: 2").bounding_box()
        assert last["y"] + last["height"] < 900  # the last section is on screen
        scroller = page.locator('[data-testid="stMain"]')
        assert scroller.evaluate("e => e.scrollHeight <= e.clientHeight + 2"), \
            scroller.evaluate("e => [e.scrollHeight, e.clientHeight]")  # nothing below the fold


def time_range_script():
    import streamlit as st

    from lib import stbind
    from pages.widgets import history_panels
    db = stbind.require_db()
    chosen = history_panels.time_range_picker()
    rows = history_panels.statement_deltas(db, *chosen) if chosen else None
    st.write("since reset" if rows is None else f"{len(rows)} statements")


def test_time_range_for_statement_lists(demo_history, app_env):
    url, path, _store, _ = demo_history
    app_env(url, str(path))
    at = AppTest.from_function(time_range_script, default_timeout=60)
    at.session_state[VIA_APP_KEY] = True  # as app.py marks a session it routed
    at.run()
    assert not at.exception
    assert any(m.value == "since reset" for m in at.markdown)
    at.session_state["history_range"] = "Last week"  # the last 7 days: demo history covers them
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(m.value.endswith(" statements") and not m.value.startswith("0 ") for m in at.markdown)


def test_snapshot_with_the_apps_own_url_shares_the_apps_history(fresh_url, tmp_path):
    """`snapshot --dsn $DATABASE_URL` beside the app files under the app's name for that database
    ("env"), so one history and one snapshot per interval, not two."""
    store_path = tmp_path / "history.db"
    env = {"DATABASE_URL": fresh_url, "PGPULSE_STORE_URL": str(store_path)}
    done = run_cli("snapshot", "--dsn", fresh_url, "--force", env=env)
    assert done.returncode == 0, done.stderr
    alone = run_cli("snapshot", "--dsn", fresh_url, "--force", env={"PGPULSE_STORE_URL": str(store_path)})
    assert alone.returncode == 0, alone.stderr  # no configured database with that URL: filed by its target
    store = Store(store_path)
    try:
        names = [r["database"] for r in store.query("SELECT database FROM hist_snapshot ORDER BY id")]
    finally:
        store.close()
    assert names[0] == "env" and names[1].startswith("postgres@127.0.0.1:") and len(names) == 2


def test_maintenance_statements_are_not_counted_as_slow_queries():
    from lib.history import weekly

    assert weekly._slow({"mean_exec_ms": 500.0, "query": "SELECT * FROM t"}, 100)
    assert not weekly._slow({"mean_exec_ms": 500.0, "query": "ANALYZE public.t"}, 100)
    assert not weekly._slow({"mean_exec_ms": 500.0, "query": "/* job */ REFRESH MATERIALIZED VIEW m"}, 100)
    assert not weekly._slow({"mean_exec_ms": 50.0, "query": "SELECT 1"}, 100)
