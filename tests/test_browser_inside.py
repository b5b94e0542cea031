"""Issue 20 in a real browser (Debian chromium via Playwright): what the Inside page's Gradients, Bottleneck,
Trajectories and pattern-search views and the Train page's compared runs say is computed from what they
draw, and their charts can be read.

- Gradients: the sentence and the summary line come from the curves drawn (the plain RNN loses its
  gradient, the gated cells keep theirs), and a table shows the three models differ only in the cell.
- Bottleneck: every difference between the models set side by side is named, from their files.
- Train, compare runs: a run that did not learn is labelled so and is not taken as evidence; the overlaid
  runs have distinct hues (and dashes), legends and axis titles inside the chart, ticks that read as numbers.
- Trajectories: no two labels overlap.
- Pattern search: the default setting finds matches; the hint points the way that finds some.

Geometry is read from the charts' SVG (Streamlit draws Vega-Lite as SVG): a text outside the SVG's box is cut.
Screenshots of each view go to test-artifacts/inside-*.png.
"""
from __future__ import annotations

import colorsys
import itertools
import re

import pytest
from conftest import ARTIFACTS, ROOT, playwright_or_skip, tiny_recipe
from test_browser_views import Console, check, expand, settle

from seq2seq import service
from seq2seq.catalog import DEFAULT_MODEL
from seq2seq.data.corpora import available_corpora

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("four_runs")]
sync_api = playwright_or_skip()
SERVER_LOG = "server-inside.log"
VIEWPORT = {"width": 1280, "height": 1000}
MAX_RUNS = "4"  # the four runs below train at once

if not (ROOT / "checkpoints" / DEFAULT_MODEL).is_dir():
    pytest.skip(f"the default model {DEFAULT_MODEL} is not shipped", allow_module_level=True)

# Four tiny toy runs, each validated once at the same step (the case whose ticks read "300.000000"): two
# learn something, two cannot (a learning rate of 1e-6 leaves the loss at chance).
STEPS = 300
LEARNS = {"cell x attention cell=lstm, attention=bahdanau": {"cell": "lstm"},
          "cell x attention cell=gru, attention=bahdanau": {"cell": "gru"}}
STUCK = {"cell x attention cell=rnn, attention=none": {"cell": "rnn", "attention": "none"},
         "cell x attention cell=lstm, attention=none": {"cell": "lstm", "attention": "none"}}

# Every chart's SVG box, its texts (with the Vega role of each) and its lines' colours and dashes.
SVG_CHARTS = """() => [...document.querySelectorAll('[data-testid=stVegaLiteChart]')].map(el => {
    const svg = el.querySelector('svg.marks');
    if (!svg || !el.getClientRects().length) return null;
    const box = r => ({left: r.left, right: r.right, top: r.top, bottom: r.bottom});
    const texts = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim()).map(t => ({
        text: t.textContent, role: (t.closest('g.mark-text') || svg).getAttribute('class') || '',
        ...box(t.getBoundingClientRect())}));
    const lines = [...svg.querySelectorAll('g.mark-line path')].map(p => ({
        stroke: p.getAttribute('stroke') || '', dash: p.getAttribute('stroke-dasharray') || ''}));
    return {box: box(svg.getBoundingClientRect()), texts, lines};
})"""
DRAWN = """() => [...document.querySelectorAll('[data-testid=stVegaLiteChart]')].every(el =>
    !el.getClientRects().length || (el.querySelector('svg, canvas')?.getBoundingClientRect().height || 0) > 5)"""


@pytest.fixture(scope="module")
def four_runs(runs_dir) -> dict[str, bool]:
    """Run id -> whether it was set up to learn; launched at once, so they train while the browser starts."""
    from seq2seq.jobs import runs

    launched = {}
    for names, learns in ((LEARNS, True), (STUCK, False)):
        for name, model in names.items():
            recipe = tiny_recipe(max_steps=STEPS, valid_every=STEPS, epochs=1000, lr=1e-2 if learns else 1e-6)
            recipe["model"].update(model)
            launched[runs.launch(recipe, name, max_concurrent=4)] = learns
    return launched


@pytest.fixture(scope="module")
def browser(browser_page):
    return browser_page, Console(browser_page)


def charts(page) -> list[dict]:
    return [c for c in page.evaluate(SVG_CHARTS) if c]


def cut_texts(chart: dict, slack: float = 4.0) -> list[str]:
    """Texts drawn (partly) outside the chart's SVG, or shortened with an ellipsis: what a student cannot read.
    A text's box is its line box, a few pixels taller than its letters: `slack` allows for that."""
    box = chart["box"]
    return [t["text"] for t in chart["texts"] if t["left"] < box["left"] - slack or t["right"] > box["right"] + slack
            or t["top"] < box["top"] - slack or t["bottom"] > box["bottom"] + slack or t["text"].endswith("…")]


