"""The Lesson in a real browser (Debian chromium via Playwright) at 1400 x 900: a typed sentence followed
through all eight steps. Each step's live view must be drawn and readable (every chart inside its column,
no taller than 900 px, plot areas at least 60 px, no label cut short with "…"), and what its text says must
be what its chart draws: the sizes it states are counted among the drawn marks (the Lesson's charts render
as SVG and name the marks they count), and a contrast it claims (greedy against beam, attention against
none) holds between the two outputs it quotes. Back, Next, the step selector, the followed word and the
decoding-step slider move the view and keep it in the URL, and a reload restores it. Every link from a
"What am I looking at?" to the Glossary lands on an anchor that exists there.

With SAVE_SCREENSHOTS=1 the pictures of every step and of the Glossary go to docs/screenshots/.
"""
from __future__ import annotations

import os
import re
import urllib.parse

import pytest
from conftest import ARTIFACTS, ROOT, playwright_or_skip, settle

pytestmark = pytest.mark.browser
sync_api = playwright_or_skip()
SERVER_LOG = "server-lesson.log"
VIEWPORT = {"width": 1400, "height": 900}
SCREENSHOTS = ROOT / "docs" / "screenshots"
NEEDED = ("plain-rnn-en-fr", "tatoeba-en-fr", "tatoeba-en-fr-attn", "tatoeba-en-fr-noattn",
          "grad-rnn", "grad-gru", "grad-lstm")
if not all((ROOT / "checkpoints" / name).is_dir() for name in NEEDED):
    pytest.skip("the lesson's shipped models are not all here", allow_module_level=True)

SENTENCE = "My brother and I went to the market yesterday morning."
MAX_CHART_PX = 900
MIN_PLOT_PX = 60
# Every visible chart: its box, its column, the marks it names (name_marks -> items drawn), the height of
# its plot area (its longest vertical axis line) and any label Vega cut short.
CHARTS = """() => [...document.querySelectorAll('[data-testid=stMain] [data-testid=stVegaLiteChart]')]
  .filter(el => el.getClientRects().length > 0).map(el => {
    const svg = el.querySelector('svg');
    const box = (svg || el).getBoundingClientRect();
    const column = (el.closest('[data-testid=stVerticalBlock]') || el.parentElement).getBoundingClientRect();
    const marks = {};
    if (svg) svg.querySelectorAll('g.role-mark').forEach(g => g.classList.forEach(c => {
      if (c.endsWith('_marks') && !/^(layer|concat|hconcat|vconcat)_/.test(c) && c !== 'marks')
        marks[c.slice(0, -6)] = (marks[c.slice(0, -6)] || 0) + g.children.length; }));
    const axes = svg ? [...svg.querySelectorAll('g.role-axis-domain line, g.role-axis-domain path')]
      .map(l => l.getBoundingClientRect()).filter(r => r.height > r.width) : [];
    const texts = svg ? [...svg.querySelectorAll('text')].map(t => t.textContent) : [];
    return {svg: !!svg, height: box.height, width: box.width, right: box.right, columnRight: column.right,
            marks, plot: axes.length ? Math.max(...axes.map(r => r.height)) : null,
            cut: texts.filter(t => t.endsWith('…')), texts};
  })"""
# The step's prose without its typeset math (KaTeX writes each symbol twice, letter by letter).
PROSE = """() => [...document.querySelectorAll('[data-testid=stMain] [data-testid=stMarkdownContainer]')].map(e => {
    const copy = e.cloneNode(true); copy.querySelectorAll('.katex').forEach(k => k.remove());
    return copy.innerText; }).join('\\n')"""


@pytest.fixture(scope="module")
def page(browser_page):
    errors: list[str] = []
    browser_page.on("pageerror", lambda e: errors.append(str(e)))
    browser_page.errors = errors
    return browser_page


def at_step(page, number: int) -> None:
    page.get_by_role("heading", name=re.compile(rf"^Step {number} of 8")).first.wait_for()
    settle(page)


def params(page) -> dict[str, str]:
    return {k: v[0] for k, v in urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query).items()}


def prose(page) -> str:
    return page.evaluate(PROSE)


def found(pattern: str, text: str) -> re.Match:
    match = re.search(pattern, text, re.S)
    assert match, f"{pattern!r} is not in the step's text"
    return match


def whole(value: str) -> int:
    return int(value.replace(",", ""))


def charts_of(page, number: int) -> list[dict]:
    """The step's charts, each checked to be drawn and readable at 1400 x 900."""
    charts = page.evaluate(CHARTS)
    assert charts, f"step {number} shows no live view"
    assert page.locator("[data-testid='stException']").count() == 0, f"step {number}: exception shown"
    for index, chart in enumerate(charts):
        where = f"step {number}, chart {index}"
        assert chart["svg"], f"{where} is not drawn as SVG"
        assert 5 < chart["height"] <= MAX_CHART_PX, f"{where} is {chart['height']:.0f} px tall"
        assert chart["right"] <= chart["columnRight"] + 1, f"{where} sticks out of its column"
        assert chart["plot"] is None or chart["plot"] >= MIN_PLOT_PX, f"{where}: plot area {chart['plot']:.0f} px"
        assert chart["cut"] == [], f"{where} cuts labels short: {chart['cut']}"
    return charts


