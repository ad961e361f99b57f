"""The app in a real browser: Playwright driving Debian's Chromium against `streamlit run app.py`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from lib.pgserver import free_port

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = Path(os.environ.get("PGPULSE_SCREENSHOTS", "/tmp/pgpulse-screenshots"))

pytestmark = pytest.mark.browser


def need_chromium():
    if not Path(CHROMIUM).exists():
        if os.environ.get("PGPULSE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is not installed")


@pytest.fixture(scope="module")
def app_url(embedded_demo):
    need_chromium()
    port = free_port()
    log = open(Path(os.environ["PGPULSE_HOME"]) / "streamlit.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                             "--server.headless", "true"], cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url, proc)
    yield url
    proc.terminate()
    proc.wait(timeout=20)
    log.close()


def wait_healthy(url: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    proc.kill()
    pytest.fail("streamlit did not start")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


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
    page.close()


def test_first_deep_link_still_asks_for_the_password(embedded_demo, browser):
    """The very first request after start is a deep link: it must not skip app.py's password gate."""
    need_chromium()
    env = {**os.environ, "PGPULSE_PASSWORD": "s3cret-gate"}
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                             "--server.headless", "true"], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(f"http://127.0.0.1:{port}/about")
        page.wait_for_selector('input[type="password"]', timeout=60_000)
        assert "About this database" not in page.inner_text("body")
        page.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
