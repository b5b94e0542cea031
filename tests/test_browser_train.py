"""The Train page in a real browser: launch the dates preset on a small budget, watch the loss chart
and the step counter grow, see the run finish and its model appear in the sidebar's picker.

The server's runs folder is a temporary one (SEQ2SEQ_RUNS_DIR), so checkpoints/runs is untouched.
"""
from __future__ import annotations

import os
import re
import signal
from pathlib import Path

import pytest

from benchmarks import app_server
from benchmarks.app_server import CHROMIUM
from seq2seq.catalog import RUNS_ENV

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
WAIT_MS = 180_000  # the test machine may be busy training
FINISH_MS = 300_000  # the whole run, on a budget of 60 small steps (well under a minute on an idle laptop)

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
if not CHROMIUM.exists():
    pytest.skip("no browser at /usr/bin/chromium (apt package `chromium`)", allow_module_level=True)


@pytest.fixture(scope="module")
def runs_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("browser") / "runs"


@pytest.fixture(scope="module")
def server_url(runs_dir):
    ARTIFACTS.mkdir(exist_ok=True)
    env = {**os.environ, RUNS_ENV: str(runs_dir)}
    with app_server.running(env, log_path=ARTIFACTS / "server-train.log", timeout=120) as (url, _):
        yield url


@pytest.fixture(scope="module")
def browser_page(server_url, runs_dir):
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=app_server.CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(WAIT_MS)
        yield page
        browser.close()
    with pytest.MonkeyPatch.context() as patch:  # a failed test must not leave its worker training
        patch.setenv(RUNS_ENV, str(runs_dir))
        from seq2seq.training import runs

        for run in runs.list_runs():
            if run.pid and run.live:
                os.kill(run.pid, signal.SIGKILL)


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