def marks(charts: list[dict], name: str) -> int:
    counts = [chart["marks"][name] for chart in charts if name in chart["marks"]]
    assert counts, f"no chart draws {name!r} marks"
    return sum(counts)


def claims_hold(page, number: int, charts: list[dict], words: list[str]) -> None:
    """What the step's text says is what its charts draw."""
    text = prose(page)
    if number == 1:
        embedding = whole(found(r"embedding\s+of (\d+) numbers", text).group(1))
        state = whole(found(r"state\s+of (\d+) numbers", text).group(1))
        assert whole(found(r"Each of the (\d+) dots", text).group(1)) == state == marks(charts, "units")
        assert marks(charts, "cells") == embedding + 3 * state  # x_i, h_i-1, a_i, h_i
    elif number == 2:
        per_piece, pieces = found(r"(\d+) numbers for each of the (\d+) pieces", text).groups()
        assert marks(charts, "cells") == whole(per_piece) * whole(pieces)
    elif number == 3:
        read = whole(found(r"(\d+) numbers, and squeezes them", text).group(1))
        size = whole(found(r"(\d+) numbers, for your (\d+)-piece sentence", text).group(1))
        assert marks(charts, "cells") == read + 2 * size  # →h_n and ←h_1, s_0, s_0 without the word
        assert marks(charts, "words") == len(words)
    elif number == 4:
        assert whole(found(r"for each of the ([\d,]+) pieces", text).group(1)) == marks(charts, "pieces")
        assert whole(found(r"the (\d+) best hold", text).group(1)) == 10
    elif number == 5:
        assert whole(found(r"took (\d+) steps", text).group(1)) == marks(charts, "chips")
        if "They differ." in text:
            greedy = found(r"Greedy: ‘(.+?)’ \(log p", text).group(1)
            beam = found(r"Beam: ‘(.+?)’ \(log p", text).group(1)
            assert greedy != beam
        else:
            assert "agree on your sentence" in text
            offered = found(r"They do differ on ‘.+?’: greedy ‘(.+?)’, beam ‘(.+?)’", text)
            assert offered.group(1) != offered.group(2)
    elif number == 6:
        assert whole(found(r"over its (\d+) pieces", text).group(1)) == marks(charts, "losses")
        assert marks(charts, "curve") >= 1
    elif number == 7:
        letters = found(r"\((\d+) letters, (?:repeated to|cut to|all) (\d+)\): ‘([a-z]+)’", text)
        assert whole(letters.group(2)) == len(letters.group(3)) == marks(charts, "letters")
        legend = {t for chart in charts for t in chart["texts"]}
        assert {"rnn", "gru", "lstm"} <= legend
    elif number == 8:
        sources = whole(found(r"each of the (\d+) encoder states", text).group(1))
        assert marks(charts, "step_weights") == sources
        assert marks(charts, "weights") % sources == 0
        with_attention = found(r"With attention \(.+?\): ‘(.+?)’", text).group(1)
        without = found(r"Without \(.+?\): ‘(.+?)’", text).group(1)
        assert ("the two differ" in text) == (with_attention != without)
        assert ("both write the same" in text) == (with_attention == without)


def glossary_links(page, number: int) -> set[str]:
    """Open the step's "What am I looking at?" and return its links to the Glossary."""
    page.get_by_role("button", name="What am I looking at?").click()
    body = page.get_by_test_id("stPopoverBody").first
    body.wait_for()
    links = {a.get_attribute("href") for a in body.locator("a").all()}
    page.keyboard.press("Escape")
    glossary = {link for link in links if link and link.startswith("Glossary")}
    assert glossary, f"step {number}: the explanation links to no Glossary entry"
    return glossary


def choose(page, label: str) -> None:
    """A click on the step selector (a radio group of buttons)."""
    steps = page.get_by_test_id("stMain").get_by_role("radiogroup", name="Step", exact=True)
    steps.locator("button", has_text=label).click()


