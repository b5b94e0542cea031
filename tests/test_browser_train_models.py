"""The Train and Models pages' fixes of issue 20 in a real browser (Debian chromium via Playwright), on a
server in classroom mode: Compare picks a model of A's direction; an upload that the preset's schedule
does not fit is warned about before launch, with settings that fit; the upload limit is said in words;
the sweep name follows the preset; a student's refused Stop stays on the page through the live panel's
refreshes until dismissed."""
from __future__ import annotations

import os
import signal
import time

import pytest
from conftest import ARTIFACTS, playwright_or_skip, tiny_recipe, wait_until

from seq2seq.data.upload import MAX_UPLOAD_BYTES
from seq2seq.jobs import runs
from seq2seq.service.passphrase import PASSPHRASE_ENV

pytestmark = pytest.mark.browser
sync_api = playwright_or_skip()
SERVER_LOG = "server-train-models.log"
VIEWPORT = {"width": 1400, "height": 900}
PASSPHRASE = "chalk and cheese"
PAIRS = "".join(f"sentence number {i}\tphrase numéro {i}\n" for i in range(300))


@pytest.fixture(scope="module", autouse=True)
def classroom_server():
    """The module's server (conftest's server_url) starts with the teacher passphrase in its environment."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(PASSPHRASE_ENV, PASSPHRASE)
        yield
    from seq2seq.service import passphrase
    passphrase.classroom_gate.cache_clear()  # this process read nothing, but keep later tests' gate fresh


def settle(page) -> None:
    page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')")


def test_compare_picks_a_model_of_a_s_direction(browser_page, server_url):
    page = browser_page
    page.goto(f"{server_url}/Models?model=tatoeba-en-fr")
    page.get_by_role("tab", name="Compare two models").click()
    box = page.get_by_test_id("stSelectbox").filter(has_text="Model B")
    box.wait_for()
    settle(page)
    chosen = box.locator("input[role=combobox]").input_value()
    assert chosen != "dates" and chosen.startswith(("tatoeba-en-fr", "plain-rnn-en-fr")), chosen
    assert page.get_by_text("scored on sentences from A's data").count() == 0


def test_an_upload_the_schedule_does_not_fit_is_warned_and_fitted(browser_page, server_url, tmp_path):
    page = browser_page
    page.goto(f"{server_url}/Train")
    page.get_by_text("Classroom mode").click()
    page.get_by_label("Teacher passphrase").fill(PASSPHRASE)
    page.get_by_role("button", name="Unlock teacher actions").click()
    page.get_by_text("Teacher actions are unlocked").wait_for()
    page.get_by_text("Upload a TSV file").click()
    page.get_by_text(f"at most {MAX_UPLOAD_BYTES // 2**20} MB").first.wait_for()  # in words, not only in a tooltip
    assert page.get_by_text("A larger file is refused as soon as it is chosen").is_visible()
    upload = tmp_path / "pairs.tsv"
    upload.write_text(PAIRS, encoding="utf-8")
    page.locator("input[type=file]").set_input_files(str(upload))
    warning = page.get_by_text("These settings do not fit this data")
    warning.wait_for()
    assert "never validates" in warning.inner_text()
    page.screenshot(path=str(ARTIFACTS / "train-upload-fit.png"), full_page=True)
    page.get_by_role("button", name="Use the settings that fit").click()
    page.get_by_text("--set train.batch_tokens=").wait_for()
    settle(page)
    assert page.get_by_text("These settings do not fit this data").count() == 0


def test_the_sweep_name_follows_the_preset(browser_page, server_url):
    page = browser_page
    page.goto(f"{server_url}/Train")
    page.get_by_text("Sweep: one preset").click()
    name = page.get_by_role("textbox", name="Sweep name")
    name.wait_for()
    assert name.input_value() == "copy30"
    settle(page)
    preset = page.get_by_test_id("stSelectbox").filter(has_text="Preset").last
    preset.locator("input[role=combobox]").click()
    # The list is virtualised and its popover is redrawn while the page polls: clicking an option can
    # wait forever for it to hold still. Filtering puts "reverse" (first of reverse*) in focus; Enter picks it.
    page.keyboard.type("reverse")
    page.get_by_role("option", name="reverse", exact=True).wait_for(state="attached")
    page.keyboard.press("Enter")
    wait_until(lambda: page.get_by_role("textbox", name="Sweep name").input_value() == "reverse", 120,
               "the name to follow")


def test_a_students_refused_stop_stays_until_dismissed(browser_page, server_url):
    run_id = runs.launch(tiny_recipe(max_steps=100_000, epochs=100_000, valid_every=100_000), "long", max_concurrent=2)
    try:
        wait_until(lambda: runs.status(run_id).state == "running", 300, "the run to train")
        page = browser_page
        page.goto(f"{server_url}/Train?run={run_id}")  # a new tab: not unlocked
        page.get_by_role("button", name="⏹ Stop").click()
        refusal = page.get_by_text("Stopping a run needs the teacher passphrase")
        refusal.wait_for()
        time.sleep(6)  # three refreshes of the live panel
        assert refusal.is_visible() and runs.status(run_id).live
        page.get_by_role("button", name="✕").click()
        refusal.wait_for(state="detached")
    finally:
        if runs.status(run_id).pid and runs.status(run_id).live:
            os.kill(runs.status(run_id).pid, signal.SIGKILL)
