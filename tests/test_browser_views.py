"""Every page, view, tab, expander and explanation of the app in a real browser (Debian chromium via
Playwright), with the default model and with the dates model: a sentence and a reference are typed,
and each screen fails the test on a browser console error, a Streamlit exception, a chart drawn 0 px
tall, or a chart wider than the column it sits in (its legend or last pieces cut off). The model
picker is also checked to show its label uncut, and to keep its model across page switches.

AppTest cannot render Vega-Lite, so this is the test that sees what a student sees.
"""
from __future__ import annotations

import os
import re
import time
from pathlib import Path

import conftest
import pytest
from conftest import ARTIFACTS, BROWSER_WAIT_MS, ROOT, playwright_or_skip

from seq2seq.catalog import DEFAULT_MODEL

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("tiny_run")]
sync_api = playwright_or_skip()
# The server (server_url, its runs in conftest's runs_dir) and the page (browser_page) are conftest's,
# for this module's settings:
SERVER_LOG = "server-views.log"
VIEWPORT = {"width": 1280, "height": 1000}
SCREENSHOTS = ROOT / "docs" / "screenshots"
WAIT_MS = BROWSER_WAIT_MS
SETTLE_MS = 400  # vega-embed draws a moment after the script run ends
SENTENCES = {DEFAULT_MODEL: ("My brother and I went to the market yesterday morning.",
                             "Mon frère et moi sommes allés au marché hier matin."),
             "dates": ("March 5, 1987", "1987-05-03")}
TINY_RUN = {"model": {"emb_dim": 16, "enc_hidden": 32, "dec_hidden": 32, "bidirectional": False, "dropout": 0.0,
                      "max_src_len": 16, "max_tgt_len": 16},
            "train": {"data": "toy:reverse", "tokenizer": {"kind": "char"}, "max_train_pairs": 2000,
                      "batch_tokens": 400, "max_steps": 40, "valid_every": 20, "log_every": 5,
                      "valid_decode_limit": 50, "patience": 0, "probes": ["abcdef"]}}
# The frontend probes for the server's base path relative to the page's URL before the root; a page
# opened by its own URL (/Translate) logs these two 404s. They are Streamlit's, not the app's.
BASE_PATH_PROBE = re.compile(r"/[^/]+/_stcore/(health|host-config)$")

if not (ROOT / "checkpoints" / DEFAULT_MODEL).is_dir():
    pytest.skip(f"the default model {DEFAULT_MODEL} is not shipped", allow_module_level=True)

# For each chart: drawn height, drawn width, and the width of the column holding it.
CHART_SIZES = """() => [...document.querySelectorAll('[data-testid=stVegaLiteChart]')].map(el => {
    const drawn = el.querySelector('canvas, svg');
    const column = el.closest('[data-testid=stVerticalBlock]') || el.parentElement;
    const box = drawn ? drawn.getBoundingClientRect() : {width: 0, height: 0};
    return {height: box.height, width: box.width, column: column.getBoundingClientRect().width,
            visible: el.getClientRects().length > 0};
})"""
PICKER = """() => { const box = document.querySelector('[data-testid=stSidebar] input[role=combobox]');
    return box ? {value: box.value, overflow: box.scrollWidth - box.clientWidth} : null; }"""


class Console:
    """Browser console errors and uncaught page errors, minus Streamlit's own base-path probes."""

    def __init__(self, page):
        self.errors: list[str] = []
        self.probes = 0
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        page.on("response", self._response)

    def _response(self, response) -> None:
        if response.status == 404 and BASE_PATH_PROBE.search(response.url.split("?")[0]):
            self.probes += 1

    def take(self) -> list[str]:
        failed = [e for e in self.errors if "Failed to load resource" in e]
        ignored = min(len(failed), self.probes)
        errors = [e for e in self.errors if "Failed to load resource" not in e] + failed[ignored:]
        self.errors, self.probes = [], 0
        return errors


@pytest.fixture(scope="module")
def tiny_run(runs_dir) -> str:
    """One tiny run in the server's runs folder, trained while the browser starts (the Train page's run card)."""
    from seq2seq.jobs import runs

    return runs.launch(TINY_RUN, "tiny", max_concurrent=1)


@pytest.fixture(scope="module")
def browser(browser_page):
    return browser_page, Console(browser_page)


def settle(page) -> None:
    conftest.settle(page, SETTLE_MS)