def shoot(page, name: str, whole_page: bool = True) -> None:
    """The whole step (the window stretched to the page's height), as the README shows it; or the window."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    height = page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight") if whole_page else 0
    page.set_viewport_size({"width": VIEWPORT["width"], "height": max(VIEWPORT["height"], min(height, 4000))})
    page.wait_for_timeout(600)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    if os.environ.get("SAVE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
    page.set_viewport_size(VIEWPORT)
    page.get_by_test_id("stMain").evaluate("main => main.scrollTo(0, 0)")


def test_a_typed_sentence_through_every_step(page, server_url):
    page.goto(server_url)  # the home page first, then the sidebar's link, as a student comes in
    settle(page)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Lesson").click()
    at_step(page, 1)
    box = page.get_by_label("Your sentence (English), followed through every step", exact=True)
    box.fill(SENTENCE)
    box.press("Enter")
    page.get_by_text("piece 9 of 12").first.wait_for()  # "yesterday", the longest word, is followed
    settle(page)
    words = SENTENCE.split()
    selector = page.get_by_test_id("stMain").get_by_role("radiogroup", name="Step", exact=True)
    overflow = selector.evaluate("el => el.scrollWidth - el.clientWidth")
    assert overflow <= 1, "the step selector does not fit its row"
    links: set[str] = set()
    for number in range(1, 9):
        at_step(page, number)
        assert params(page)["lesson"] == str(number) and params(page)["sentence"] == SENTENCE
        charts = charts_of(page, number)
        claims_hold(page, number, charts, words)
        links |= glossary_links(page, number)
        shoot(page, f"lesson_step_{number}")
        if number < 8:
            page.get_by_role("button", name="Next ▶").first.click()
    assert page.get_by_role("button", name="Next ▶").first.is_disabled()
    page.get_by_role("button", name="◀ Back").first.click()
    at_step(page, 7)
    choose(page, "3 Fixed vector")
    at_step(page, 3)
    assert params(page)["lesson"] == "3"
    assert page.errors == []
    test_a_typed_sentence_through_every_step.links = links


def test_the_followed_word_and_the_decoding_step_link_the_steps_and_stay_in_the_url(page, server_url):
    page.goto(f"{server_url}/Lesson?lesson=8&sentence={urllib.parse.quote(SENTENCE)}")
    at_step(page, 8)
    page.get_by_test_id("stMain").get_by_test_id("stButtonGroup").first.locator(
        "button", has_text=re.compile(r"^brother$")).click()
    page.get_by_text("‘brother’ (red columns)").first.wait_for()
    settle(page)
    assert params(page)["word"] == "1"
    attention = re.search(r"gets most attention at step (\d+), which writes ‘(.+?)’", prose(page))
    assert attention, "step 8 does not say where the followed word is read"
    slider = page.get_by_test_id("stMain").get_by_role("slider").first
    slider.focus()
    slider.press("ArrowRight")
    page.get_by_text("Step 2 (the black row)").first.wait_for()
    settle(page)
    assert params(page)["t"] == "2"
    charts_of(page, 8)
    choose(page, "2 Encoder")  # the word follows to step 2: its row is framed
    at_step(page, 2)
    assert "At the word you follow, ‘brother’" in prose(page)
    choose(page, "5 Greedy")  # and the decoding step to step 5
    at_step(page, 5)
    assert "Step 2: the decoder read" in prose(page)
    page.reload()
    at_step(page, 5)
    assert params(page)["word"] == "1" and params(page)["t"] == "2" and params(page)["sentence"] == SENTENCE
    assert "Step 2: the decoder read" in prose(page)


def test_every_explanation_links_to_an_anchor_of_the_glossary(page, server_url):
    links = set(getattr(test_a_typed_sentence_through_every_step, "links", set()))
    if not links:
        pytest.skip("the walk through the steps did not run")
    lesson_links = len(links)
    page.goto(f"{server_url}/Translate?text=I+am+very+happy+to+see+you.")  # the other pages' explanations too
    page.get_by_role("heading", name="Translate").first.wait_for()
    settle(page)
    buttons = page.get_by_role("button", name="What am I looking at?")
    for index in range(buttons.count()):
        if buttons.nth(index).is_visible():
            buttons.nth(index).click()
            body = page.get_by_test_id("stPopoverBody").first
            body.wait_for()
            links |= {a.get_attribute("href") for a in body.locator("a").all() if a.get_attribute("href")}
            page.keyboard.press("Escape")
    page.goto(f"{server_url}/Glossary")
    page.get_by_role("heading", name="Glossary").first.wait_for()
    settle(page)
    anchors = set(page.evaluate("() => [...document.querySelectorAll('[data-testid=stMain] [id]')].map(e => e.id)"))
    assert len(links) > lesson_links, "the Translate page's explanations add no Glossary link"
    assert all(link.startswith("Glossary?term=") for link in links), links
    wanted = {link.split("#", 1)[1] for link in links}
    assert wanted <= anchors, f"links to missing anchors: {wanted - anchors}"
    shoot(page, "glossary", whole_page=False)
    link = sorted(links)[0]
    page.goto(f"{server_url}/{link}")  # a link as a popover opens it: the page lands on the entry
    anchor = link.split("#", 1)[1]
    page.wait_for_function(f"() => {{ const e = document.getElementById({anchor!r});"
                           " return e && Math.abs(e.getBoundingClientRect().top) < 200; }")
