"""The app in a real browser: one `streamlit run` server for the module, driven by Debian's
chromium through Playwright. Screenshots go to test-artifacts/; with SAVE_SCREENSHOTS=1 the final
one of each page is also copied to docs/screenshots/.
"""
from __future__ import annotations

import os
import re
import shutil

import pytest
from conftest import ARTIFACTS, ROOT, playwright_or_skip

pytestmark = pytest.mark.browser
sync_api = playwright_or_skip()
# The server (server_url) and the page (browser_page) are conftest's, for this module's settings:
SERVER_LOG = "server.log"
VIEWPORT = {"width": 1400, "height": 1600}
SCREENSHOTS = ROOT / "docs" / "screenshots"
DRAWN_CHART = "[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg"
FIRST_LOAD_MS = 240_000  # the first session also imports torch and loads the model


def screenshot(page, name: str, last_text: str, charts: int) -> None:
    """Once the page's last element and its charts are drawn (pages render top to bottom)."""
    page.get_by_text(last_text).first.wait_for()
    page.locator(DRAWN_CHART).nth(charts - 1).wait_for()
    page.wait_for_timeout(1000)  # let vega finish its transitions
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))  # Streamlit scrolls inside the page: the viewport is the picture
    if os.environ.get("SAVE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, SCREENSHOTS / f"{name}.png")


def headline(page) -> str:
    """The translation shown in large type (the first h4 of the page)."""
    return page.locator("h4").first.inner_text()


def wait_for_new_headline(page, old: str) -> str:
    page.wait_for_function("old => { const h = document.querySelector('h4'); return h && h.innerText !== old; }",
                           arg=old)
    return headline(page)


def assert_no_error(page) -> None:
    assert page.locator("[data-testid='stException']").count() == 0
    assert "Traceback" not in page.content()


def test_home_translates_what_is_typed(browser_page, server_url):
    page = browser_page
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(server_url)  # the default model, whichever is shipped first
    # The h4 can be attached a moment before its text arrives: wait for the translation itself.
    page.wait_for_function("() => { const h = document.querySelector('h4'); return h && h.innerText.trim(); }",
                           timeout=FIRST_LOAD_MS)
    box = page.get_by_role("textbox", name="Type a sentence")
    # Widgets can still be skeletons when the translation is drawn (a busy server): wait for the box too.
    sync_api.expect(box).not_to_have_value("", timeout=FIRST_LOAD_MS)
    first = headline(page)
    assert box.input_value() and first
    assert_no_error(page)
    screenshot(page, "home", "What each page shows", charts=1)
    box.fill("<script>alert(1)</script>")
    box.press("Control+Enter")
    page.wait_for_url("**text=%3Cscript%3E**")
    second = wait_for_new_headline(page, first)
    assert dialogs == [] and page.locator("main script").count() == 0  # shown as text, never run
    box.fill("I like cats.")
    box.press("Control+Enter")
    page.wait_for_url("**text=I+like+cats.**")
    wait_for_new_headline(page, second)
    assert_no_error(page)


def test_step_page_moves_with_next_and_the_arrow_key(browser_page, server_url):
    page = browser_page
    page.get_by_role("link", name="Step by step").first.click()
    page.get_by_text(re.compile(r"^Step 1 of \d+$")).wait_for()
    assert page.get_by_role("textbox").first.input_value() == "I like cats."  # the typed sentence came along
    page.locator("button", has_text="Next").first.click()  # Streamlit renders a hidden twin of shortcut buttons
    page.get_by_text(re.compile(r"^Step 2 of \d+$")).wait_for()
    page.wait_for_url("**step=2**")
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press("ArrowRight")
    page.get_by_text(re.compile(r"^Step 3 of \d+$")).wait_for()
    assert_no_error(page)
    screenshot(page, "step_by_step", "All steps", charts=3)


def test_translate_page_shows_heatmap_and_comparison(browser_page, server_url):
    page = browser_page
    page.get_by_role("link", name="Translate").first.click()
    page.get_by_text("Greedy vs beam vs sampling").first.wait_for()
    page.get_by_text("which source pieces each output piece looked at").wait_for()
    assert_no_error(page)
    screenshot(page, "translate", "Type a reference:", charts=4)


def test_a_page_opened_by_its_own_link_names_the_home_page_home_and_its_menu_works(browser_page, server_url):
    """Streamlit runs a page of pages/ opened by its URL without app.py, in a menu that names the home page
    after its file ("app"); every page names it "Home", as the home page's own menu does."""
    page = browser_page
    page.goto(f"{server_url}/Glossary?model=dates", timeout=FIRST_LOAD_MS)
    menu = page.get_by_test_id("stSidebarNav")
    menu.get_by_text("Translate").wait_for(timeout=FIRST_LOAD_MS)
    entries = [e.strip() for e in menu.inner_text().split("\n") if e.strip()]
    assert "Home" in entries and "app" not in entries, entries
    menu.get_by_text("Step by step").click()
    page.get_by_text("Step 1 of").first.wait_for(timeout=FIRST_LOAD_MS)
    assert "/Step_by_step" in page.url
    menu.get_by_text("Home").click()
    page.get_by_text("What each page shows").wait_for(timeout=FIRST_LOAD_MS)
    entries = [e.strip() for e in menu.inner_text().split("\n") if e.strip()]
    assert "Home" in entries and "app" not in entries, entries
