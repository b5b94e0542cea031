"""Issue 20 on the Step-by-step and Translate pages, in a real browser (Debian chromium via Playwright) at
1400x900 with a long sentence (25 pieces with </s>, 27 decoding steps): every chart readable and whole, the
beam tree as Seq2Seq-Vis draws it (whole labels, no edge through a label, pruned candidates folded away),
the strategies a few rows tall, the teacher-forcing chart with room for its bars, the equations' values whole
and h~_t shown, the design's names and the model's own decoder input, the sentence inspected kept in the URL,
and, after a restarted server, what the user typed winning over the URL's older text.

AppTest cannot render Vega-Lite or KaTeX: this is what a student sees. Assertions are on geometry, never timing.
"""
from __future__ import annotations

import dataclasses
import os
import re
import signal
import urllib.parse

import pytest
from conftest import ARTIFACTS, BROWSER_WAIT_MS, ROOT, playwright_or_skip, settle

from seq2seq.catalog import DEFAULT_MODEL

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.usefixtures("no_feeding_model")]
sync_api = playwright_or_skip()
SERVER_LOG = "server-step.log"
VIEWPORT = {"width": 1400, "height": 900}
SCREENSHOTS = ROOT / "docs" / "screenshots"
# 24 pieces and </s> for the default model, which writes 27 pieces for it (checked in test_the_sentence_is_long).
LONG = ("My little brother and I went to the old market near the river early yesterday morning to buy some fresh "
        "bread and cheese.")
REFERENCE = "Mon petit frère et moi sommes allés au vieux marché près de la rivière hier matin pour acheter du pain."
NO_FEEDING = "runs/no-feeding"  # an attention model without input feeding, made by the no_feeding_model fixture
MAX_CHART_PX = 1400
MIN_PLOT_PX = 60

if not (ROOT / "checkpoints" / DEFAULT_MODEL).is_dir():
    pytest.skip(f"the default model {DEFAULT_MODEL} is not shipped", allow_module_level=True)


@pytest.fixture(scope="module")
def no_feeding_model(runs_dir):
    """The dates model's tokenizers around an untrained Bahdanau model without input feeding, in the runs folder
    the server lists (the shipped attention models all feed h~_{t-1} back in, for now)."""
    import torch

    from seq2seq.checkpoint import Bundle, build_model, load_checkpoint, save_checkpoint

    dates = load_checkpoint(ROOT / "checkpoints" / "dates")
    torch.manual_seed(0)
    model = build_model(dataclasses.replace(dates.config, input_feeding=False)).eval()
    save_checkpoint(runs_dir / "no-feeding",
                    Bundle(model, dates.src_tokenizer, dates.tgt_tokenizer, dates.train_config))
    return NO_FEEDING


# --- what the browser shows --------------------------------------------------------------------------------------

# Every visible Vega chart: its drawn size, the column around it, its plot area (the root group's background:
# the data rectangle, axes and legends outside it), whether it has axes, and each text's box and content.
CHARTS = """() => [...document.querySelectorAll('[data-testid=stVegaLiteChart]')]
  .filter(el => el.getClientRects().length > 0 && el.querySelector('svg')).map(el => {
    const svg = el.querySelector('svg'), box = svg.getBoundingClientRect();
    const column = (el.closest('[data-testid=stVerticalBlock]') || el.parentElement).getBoundingClientRect();
    const plot = svg.querySelector('g.mark-group.role-frame.root > g > path.background');
    const texts = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim()).map(t => {
        const r = t.getBoundingClientRect();
        return {text: t.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom};
    });
    return {height: box.height, width: box.width, left: box.left, right: box.right, top: box.top,
            bottom: box.bottom, column: column.width, columnRight: column.right,
            plot: plot ? plot.getBoundingClientRect().height : null,
            axes: svg.querySelectorAll('g.role-axis').length, texts};
})"""
# Text the page cuts: boxes whose content is wider than they are (values, Markdown, captions), and formulas
# wider than their column (KaTeX's box shrinks to its formula, a pixel or two of overhang aside: its column is
# what cuts it).
CUT_TEXT = """() => {
  const shown = el => el.getClientRects().length > 0;
  const boxes = [...document.querySelectorAll('[data-testid=stCode] pre, [data-testid=stCode] code, ' +
                                              '[data-testid=stMarkdownContainer], [data-testid=stCaptionContainer]')]
    .filter(el => shown(el) && el.scrollWidth > el.clientWidth + 1)
    .map(el => ({what: el.getAttribute('data-testid') || el.tagName, text: el.textContent.slice(0, 80),
                 scroll: el.scrollWidth, client: el.clientWidth}));
  const formulas = [...document.querySelectorAll('.katex-display .katex-html')].filter(shown).filter(el => {
      const column = (el.closest('[data-testid=stColumn]') || el.closest('[data-testid=stVerticalBlock]'))
                     .getBoundingClientRect(), box = el.getBoundingClientRect();
      return box.right > column.right + 2 || box.left < column.left - 2; })
    .map(el => ({what: 'formula', text: el.textContent.slice(0, 80)}));
  return [...boxes, ...formulas];
}"""
# The beam tree's marks: the edges (rules), the node dots and their fill, the labels.
TREE = """el => {
    const svg = el.querySelector('svg');
    const rect = e => { const r = e.getBoundingClientRect();
                        return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
    return {edges: [...svg.querySelectorAll('g.mark-rule.role-mark line')].map(rect),
            dots: [...svg.querySelectorAll('g.mark-symbol.role-mark path')].map(d => d.getAttribute('fill')),
            labels: [...svg.querySelectorAll('g.mark-text.role-mark text')].map(t => ({text: t.textContent,
                                                                                          ...rect(t)}))};
}"""
PRUNED_FILL = "#c7c7c7"


