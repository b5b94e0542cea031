"""The Step-by-step page's download button, in a real browser: it saves the page's decoding as one HTML file
(the model and settings named, under 2 MB), which opens from disk in chromium with every request but file://
refused and draws its charts with no console message."""
from __future__ import annotations

import urllib.parse

import pytest
from conftest import ARTIFACTS, playwright_or_skip, settle

from seq2seq.catalog import DEFAULT_MODEL

pytestmark = [pytest.mark.browser, pytest.mark.slow]
sync_api = playwright_or_skip()
SERVER_LOG = "server-step-download.log"
SENTENCE = "My brother and I went to the old market yesterday morning."


def test_the_download_is_the_decoding_as_one_offline_page(browser_page, server_url, tmp_path):
    page = browser_page
    query = urllib.parse.urlencode({"model": DEFAULT_MODEL, "text": SENTENCE, "strategy": "beam", "step": "3"})
    page.goto(f"{server_url}/Step_by_step?{query}")
    settle(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "step_download_button.png"))
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name="Download this decoding as one offline page").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == f"decoding-{DEFAULT_MODEL}.html"
    text = saved.read_text(encoding="utf-8")
    assert saved.stat().st_size < 2_000_000 and f"One decoding by {DEFAULT_MODEL}" in text
    assert "beam search (size" in text and "<script src" not in text

    context = page.context.browser.new_context(offline=True)
    refused, console = [], []
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://")
                  else (refused.append(route.request.url), route.abort()))
    offline = context.new_page()
    offline.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    offline.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    offline.goto(saved.as_uri())
    offline.wait_for_selector("#view svg.marks .mark-symbol path", timeout=60_000)  # the beam tree drew
    assert "Step 1 of" in offline.locator("#view svg.marks").text_content()
    offline.screenshot(path=str(ARTIFACTS / "step_download.png"), full_page=True)
    context.close()
    assert refused == [] and console == []
