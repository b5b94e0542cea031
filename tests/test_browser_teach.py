"""Issue 31 items 1 and 2 in a real browser (Debian chromium via Playwright): the Home page says which typed
words the default model's training data rarely or never contains, with their counts; clicking a candidate on
the Step-by-step page explains the pick against it (contrastive attribution) with its faithfulness check.
Screenshots go to test-artifacts/ (teach_*.png)."""
from __future__ import annotations

import urllib.parse

import pytest
from conftest import ARTIFACTS, ROOT, playwright_or_skip
from test_browser_views import Console, check

from seq2seq.catalog import DEFAULT_MODEL
from seq2seq.data.corpora import SHARED_DATA

pytestmark = [pytest.mark.browser, pytest.mark.slow]
sync_api = playwright_or_skip()
SERVER_LOG = "server-teach.log"
VIEWPORT = {"width": 1400, "height": 1000}


@pytest.fixture(scope="module")
def browser(browser_page):
    return browser_page, Console(browser_page)


def open_url(page, url: str) -> None:
    page.goto(url)
    page.wait_for_function("() => { const h = document.querySelector('h4'); return h && h.innerText.trim(); }")


@pytest.mark.skipif(not (SHARED_DATA / "tatoeba-en-fr").is_dir(),
                    reason="counting the default model's training words needs the Tatoeba corpus in ../shared/data")
def test_home_with_hello_says_the_model_rarely_saw_hello_with_its_count(browser, server_url):
    from seq2seq import service

    page, console = browser
    translator = service.load_translator(ROOT / "checkpoints" / DEFAULT_MODEL)
    counts = service.training_words(translator)
    seen = counts.source.get("hello", 0)
    open_url(page, f"{server_url}/?{urllib.parse.urlencode({'model': DEFAULT_MODEL, 'text': 'Hello.'})}")
    note = page.get_by_test_id("stAlert").filter(has_text="saw in training")
    note.first.wait_for()
    check(page, console, "home with Hello.")
    text = note.first.inner_text()
    expected = "hello (never)" if seen == 0 else f"hello (in {seen:,} sentence"
    assert expected in text, text
    assert f"{counts.sentences:,} sentences" in text
    assert seen < service.CoverageConfig().rare_below  # the note is about a word the model hardly knows
    assert page.get_by_role("link", name="Words the model has seen").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "teach_home_hello.png"))
    # French typed into the English->French model gets the hint; a price gets its byte pieces spelled out.
    open_url(page, f"{server_url}/?{urllib.parse.urlencode({'model': DEFAULT_MODEL, 'text': 'Je suis très content.'})}")
    page.get_by_text("This looks like French").first.wait_for()
    open_url(page, f"{server_url}/?{urllib.parse.urlencode({'model': DEFAULT_MODEL, 'text': 'It costs $999.'})}")
    page.get_by_text("Spelled as bytes").first.wait_for()
    check(page, console, "home with a price")
    page.screenshot(path=str(ARTIFACTS / "teach_home_bytes.png"))


def test_clicking_a_candidate_on_the_step_page_explains_the_pick_against_it(browser, server_url):
    """The dates model writing "1987-03-05": at step 4 (the year's "7") click the candidate "8"."""
    page, console = browser
    query = urllib.parse.urlencode({"model": "dates", "text": "March 5, 1987", "step": 4})
    page.goto(f"{server_url}/Step_by_step?{query}")
    pills = page.get_by_test_id("stButtonGroup").filter(has_text="Why 7 rather than")
    pills.first.wait_for()
    pills.get_by_role("radio", name="8 ·").first.click()
    heading = page.get_by_test_id("stMarkdownContainer").filter(has_text="Why 7 (p =")
    heading.first.wait_for()
    check(page, console, "step page, 7 rather than 8")
    assert "log p(7) − log p(8)" in heading.first.inner_text()
    reading = page.get_by_test_id("stCaptionContainer").filter(has_text="Integrated gradients:").first.inner_text()
    assert "the strongest push toward 7 comes from source piece 7" in reading, reading
    chart = heading.first.locator("xpath=following::*[@data-testid='stVegaLiteChart'][1]")
    labels = chart.locator("svg text").evaluate_all("texts => texts.map(t => t.textContent)")
    assert "output piece so far" in labels and "source piece" in labels, labels
    page.get_by_text("p(7 | 7 or 8)").first.wait_for()
    heading.first.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "teach_step_contrast.png"), full_page=False)
    page.get_by_text("p(7 | 7 or 8)").first.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "teach_step_contrast_check.png"))


def test_the_glossary_explains_contrast_seen_words_and_byte_pieces(browser, server_url):
    page, console = browser
    page.goto(f"{server_url}/Glossary?term=contrastive#contrastive")
    for name, says in (("Contrastive explanation", "rather than"), ("Words the model has seen", "never saw"),
                       ("Byte pieces", "<0x33>")):
        entry = page.get_by_test_id("stMarkdownContainer").filter(has_text=name).filter(has_text=says)
        entry.first.wait_for()
    check(page, console, "glossary")