def open_page(page, url: str, path: str, **params) -> None:
    page.goto(f"{url}/{path}?{urllib.parse.urlencode({'model': DEFAULT_MODEL, **params})}")
    settle(page)
    page.get_by_test_id("stVegaLiteChart").first.wait_for()
    assert page.locator("[data-testid='stException']").count() == 0, f"{path}: exception shown"


def expand(page, label: str) -> None:
    header = page.get_by_test_id("stExpander").filter(has_text=label).locator("summary").first
    if header.get_attribute("aria-expanded") != "true":
        header.click()
    settle(page)


def toggle(page, label: str) -> None:
    page.get_by_test_id("stCheckbox").filter(has_text=label).first.click()
    settle(page)


def type_into(page, label: str, text: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(text)
    box.press("Control+Enter" if box.evaluate("e => e.tagName") == "TEXTAREA" else "Enter")
    settle(page)


def chart_under(page, heading: str):
    """The first chart after the text `heading`."""
    return page.get_by_text(heading).first.locator("xpath=following::*[@data-testid='stVegaLiteChart'][1]")


def overlaps(a: dict, b: dict, slack: float = 0.5) -> bool:
    return (a["left"] < b["right"] - slack and b["left"] < a["right"] - slack and a["top"] < b["bottom"] - slack
            and b["top"] < a["bottom"] - slack)


def unreadable(charts: list[dict]) -> list[str]:
    """Charts too tall, with too small a plot, wider than their column, or with a text cut or outside them."""
    problems = []
    for number, chart in enumerate(charts):
        where = f"chart {number} ({chart['texts'][0]['text'] if chart['texts'] else 'no text'!r}…)"
        if chart["height"] > MAX_CHART_PX:
            problems.append(f"{where} is {chart['height']:.0f} px tall")
        if chart["axes"] and chart["plot"] is not None and chart["plot"] < MIN_PLOT_PX:
            problems.append(f"{where}: its plot area is {chart['plot']:.0f} px tall")
        if chart["right"] > chart["columnRight"] + 1:
            problems.append(f"{where} is {chart['width']:.0f} px wide in a {chart['column']:.0f} px column")
        for text in chart["texts"]:
            if text["text"].endswith("…") and text["text"] != "…":  # Vega's labelLimit/limit cut it short
                problems.append(f"{where}: label cut to {text['text']!r}")
            # A text's box holds its font's whole ascent and descent, a few pixels more than its ink.
            if (text["left"] < chart["left"] - 3 or text["right"] > chart["right"] + 3
                    or text["top"] < chart["top"] - 3 or text["bottom"] > chart["bottom"] + 3):
                problems.append(f"{where}: label {text['text']!r} drawn outside the chart (clipped)")
    return problems


def step_url(url: str, **params) -> str:
    return f"{url}/Step_by_step?{urllib.parse.urlencode({'model': DEFAULT_MODEL, **params})}"


# --- the tests -----------------------------------------------------------------------------------------------------

def test_the_sentence_is_long():
    from seq2seq.service import load_translator

    trace = load_translator(ROOT / "checkpoints" / DEFAULT_MODEL).trace(LONG)
    assert len(trace.src_pieces) == 25 and len(trace.steps) >= 25


def test_step_and_translate_pages_keep_every_chart_and_label_readable(browser_page, server_url):
    """With the long sentence and every expander, tab and toggle open: no chart over 1,400 px tall, no plot
    under 60 px, no chart wider than its column, no label cut or clipped, no text box cutting its text."""
    page = browser_page
    open_page(page, server_url, "Step_by_step", text=LONG, strategy="beam", step="10")
    for label in ("Inside one step", "All steps", "Attribution: which source pieces caused"):
        expand(page, label)
    page.get_by_text("Faithfulness check").first.wait_for()
    toggle(page, "Show pruned candidates")
    step_charts = page.evaluate(CHARTS)
    assert len(step_charts) >= 5, "the step page's charts were not all drawn"
    problems = unreadable(step_charts)
    assert not problems, f"step page: {problems}"
    assert page.evaluate(CUT_TEXT) == [], "step page: text cut by its box"
    page.screenshot(path=str(ARTIFACTS / "step-long.png"))

    open_page(page, server_url, "Translate", text=LONG)
    type_into(page, "Reference translation", REFERENCE)
    expand(page, "Attribution: which source pieces caused")
    page.get_by_text("Faithfulness check").first.wait_for()
    for label in ("Hide </s>", "Whole words"):
        toggle(page, label)
    translate_charts = page.evaluate(CHARTS)
    assert len(translate_charts) >= 6, "the translate page's charts were not all drawn"
    problems = unreadable(translate_charts)
    assert not problems, f"translate page: {problems}"
    assert page.evaluate(CUT_TEXT) == [], "translate page: text cut by its box"


def test_beam_tree_writes_whole_labels_that_no_edge_crosses_and_folds_pruned_candidates(browser_page, server_url):
    page = browser_page
    page.goto(step_url(server_url, text=LONG, strategy="beam", step="12"))
    settle(page)
    tree = chart_under(page, "Show pruned candidates")
    tree.wait_for()
    for pruned in (False, True):
        if pruned:
            toggle(page, "Show pruned candidates")
            tree = chart_under(page, "Show pruned candidates")
        marks = tree.evaluate(TREE)
        box = tree.locator("svg").bounding_box()
        column = tree.evaluate("e => e.closest('[data-testid=stVerticalBlock]').getBoundingClientRect().width")
        assert box["width"] <= column + 1 and box["height"] <= MAX_CHART_PX
        labels = [label for label in marks["labels"] if label["text"].strip()]
        pieces = [label for label in labels if not label["text"].isdigit() and label["text"] != "…"]
        assert not [p["text"] for p in pieces if p["text"].endswith("…")], "a label was cut short"
        crossed = [(label["text"], edge) for label in labels for edge in marks["edges"] if overlaps(label, edge)]
        assert crossed == [], f"{len(crossed)} edges cross labels: {crossed[:3]}"
        assert not [(a["text"], b["text"]) for i, a in enumerate(labels) for b in labels[i + 1:] if overlaps(a, b)]
        assert (PRUNED_FILL in marks["dots"]) == pruned, "pruned candidates must be folded away until asked for"
        assert len(pieces) >= 20 and "<s>" not in [p["text"] for p in pieces]  # a window around step 12
        if not pruned:
            tree.scroll_into_view_if_needed()
            tree.screenshot(path=str(ARTIFACTS / "beam_tree.png"))
            if os.environ.get("SAVE_SCREENSHOTS") == "1":
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                tree.screenshot(path=str(SCREENSHOTS / "beam_tree.png"))
            page.get_by_text("Beam search tree").first.evaluate("e => e.scrollIntoView({block: 'start'})")
            page.screenshot(path=str(ARTIFACTS / "step_beam.png"))
    toggle(page, "Show pruned candidates")  # back as it was, for the next test of the module


def test_strategies_fit_one_screen(browser_page, server_url):
    page = browser_page
    open_page(page, server_url, "Translate", text=LONG)
    chips = chart_under(page, "Greedy vs beam vs sampling")
    chips.scroll_into_view_if_needed()
    box = chips.locator("svg").bounding_box()
    assert box["height"] <= 900, f"the three outputs take {box['height']:.0f} px"
    labels = chips.evaluate("e => [...e.querySelectorAll('g.role-axis text')].map(t => t.textContent)")
    assert {"greedy", "beam", "sampling"} <= set(labels)


def test_teacher_forcing_chart_has_room_for_its_bars(browser_page, server_url):
    page = browser_page
    open_page(page, server_url, "Translate", text=LONG)
    type_into(page, "Reference translation", REFERENCE)
    chart = chart_under(page, "Reference translation")
    chart.wait_for()
    plot = chart.evaluate("e => e.querySelector('g.mark-group.role-frame.root > g > path.background')"
                          ".getBoundingClientRect().height")
    assert plot >= 120, f"the bars have {plot:.0f} px"


def test_equations_show_whole_values_h_tilde_and_the_designs_names(browser_page, server_url):
    page = browser_page
    page.goto(step_url(server_url, text=LONG, step="3"))
    settle(page)
    expand(page, "Inside one step")
    panel = page.get_by_test_id("stExpander").filter(has_text="Inside one step").first
    panel.get_by_test_id("stCode").first.wait_for()
    codes = panel.get_by_test_id("stCode").evaluate_all(
        "els => els.map(e => { const pre = e.querySelector('pre') || e;"
        " return {text: e.innerText, scroll: pre.scrollWidth, client: pre.clientWidth}; })")
    assert [c for c in codes if c["scroll"] > c["client"] + 1] == [], "a value box cuts its values"
    values = "\n".join(c["text"] for c in codes)
    assert "h~_t = [" in values and "h~_{t-1} = [" in values and "not recorded" not in values
    tex = " ".join(panel.locator("annotation").all_text_contents())  # KaTeX keeps each formula's source
    assert "W_{hy}" in tex and "W_{er}" in tex and "W_{hr}" in tex, tex
    assert "U_" not in tex and "W_{out}" not in tex
    assert r"\tilde h_{t-1}" in tex  # the default model feeds h~_{t-1} back in
    assert page.evaluate(CUT_TEXT) == [], "text cut by its box"
    page.get_by_text("Recurrent update").first.evaluate("e => e.scrollIntoView({block: 'center'})")
    page.screenshot(path=str(ARTIFACTS / "step_equations.png"))
    if os.environ.get("SAVE_SCREENSHOTS") == "1":
        page.screenshot(path=str(SCREENSHOTS / "step_equations.png"))

    page.goto(f"{server_url}/Step_by_step?{urllib.parse.urlencode({'model': NO_FEEDING, 'text': '12/03/2001'})}")
    settle(page)
    expand(page, "Inside one step")
    panel = page.get_by_test_id("stExpander").filter(has_text="Inside one step").first
    panel.locator("annotation").first.wait_for(state="attached")
    first = panel.locator("annotation").first.text_content()
    assert first == r"x_t = E\,y_{t-1}", first
    assert "no input feeding" in panel.inner_text()


def test_the_sentence_inspected_is_in_the_url(browser_page, server_url):
    page = browser_page
    open_page(page, server_url, "Translate", text="I am cold.\nWhere is the station?\nThe cat sleeps.")
    picker = page.get_by_test_id("stSelectbox").filter(has_text="Sentence to inspect").first
    picker.click()
    page.get_by_role("option", name=re.compile("Where is the station")).click()
    settle(page)
    assert "line=2" in page.url
    page.goto(page.url)  # a reload, or the link shared
    settle(page)
    picker = page.get_by_test_id("stSelectbox").filter(has_text="Sentence to inspect").first
    assert picker.locator("input").first.input_value() == "2. Where is the station?"
    source = chart_under(page, "Source pieces the model reads")
    source.wait_for()
    assert "▁station" in source.inner_text() or "▁station" in " ".join(
        source.evaluate("e => [...e.querySelectorAll('text')].map(t => t.textContent)"))


def test_what_the_user_typed_wins_over_the_urls_older_text_after_a_restart(browser_page, runs_dir):
    """The server stops answering as the user sends new text, and comes back as a fresh process (a restarted
    replica): its first run has the browser's box and the URL's older text. The typed text must stay."""
    from benchmarks import app_server
    from seq2seq.catalog import RUNS_ENV

    port = app_server.free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, RUNS_ENV: str(runs_dir)}
    with open(ARTIFACTS / "server-restart.log", "wb") as log:
        server = app_server.start(port, env, log)
        try:
            app_server.wait_healthy(url, server, 180)
            page = browser_page.context.browser.new_page(viewport=VIEWPORT)  # the module's chromium, a new tab
            page.set_default_timeout(BROWSER_WAIT_MS)
            try:
                page.goto(f"{url}/Translate?model={DEFAULT_MODEL}&text=I+am+cold.")
                settle(page)
                box = page.get_by_label("Sentences, one per line", exact=True)
                os.kill(server.pid, signal.SIGSTOP)  # the replica hangs: the new text reaches no one...
                box.fill("Where is the station?")
                box.press("Control+Enter")
                page.wait_for_timeout(1000)
                os.kill(server.pid, signal.SIGKILL)  # ...and dies
                server.wait()
                server = app_server.start(port, env, log)  # a fresh process: a new session, no state
                app_server.wait_healthy(url, server, 180)
                # Once the page has reconnected (its widgets enabled again), the next thing the user does reruns
                # the page in the new session.
                hide = page.get_by_test_id("stCheckbox").filter(has_text="Hide </s>").first
                page.wait_for_function("([box, hide]) => !box.disabled && !hide.querySelector('input').disabled",
                                       arg=[box.element_handle(), hide.element_handle()])
                hide.click()
                page.get_by_text("hidden: each row renormalised").first.wait_for()
                settle(page)
                assert box.input_value() == "Where is the station?"
                assert "text=Where+is+the+station" in page.url
                assert "Où" in page.get_by_test_id("stMain").inner_text()
            finally:
                page.close()
        finally:
            if server.poll() is None:
                os.kill(server.pid, signal.SIGCONT)
                app_server.stop(server)
