"""The Plans page in a real browser: run the demo's spilling sort, read the tree, open the icicle."""

from __future__ import annotations

import pytest

from tests.test_browser import SHOTS, app_url, browser  # noqa: F401 - fixtures used by name

pytestmark = pytest.mark.browser

SPILLING_SORT = ("SELECT company, email, name, created_at FROM (SELECT company, email, name, phone, source, "
                 "created_at, row_number() OVER (PARTITION BY company ORDER BY created_at DESC) AS rn "
                 "FROM leads) AS ranked WHERE rn = 1")  # fmt: skip


def test_plans_page_runs_a_statement_and_draws_it(browser, app_url):  # noqa: F811
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(app_url)  # the router first: a deep link as the very first request skips st.navigation
    page.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)
    page.goto(f"{app_url}/explain")
    page.wait_for_selector("textarea", timeout=60_000)
    page.fill("textarea", SPILLING_SORT)
    page.keyboard.press("Control+Enter")
    page.get_by_role("button", name="Run EXPLAIN").click()
    page.wait_for_selector(".pt details", timeout=60_000)  # the plan tree is drawn
    body = page.inner_text("body")
    assert "sort-spill" in body and "work_mem" in body
    assert page.locator(".pt details").count() >= 3
    assert page.locator(".pt details[open]").count() >= 1  # the hot path starts open
    assert page.locator('[data-testid="stException"]').count() == 0 and "Traceback" not in body
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "explain.png"))
    page.get_by_role("tab", name="Where the time goes").click()
    page.wait_for_selector(".js-plotly-plot .iciclelayer .slice", timeout=30_000)
    assert page.locator(".iciclelayer .slice").count() >= 4  # a box per node
    page.screenshot(path=str(SHOTS / "explain-icicle.png"))
    page.close()


JOIN = ("SELECT c.name, count(*) FROM clients c JOIN leads l ON l.converted_client_id = c.id "
        "WHERE l.email LIKE 'lead1%' GROUP BY c.name ORDER BY count(*) DESC LIMIT 10")  # fmt: skip


def run(page, base: str, statement: str) -> None:
    page.goto(base)
    page.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)
    page.goto(f"{base}/explain")
    page.wait_for_selector("textarea", timeout=60_000)
    page.fill("textarea", statement)
    page.keyboard.press("Control+Enter")
    page.get_by_role("button", name="Run EXPLAIN").click()
    page.wait_for_selector(".pt details", timeout=60_000)


def test_graph_view_with_its_node_picker(browser, app_url):  # noqa: F811
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    run(page, app_url, JOIN)
    page.get_by_role("tab", name="Graph").click()
    chart = page.locator('[data-testid="stGraphVizChart"] svg')
    chart.locator("g.node").first.wait_for(timeout=60_000)
    boxes = chart.locator("g.node").count()
    assert boxes >= 4 and chart.locator("g.edge").count() == boxes - 1
    drawn = chart.text_content()
    assert "Limit" in drawn and "leads" in drawn
    assert chart.locator('g.node path[stroke="#d62728"]').count() >= 1  # the slowest path
    picker = page.locator('[data-testid="stSelectbox"]').filter(has_text="Node, slowest first")
    def current() -> str:  # the picked node, as the combobox shows it
        return picker.locator('input[role="combobox"]').input_value()

    picked = current()
    assert "#" in picked and "%" in picked, picked
    picker.get_by_role("button", name="Open").click()
    options = page.locator('[role="option"]')
    options.nth(options.count() - 1).click()  # the least costly node
    page.wait_for_timeout(2000)
    assert current() != picked
    assert chart.locator('g.node path[stroke="#1f5f94"]').count() == 1  # the picked node's blue frame
    body = page.inner_text("body")
    assert "Own " in body and "with children" in body
    assert page.locator('[data-testid="stException"]').count() == 0 and "Traceback" not in body
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.get_by_role("tab", name="Graph").evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(500)
    page.screenshot(path=str(SHOTS / "explain-graph.png"))
    page.close()


def test_compare_view(browser, app_url):  # noqa: F811
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    run(page, app_url, "SELECT id, name FROM leads WHERE email = 'a@example.com'")
    for label in ("before", "after"):
        page.get_by_label("Label").fill(f"lookup {label}")
        page.get_by_role("button", name="Keep for comparison").click()
        page.wait_for_timeout(1500)
    page.locator('[data-testid="stRadio"]').get_by_text("Compare kept plans", exact=True).click()
    page.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)
    page.wait_for_timeout(1500)
    body = page.inner_text("body")
    assert "Speedup" in body and "Node by node" in body and "no parameter values" in body
    assert "None" not in page.locator('[data-testid="stMain"]').inner_text()
    page.get_by_text("Node by node").evaluate("e => e.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(500)
    page.screenshot(path=str(SHOTS / "explain-compare.png"))
    page.close()


def test_typical_values_one_click_and_node_notes(browser, app_url):  # noqa: F811
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    page.goto(app_url)
    page.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)
    page.goto(f"{app_url}/explain")
    page.wait_for_selector("textarea", timeout=60_000)
    page.fill("textarea", "SELECT id, name FROM leads WHERE status = $1 ORDER BY created_at LIMIT 20")
    page.keyboard.press("Control+Enter")
    pills = page.locator('[data-testid="stButtonGroup"]').first
    pills.wait_for(timeout=60_000)
    choice = pills.locator("button").nth(1)
    value = choice.inner_text()
    choice.click()
    page.wait_for_timeout(1500)
    box = page.get_by_label("$1 · text")
    assert box.input_value() == value
    page.screenshot(path=str(SHOTS / "explain-typical-values.png"))
    page.get_by_role("button", name="Run EXPLAIN").click()
    page.wait_for_selector(".pt details", timeout=60_000)
    notes = page.locator(".pt .note")
    assert notes.count() >= 1  # the Sort under the LIMIT was stopped early, and says so
    assert "Stopped early" in " ".join(notes.all_text_contents())
    body = page.inner_text("body")
    assert "row-estimate" not in body and "Traceback" not in body
    page.get_by_text("The plan", exact=True).evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(500)
    page.screenshot(path=str(SHOTS / "explain-notes.png"))
    page.close()
