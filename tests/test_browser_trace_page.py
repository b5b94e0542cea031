"""The page `seq2seq trace --html` writes, opened from disk in Debian's chromium with every request but file://
refused: its charts draw (SVG with marks in every chart), nothing is logged to the console, and the step
slider moves every chart to another step."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ARTIFACTS, playwright_or_skip

pytestmark = [pytest.mark.browser, pytest.mark.slow]
sync_api = playwright_or_skip()

REPO = Path(__file__).resolve().parent.parent
# 20 source pieces with its end (23 steps with beam 5): the length the 2 MB limit is set for.
SENTENCE = "My little brother and I went to the old market near the river yesterday morning to buy bread."


@pytest.fixture(scope="module")
def page_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("page") / "decoding.html"
    result = subprocess.run([sys.executable, "-m", "seq2seq", "trace", "--checkpoint", "tatoeba-en-fr", "--beam", "5",
                             "--html", str(out), SENTENCE], capture_output=True, text=True, timeout=600, cwd=out.parent,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and f"wrote {out}" in result.stderr
    return out


@pytest.fixture(scope="module")
def opened(page_file):
    from benchmarks import app_server

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(app_server.CHROMIUM), args=app_server.CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1200, "height": 1000}, offline=True)
        refused = []
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://")
                      else (refused.append(route.request.url), route.abort()))
        page = context.new_page()
        console = []
        page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
        page.goto(page_file.as_uri())
        page.wait_for_selector("#view svg.marks .mark-text", timeout=60_000)
        yield page, console, refused
        browser.close()


def marks(page, selector: str) -> int:
    return page.locator(f"#view svg.marks {selector}").count()


def test_the_page_is_one_file_under_two_megabytes_naming_model_and_settings(page_file):
    text = page_file.read_text(encoding="utf-8")
    assert page_file.stat().st_size < 2_000_000
    assert "<script src" not in text and "<link" not in text  # nothing to fetch
    assert "tatoeba-en-fr" in text and "beam search (size 5, length penalty 1)" in text


def test_the_charts_draw_offline_with_no_console_message(opened):
    page, console, refused = opened
    assert page.locator("#view svg.marks").count() == 1
    assert marks(page, ".mark-rect path") > 100  # the heatmap's cells
    assert marks(page, ".mark-symbol path") > 20  # the beam tree's hypotheses
    assert marks(page, ".mark-rect path, .mark-rect rect") > 0
    bars = page.locator("#view svg .mark-rect path").count()
    assert bars > 0
    assert "Step 1 of" in page.locator("#view svg.marks").text_content()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "trace_page.png"), full_page=True)
    assert refused == [] and console == []


def test_the_slider_moves_every_chart_to_the_step(opened):
    page, console, _ = opened
    slider = page.locator("#step-slider input[type=range]")
    last = int(slider.get_attribute("max"))
    assert last >= 15
    slider.fill("7")
    slider.dispatch_event("input")
    page.wait_for_function("() => document.querySelector('#view svg.marks').textContent.includes('Step 7 of')")
    assert "Step 1 of" not in page.locator("#view svg.marks").text_content()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "trace_page_step7.png"), full_page=True)
    assert console == []