def overlapping(texts: list[dict], slack: float = 1.0) -> list[tuple[str, str]]:
    """Pairs of texts whose boxes overlap (a text's own halo, the same text at the same place, excepted)."""
    unique = {(t["text"], round(t["left"]), round(t["top"])): t for t in texts}.values()
    pairs = []
    for a, b in itertools.combinations(unique, 2):
        if (a["left"] + slack < b["right"] and b["left"] + slack < a["right"] and a["top"] + slack < b["bottom"]
                and b["top"] + slack < a["bottom"]):
            pairs.append((a["text"], b["text"]))
    return pairs


def hue(color: str) -> float:
    r, g, b = (int(color[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return 360 * colorsys.rgb_to_hsv(r, g, b)[0]


def main_text(page) -> str:
    return page.get_by_test_id("stMain").inner_text()


def shoot(page, name: str) -> None:
    page.mouse.move(0, 0)  # no tooltip in the picture
    page.screenshot(path=str(ARTIFACTS / f"inside-{name}.png"))


def drawn(page) -> None:
    """Wait until every visible chart has been drawn (vega-embed draws after the script run; a busy
    machine, training the runs below, may take seconds)."""
    page.wait_for_function(DRAWN)
    settle(page)


def open_view(page, console, url: str, view: str) -> str:
    page.goto(f"{url}/Inside_the_model?model={DEFAULT_MODEL}&view={view}")
    settle(page)
    drawn(page)
    check(page, console, f"inside: {view}")
    return main_text(page)


def scroll_to(page, text: str) -> None:
    """The first element whose own text starts with `text` at the top of the window."""
    target = page.get_by_test_id("stMain").get_by_text(re.compile("^" + re.escape(text))).first
    target.evaluate("el => el.scrollIntoView({block: 'start'})")
    drawn(page)


def test_gradients_view_says_what_its_curves_show_and_that_only_the_cell_differs(browser, server_url):
    page, console = browser
    models = service.gradient_models()
    if len(models) < 3:
        pytest.skip("the vanishing-gradient models are not shipped")
    text = open_view(page, console, server_url, "Gradients")
    # The same numbers the view draws, computed here from the shipped models and the default letters.
    from studio.shared.examples import GRADIENT_INPUT

    curves = {cell: service.gradient_curve(service.load_translator(info.path), GRADIENT_INPUT).by_distance()
              for cell, info in models.items()}
    readings = service.read_cells(curves)
    assert service.gradient_sentence(readings) in text
    assert service.gradient_summary(readings) in text
    # The shipped trio's measured gradients (benchmarks/results/vanishing_gradients.json): the RNN's is lost.
    assert [r.verdict for r in readings] == ["vanished", "kept", "kept"]
    assert "The plain RNN loses its gradient" in text and "The GRU and the LSTM keep theirs" in text
    comparison = service.compare_models(list(models.values()), ("cell",))
    assert comparison.sentence() in text and "which is what is compared" in text
    assert [f.key for f in comparison.beyond] == [] and "Nothing else differs" in text
    scroll_to(page, "What differs between the three models")
    assert page.get_by_test_id("stDataFrame").filter(has_text="").count() >= 1
    shoot(page, "gradients")


def test_bottleneck_names_every_difference_between_the_models_it_sets_side_by_side(browser, server_url):
    page, console = browser
    info = service.find_model(DEFAULT_MODEL)
    models = service.bottleneck_models(info)
    if len(models) < 2:
        pytest.skip("the default model has no no-attention twin here")
    text = open_view(page, console, server_url, "Bottleneck")
    comparison = service.compare_models(models, ("attention", "cell"))
    assert comparison.sentence() in text
    for fact in comparison.beyond:  # computed from the shipped files: whatever differs is named
        assert fact.label.split(" (")[0] in text
    assert "What differs between these models" in text
    scroll_to(page, "What differs between these models")
    shoot(page, "bottleneck")


def test_trajectory_labels_do_not_overlap(browser, server_url):
    page, console = browser
    open_view(page, console, server_url, "Trajectories")
    page.mouse.move(0, 0)
    found = charts(page)[:2]  # encoder and decoder
    assert len(found) == 2
    for chart in found:
        pieces = [t for t in chart["texts"] if "role-mark" in t["role"]]
        assert len(pieces) >= 3, "too few pieces labelled to read the path"
        assert overlapping(chart["texts"]) == []
        assert cut_texts(chart) == []
    shoot(page, "trajectories")


@pytest.mark.skipif(not dict(available_corpora()).get("tatoeba-en-fr"),
                    reason="pattern search looks through the training sentences: Tatoeba is not on this computer")
def test_pattern_search_finds_matches_by_default_and_its_hint_points_the_right_way(browser, server_url):
    page, console = browser
    text = open_view(page, console, server_url, "Neurons")
    scroll_to(page, "Pattern search")
    text = main_text(page)
    assert "unit(s) on over pieces" in text and "No training sentence has" not in text
    assert "Nothing found at this threshold" not in text
    section = page.get_by_text("Runs of at least").first
    section.locator("xpath=following::*[@data-testid='stDataFrame'][1]").wait_for()
    shoot(page, "patterns")
    # Lower the threshold by three steps: the search keeps more units, which are not on together elsewhere.
    thumb = page.get_by_test_id("stSlider").filter(has_text="On above").locator("input[type=range]")
    before = float(thumb.input_value())
    thumb.focus()
    for _ in range(3):
        page.keyboard.press("ArrowLeft")
        settle(page)
    after = float(thumb.input_value())
    assert after < before
    text = main_text(page)
    if "Nothing found at this threshold" in text:  # the default model's units, as shipped today
        hint = re.search(r"Nothing found at this threshold;[^\n]*", text).group(0)
        assert "raise the threshold to" in hint, hint
        raised = float(re.search(r"raise the threshold to ([0-9.]+)", hint).group(1))
        assert raised > after
        assert "lower the threshold" not in text
    shoot(page, "patterns-hint")


def select_all_runs(page, ids: list[str]) -> None:
    """Add each run to "Runs to compare" as a user would: type its name into the box and press Enter."""
    box = page.get_by_test_id("stMultiSelect").filter(has_text="Runs to compare").first

    def chosen() -> set[str]:  # the chips of the selected runs
        return {tag.get_attribute("aria-label") for tag in box.locator(".react-aria-ComboBox [data-tag]").all()}

    for _ in range(3 * len(ids)):
        missing = [run_id for run_id in ids if run_id not in chosen()]
        if not missing:
            break
        field = box.locator("input")
        field.click()
        field.fill(missing[0])
        page.get_by_role("option", name=missing[0], exact=True).wait_for()
        field.press("Enter")
        page.keyboard.press("Escape")
        settle(page)
    assert set(ids) <= chosen(), chosen()


def test_compared_runs_label_a_run_that_did_not_learn_and_draw_readable_distinct_curves(browser, server_url,
                                                                                      four_runs):
    from conftest import stopped_run

    page, console = browser
    for run_id in four_runs:
        assert stopped_run(run_id).state == "finished", run_id
    page.goto(f"{server_url}/Train")
    settle(page)
    expand(page, "Compare runs")
    settle(page)
    select_all_runs(page, list(four_runs))
    page.get_by_text("What differs between these runs").first.wait_for()
    drawn(page)
    check(page, console, "train: four runs compared")
    text = main_text(page)
    for run_id, learns in four_runs.items():
        assert (f"{run_id} did not learn (final loss" in text) == (not learns), run_id
        assert (f"{run_id} (did not learn)" in text) == (not learns), run_id  # the legend's label
    assert "fastest for a plain RNN" not in text  # the old caption's claim, whatever the runs did
    assert "no evidence about length" in text
    found = charts(page)
    loss, score, lengths = found[0], found[1], found[2]
    for name, chart in (("loss", loss), ("score", score), ("lengths", lengths)):
        assert cut_texts(chart) == [], f"{name}: texts cut off"
        assert overlapping([t for t in chart["texts"] if "legend" in t["role"] or "title" in t["role"]]) == [], name
        ticks = [t["text"] for t in chart["texts"] if "axis-label" in t["role"]]
        assert not [t for t in ticks if re.search(r"\.\d{4,}", t)], f"{name}: ticks {ticks}"
    for chart in (loss, score, lengths):
        hues = sorted({hue(line["stroke"]) for line in chart["lines"] if line["stroke"].startswith("#")})
        assert len(hues) == 4, hues
        assert all(min(abs(a - b), 360 - abs(a - b)) >= 30 for a, b in itertools.combinations(hues, 2)), hues
    assert len({line["dash"] for line in score["lines"]}) == 4  # the score chart's runs: a dash each
    scroll_to(page, "Loss")
    shoot(page, "train-loss")
    scroll_to(page, "Validation score")
    shoot(page, "train-score")
    scroll_to(page, "Exact match by input length")
    shoot(page, "train-lengths")
    scroll_to(page, "Greedy decoding of each run")
    shoot(page, "train-lengths-captions")