def check(page, console: Console, where: str) -> None:
    """The screen as it is now: no exception, no console error, every visible chart drawn and inside its column."""
    settle(page)
    assert page.locator("[data-testid='stException']").count() == 0, f"{where}: exception shown"
    problems = []
    for number, chart in enumerate(page.evaluate(CHART_SIZES)):
        if not chart["visible"]:
            continue  # inside a closed tab or expander: checked when it is opened
        if chart["height"] < 5:
            problems.append(f"chart {number} is {chart['height']:.0f} px tall")
        elif chart["width"] > chart["column"] + 1:
            problems.append(f"chart {number} is {chart['width']:.0f} px wide in a {chart['column']:.0f} px column")
    assert problems == [], f"{where}: {problems}"
    assert console.take() == [], f"{where}: browser console errors"


def open_explanations(page, console: Console, where: str) -> None:
    """Open every "What am I looking at?" of the screen once, and close it again."""
    buttons = page.get_by_role("button", name=re.compile("What am I looking at"))
    for index in range(buttons.count()):
        button = buttons.nth(index)
        if button.is_visible():
            button.click()
            page.get_by_test_id("stPopoverBody").first.wait_for()
            page.keyboard.press("Escape")
    check(page, console, f"{where} (explanations)")


def shoot(page, model: str, name: str) -> None:
    """With SAVE_SCREENSHOTS=1, the default model's view of each page becomes the README's picture."""
    if model == DEFAULT_MODEL or name in ("train", "models"):
        page.screenshot(path=str(ARTIFACTS / f"{name}-{model}.png"))
        if os.environ.get("SAVE_SCREENSHOTS") == "1":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def go(page, label: str) -> None:
    """A page switch through the sidebar's own navigation, as a user makes it."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=label).click()
    page.get_by_role("heading", name=label).first.wait_for()


def picker_holds(page, model: str) -> None:
    picker = page.evaluate(PICKER)
    assert picker is not None and picker["value"].startswith(f"{model} · "), picker
    assert picker["overflow"] <= 0, f"the picker cuts its label: {picker}"


def type_into(page, label: str, text: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(text)
    box.press("Control+Enter" if box.evaluate("e => e.tagName") == "TEXTAREA" else "Enter")


def expand(page, label: str) -> None:
    header = page.get_by_test_id("stExpander").filter(has_text=label).locator("summary").first
    if header.get_attribute("aria-expanded") != "true":
        header.click()


def click_toggle(page, label: str) -> None:
    page.get_by_test_id("stCheckbox").filter(has_text=label).first.click()


def home_and_translate(page, console: Console, url: str, model: str) -> None:
    sentence, reference = SENTENCES[model]
    page.goto(f"{url}/?model={model}")
    settle(page)
    assert page.get_by_test_id("stSidebarNav").get_by_role("link").first.inner_text().strip().endswith("Home")
    type_into(page, "Type a sentence", sentence)
    check(page, console, f"{model} home")
    shoot(page, model, "home")
    picker_holds(page, model)
    go(page, "Translate")
    picker_holds(page, model)  # the sidebar's state survived the page switch
    type_into(page, "Reference translation", reference)
    check(page, console, f"{model} translate with a reference")
    shoot(page, model, "translate")
    click_toggle(page, "Hide </s>")
    click_toggle(page, "Whole words")
    check(page, console, f"{model} translate, heatmap without </s> by words")
    open_explanations(page, console, f"{model} translate")
    expand(page, "Attribution: which source pieces caused")
    page.get_by_text("Faithfulness check").first.wait_for()
    check(page, console, f"{model} translate: attribution of a piece")


def step_by_step(page, console: Console, model: str) -> None:
    go(page, "Step by step")
    picker_holds(page, model)
    page.locator("button", has_text="Next").first.click()
    check(page, console, f"{model} step 2")
    shoot(page, model, "step_by_step")
    expand(page, "Inside one step")
    expand(page, "All steps")
    expand(page, "Attribution: which source pieces caused")
    page.get_by_text("Faithfulness check").first.wait_for()
    check(page, console, f"{model} step page expanders")
    open_explanations(page, console, f"{model} step page")
    page.get_by_test_id("stSidebar").get_by_text("Beam search", exact=True).first.click()
    page.get_by_text("Beam search tree").first.wait_for()
    click_toggle(page, "Show pruned candidates")
    check(page, console, f"{model} beam search tree")
    page.get_by_test_id("stSidebar").get_by_text("Greedy", exact=True).first.click()
    settle(page)


def inside(page, console: Console, model: str) -> None:
    go(page, "Inside the model")
    settle(page)
    row = page.get_by_test_id("stMain").get_by_test_id("stRadio").first  # the row of views, whichever exist
    views = [label.strip() for label in row.locator("label[data-testid=stRadioOption]").all_inner_texts()]
    assert len(views) >= 5, f"{model}: the Inside page offers only {views}"
    for number, view in enumerate(views):
        row.get_by_text(view, exact=True).click()
        check(page, console, f"{model} inside: {view}")
        if number == 0:  # the trajectories
            shoot(page, model, "inside")
        open_explanations(page, console, f"{model} inside: {view}")


def train(page, console: Console, url: str, runs_dir: Path) -> None:
    deadline = time.monotonic() + WAIT_MS / 1000
    while not (runs_dir / "tiny" / "metrics.json").is_file() or "stop_reason" not in (
            runs_dir / "tiny" / "metrics.json").read_text():
        assert time.monotonic() < deadline, "the tiny run did not finish"
        time.sleep(1)
    page.goto(f"{url}/Train?run=tiny")
    page.get_by_text("✅ finished").wait_for()
    page.get_by_test_id("stVegaLiteChart").nth(3).wait_for()
    check(page, console, "train: a finished run")
    shoot(page, "dates", "train")
    expand(page, "New run")
    check(page, console, "train: the new-run form")
    expand(page, "Sweep: one preset")
    expand(page, "Compare runs")
    page.get_by_text("Exact match by input length").first.wait_for()
    check(page, console, "train: sweep form, runs overlaid, exact match by length")
    open_explanations(page, console, "train")


def lesson(page, console: Console, model: str) -> None:
    """The Lesson's eight steps (tests/test_browser_lesson.py checks what each one says and draws)."""
    go(page, "Lesson")
    for number in range(1, 9):
        page.get_by_text(f"Step {number} of 8").first.wait_for()
        check(page, console, f"{model} lesson step {number}")  # its pictures: tests/test_browser_lesson.py
        if number < 8:
            page.get_by_role("button", name="Next ▶").first.click()


