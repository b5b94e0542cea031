"""The app in a real browser: one `streamlit run` server for the module, driven by Debian's
chromium through Playwright. Screenshots go to test-artifacts/; with SAVE_SCREENSHOTS=1 the final
one of each page is also copied to docs/screenshots/.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
WAIT_MS = 180_000  # generous: the test machine may be busy training; an idle one answers in seconds
FIRST_LOAD_MS = 240_000  # the first session also imports torch and loads the model

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
if not CHROMIUM.exists():
    pytest.skip("no browser at /usr/bin/chromium (apt package `chromium`)", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, server: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {server.returncode}; see {ARTIFACTS / 'server.log'}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"streamlit did not become healthy within {timeout} s")


@pytest.fixture(scope="module")
def server_url():
    ARTIFACTS.mkdir(exist_ok=True)
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
               "--server.headless", "true", "--server.address", "127.0.0.1"]
    with open(ARTIFACTS / "server.log", "wb") as log:
        server = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, server)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a rerun still busy on a loaded machine
            server.kill()
            server.wait()


@pytest.fixture(scope="module")
def browser_page(server_url):
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1600})
        page.set_default_timeout(WAIT_MS)
        yield page
        browser.close()


def screenshot(page, name: str) -> None:
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))  # Streamlit scrolls inside the page: the viewport is the picture
    if os.environ.get("SAVE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, SCREENSHOTS / f"{name}.png")


def heading(page, text: str):
    return page.locator("h4", has_text=text)


def assert_no_error(page) -> None:
    assert page.locator("[data-testid='stException']").count() == 0
    assert "Traceback" not in page.content()


def test_home_translates_what_is_typed(browser_page, server_url):
    page = browser_page
    page.goto(server_url + "/?model=dates")  # the toy model answers fastest and predictably
    heading(page, "1987-03-05").wait_for(timeout=FIRST_LOAD_MS)
    box = page.get_by_role("textbox", name="Type a sentence")
    box.fill("<script>alert(1)</script>")
    box.press("Control+Enter")
    page.get_by_text("reads them as").wait_for()
    assert page.locator("h4", has_text="<script>").count() == 0  # shown escaped, never run
    box.fill("12/03/2001")
    box.press("Control+Enter")
    heading(page, "2001-03-12").wait_for()
    page.wait_for_url("**text=12%2F03%2F2001**")
    assert_no_error(page)
    page.locator("canvas, svg").first.wait_for()
    screenshot(page, "home")


def test_step_page_moves_with_next_and_the_arrow_key(browser_page, server_url):
    page = browser_page
    page.get_by_role("link", name="Step by step").first.click()
    page.get_by_text("Step 1 of 11").wait_for()
    heading(page, "2001-03-12").wait_for()  # the sentence typed on the home page came along
    page.locator("button", has_text="Next").first.click()  # Streamlit renders a hidden twin of shortcut buttons
    page.get_by_text("Step 2 of 11").wait_for()
    page.wait_for_url("**step=2**")
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press("ArrowRight")
    page.get_by_text("Step 3 of 11").wait_for()
    assert_no_error(page)
    screenshot(page, "step_by_step")


def test_translate_page_shows_heatmap_and_comparison(browser_page, server_url):
    page = browser_page
    page.get_by_role("link", name="Translate").first.click()
    page.get_by_text("Greedy vs beam vs sampling").first.wait_for()
    heading(page, "2001-03-12").wait_for()
    page.get_by_text("Attention", exact=False).first.wait_for()
    assert_no_error(page)
    screenshot(page, "translate")
