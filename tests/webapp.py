"""What the browser tests share: Debian's Chromium under Playwright, and `streamlit run app.py` on a free port."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from lib.core.pgserver import free_port

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = Path(os.environ.get("PGPULSE_SCREENSHOTS", "/tmp/pgpulse-screenshots"))


def need_chromium() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("PGPULSE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is not installed")


@contextmanager
def chromium() -> Iterator:
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def streamlit_app(log: Path, **env: str) -> Iterator[str]:
    """The app's URL once it answers its health check; `env` adds to this process's environment."""
    need_chromium()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                                 "--server.headless", "true"], cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, **env})
        try:
            wait_healthy(url, proc, log)
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def wait_healthy(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    proc.kill()
    pytest.fail(f"streamlit did not start; see {log}")


def home_log(name: str) -> Path:
    return Path(os.environ["PGPULSE_HOME"]) / name


RUNNING = '[data-testid="stStatusWidgetRunningIcon"], [data-testid="stStatusWidgetRunningManIcon"]'


def settled_box(page, locator, timeout_s: float = 60) -> dict:
    """The element's box once the script run is over and the box has stopped moving: elements streamed in
    above it (captions, charts) shift it down, and a click measured too early lands elsewhere."""
    deadline = time.monotonic() + timeout_s
    page.wait_for_load_state("networkidle")
    last = None
    while time.monotonic() < deadline:
        page.wait_for_timeout(400)
        box = locator.bounding_box()
        if box == last and page.locator(RUNNING).count() == 0:
            return box
        last = box
    pytest.fail("the page kept changing: no stable place to click")