def heatmap_picture(page, console: Console, url: str) -> None:
    """The README's proof that attention reads as alignment: the default model's heatmap of one sentence."""
    page.goto(f"{url}/Translate?model={DEFAULT_MODEL}&text=I+am+very+happy+to+see+you.")
    settle(page)
    check(page, console, "translate: the README's heatmap")
    heading = page.get_by_text("which source pieces each output piece looked at").first
    chart = heading.locator("xpath=following::*[@data-testid='stVegaLiteChart'][1]")
    chart.scroll_into_view_if_needed()
    chart.screenshot(path=str(ARTIFACTS / "attention_heatmap.png"))
    if os.environ.get("SAVE_SCREENSHOTS") == "1":
        chart.screenshot(path=str(SCREENSHOTS / "attention_heatmap.png"))


def models(page, console: Console) -> None:
    go(page, "Models")
    for tab in ("Evaluate", "Compare two models", "Download or delete"):
        page.get_by_role("tab", name=tab).click()
        check(page, console, f"models: {tab}")
    page.get_by_role("tab", name="Compare two models").click()
    type_into(page, "Sentences of your own", "I am cold.\nWhere is the station?")
    page.get_by_role("button", name="Translate with both").click()
    check(page, console, "models: typed sentences compared")
    page.get_by_test_id("stMain").evaluate("main => main.scrollTo(0, 0)")
    shoot(page, "dates", "models")
    open_explanations(page, console, "models")


@pytest.mark.parametrize("model", [DEFAULT_MODEL, "dates"])
def test_every_view_draws_whole_charts_without_errors(browser, server_url, runs_dir, model):
    page, console = browser
    home_and_translate(page, console, server_url, model)
    step_by_step(page, console, model)
    inside(page, console, model)
    lesson(page, console, model)
    if model == DEFAULT_MODEL:
        heatmap_picture(page, console, server_url)
    if model == "dates":  # the pages below do not depend on the sidebar's model
        train(page, console, server_url, runs_dir)
        models(page, console)
        page.goto(f"{server_url}/?model=tatoeba-en-fr-noattn")  # the longest shipped name and label
        settle(page)
        picker_holds(page, "tatoeba-en-fr-noattn")
    page.screenshot(path=str(ARTIFACTS / f"views-{model}.png"))
