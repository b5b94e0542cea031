"""The Train page in a real browser: launch the dates preset on a small budget, watch the loss chart
and the step counter grow, see the run finish and its model appear in the sidebar's picker.

The server's runs folder is a temporary one (SEQ2SEQ_RUNS_DIR), so checkpoints/runs is untouched.
"""
from __future__ import annotations

import re

import pytest
from conftest import ARTIFACTS, BROWSER_WAIT_MS, playwright_or_skip

pytestmark = pytest.mark.browser
sync_api = playwright_or_skip()
# The server (server_url, its runs in conftest's runs_dir, which stops any run left training) and the
# page (browser_page) are conftest's, for this module's settings:
SERVER_LOG = "server-train.log"
VIEWPORT = {"width": 1400, "height": 1000}
WAIT_MS = BROWSER_WAIT_MS
FINISH_MS = 300_000  # the whole run, on a budget of 60 small steps (well under a minute on an idle laptop)


def step_shown(page) -> int:
    text = page.get_by_test_id("stProgress").first.inner_text()
    match = re.search(r"step ([\d,]+) of", text)
    return int(match.group(1).replace(",", "")) if match else 0


def set_number(page, label: str, value: int) -> None:
    field = page.get_by_label(label)
    field.fill(str(value))
    field.press("Enter")


def test_launch_the_dates_preset_watch_it_learn_and_find_it_in_the_picker(browser_page, server_url):
    page = browser_page
    page.goto(f"{server_url}/Train")
    page.get_by_text("Start from a preset").wait_for()
    set_number(page, "Batch size (target tokens)", 1000)
    set_number(page, "Max steps (0 = none)", 60)
    set_number(page, "Validate every (steps)", 30)
    page.get_by_text("--set train.max_steps=60").wait_for()
    page.get_by_role("button", name="🚀 Launch").click()
    page.wait_for_url("**run=dates**")

    page.get_by_text("Training loss").wait_for()
    page.get_by_test_id("stVegaLiteChart").first.wait_for()
    first = step_shown(page)
    page.wait_for_function(  # the fragment polls the run's files: the counter moves without a click
        "first => [...document.querySelectorAll('[data-testid=stProgress]')].some("
        "e => { const m = e.innerText.match(/step ([\\d,]+) of/); return m && +m[1].replace(/,/g, '') > first; })",
        arg=first)
    page.get_by_text("✅ finished").wait_for(timeout=FINISH_MS)
    # Elements of one rerun arrive one by one: wait for each final value rather than read it at once.
    page.get_by_test_id("stProgress").get_by_text(re.compile(r"^step 60 of 60")).first.wait_for()
    assert step_shown(page) == 60
    page.get_by_text("Probe sentences at step 60").wait_for()
    page.get_by_test_id("stVegaLiteChart").nth(3).wait_for()  # loss, perplexity, score, probe attention
    page.screenshot(path=str(ARTIFACTS / "train.png"), full_page=True)

    page.get_by_role("button", name="Use in the sidebar").click()
    page.wait_for_url("**model=runs%2Fdates**")
    picker = page.get_by_test_id("stSidebar").get_by_role("combobox").first  # the selectbox shows its choice as a value
    sync_api.expect(picker).to_have_value(re.compile(r"^runs/dates · exact"), timeout=WAIT_MS)
    assert page.locator("[data-testid='stException']").count() == 0
