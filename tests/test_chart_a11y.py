"""Charts readable by every student, without a browser: every chart builder in studio/ gives its chart a
description (which Vega turns into the chart's aria-label: the name a screen reader announces), and the
colours that tell categories apart stay apart under simulated deuteranopia, with a second channel besides.
The browser side (axe-core, no chart read as "Vega visualization") is tests/test_browser_a11y.py.
"""
from __future__ import annotations

import ast
import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seq2seq.config import DecodeConfig
from seq2seq.service import load_translator
from studio.inside import charts as inside_charts
from studio.lesson import charts as lesson_charts
from studio.shared.charts import attention, beam, gradients, lengths, palette, pieces, trajectories, units
from studio.shared.charts.accessible import described
from studio.step import charts as step_charts
from studio.train import charts as train_charts
from studio.translate import charts as translate_charts

STUDIO = Path(__file__).resolve().parent.parent / "studio"
DATES = STUDIO.parent / "checkpoints" / "dates"
# What a chart builder returns: a top-level Altair chart.
CHART_TYPES = ("alt.Chart", "alt.LayerChart", "alt.TopLevelMixin", "alt.HConcatChart", "alt.VConcatChart")


def builders() -> dict[str, ast.FunctionDef]:
    """Every public function in studio/ whose return annotation is an Altair chart, by module:name."""
    found = {}
    for path in sorted(STUDIO.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_") and node.returns is not None \
                    and any(kind in ast.unparse(node.returns) for kind in CHART_TYPES):
                found[f"{path.relative_to(STUDIO)}:{node.name}"] = node
    return found


def returned(node: ast.FunctionDef) -> list[ast.expr]:
    """What the function returns, each branch of a conditional on its own, a returned None left out."""
    values = [r.value for r in ast.walk(node) if isinstance(r, ast.Return) and r.value is not None]
    flat = []
    while values:
        value = values.pop()
        if isinstance(value, ast.IfExp):
            values += [value.body, value.orelse]
        elif not (isinstance(value, ast.Constant) and value.value is None):
            flat.append(value)
    return flat


def calls(node: ast.AST) -> set[str]:
    return {ast.unparse(c.func).split(".")[-1] for c in ast.walk(node) if isinstance(c, ast.Call)}


def test_every_chart_builder_describes_its_chart_or_returns_one_that_does():
    found = builders()
    names = {key.split(":")[1] for key in found}
    assert len(found) >= 30, sorted(found)  # the scan sees the builders
    undescribed = []
    for key, node in found.items():
        parameters = {a.arg for a in node.args.args}
        returns = returned(node)
        passes_through = all(isinstance(r, ast.Name) and r.id in parameters for r in returns)  # a wrapper: svg()
        delegates = all(isinstance(r, ast.Call) and ast.unparse(r.func).split(".")[-1] in names for r in returns)
        if not (passes_through or delegates or "described" in calls(node)):
            undescribed.append(key)
    assert undescribed == [], f"chart builders without a description for screen readers: {undescribed}"


def test_described_refuses_an_empty_title_or_description():
    chart = pieces.candidates_chart_of(pd.DataFrame({"candidate": ["000 a"], "piece": ["a"], "id": [1],
                                                     "probability": [1.0], "logit": [0.0], "role": ["chosen"]}))
    with pytest.raises(ValueError):
        described(chart, " ", "what it shows")
    with pytest.raises(ValueError):
        described(chart, "A title", "")


@pytest.fixture(scope="module")
def charts() -> dict:
    """The charts the pages draw, built from a real trace of the shipped dates model and small tables."""
    if not DATES.is_dir():
        pytest.skip("the dates checkpoint is not shipped")
    translator = load_translator(DATES)
    greedy = translator.trace("March 5, 1987")
    beamed = translator.trace("March 5, 1987", DecodeConfig(strategy="beam", beam_size=3, n_best=3))
    forced = translator.teacher_forced("March 5, 1987", "1987-05-03")
    events = [{"type": "train", "step": s, "loss": 3 - s / 100, "ppl": 20 - s / 10} for s in (10, 20)] + \
             [{"type": "valid", "step": 20, "valid_loss": 2.9, "valid_ppl": 18.0, "exact_match": 0.2,
               "metric": "exact_match"}]
    runs = pd.DataFrame([{"run": r, "step": s, "seconds": s, "split": "train", "loss": 3.0 - s / 50, "score": None,
                          "metric": None} for r in ("a", "b") for s in (10, 20)])
    by_length = pd.DataFrame({"model": ["m", "m", "n", "n"], "order": [0, 1, 0, 1], "bucket": ["1-5", "6-10"] * 2,
                              "sentences": [3, 4, 3, 4], "score": [20.0, 10.0, 30.0, 15.0]})
    steps = len(greedy.steps)
    points = pd.DataFrame({"trajectory": ["one"] * 3, "x": [0.0, 1.0, 2.0], "y": [0.0, 1.0, 0.5],
                           "order": [0, 1, 2], "step": [1, 2, 3], "piece": ["a", "b", "c"], "detail": ["", "", ""],
                           "link": ["", "", ""]})
    vector = np.linspace(-1, 1, 8)
    candidates = pd.DataFrame({"candidate": ["000 a", "001 b"], "piece": ["a", "b"], "role": ["chosen", "alternative"],
                               "logit": [2.0, 1.0]})
    curves = pd.DataFrame({"step": [1, 2, 1, 2], "value": [3.0, 2.0, 3.1, 2.5],
                           "curve": ["training loss", "training loss", "validation loss", "validation loss"]})
    return {
        "source chips": pieces.source_chips(greedy), "output chips": pieces.output_chips(greedy.steps),
        "candidates": pieces.candidates_chart(greedy.steps[0]), "heatmap": attention.attention_heatmap(greedy),
        "beam": beam.beam_tree_chart(beamed.beam, 2),
        "step attention": step_charts.step_attention_chart(greedy.steps[0], greedy.src_pieces),
        "strategies": translate_charts.strategies_chart({"greedy": greedy, "beam": beamed}),
        "exposure": translate_charts.exposure_chart(forced),
        "gradients": gradients.gradient_chart(gradients.gradient_frame({"rnn": {1: 1.0, 5: 0.01},
                                                                        "lstm": {1: 1.0, 5: 0.5}})),
        "by length": lengths.length_chart(by_length, inside_charts.LENGTH_COLUMNS, "BLEU", "source length"),
        "units": units.unit_heatmap(units.unit_frame(np.ones((3, 4)), [0, 2], ["a", "b", "c"]), "activation"),
        "loss": train_charts.loss_chart(events), "perplexity": train_charts.perplexity_chart(events),
        "score": train_charts.score_chart(events), "overlay": train_charts.overlay_chart(runs, "step", "loss"),
        "kl": inside_charts.kl_chart(inside_charts.kl_frame(greedy.steps, [0.1] * steps, [0.5] * steps,
                                                            [0.4] * steps, greedy.steps)),
        "trajectory": trajectories.trajectory_chart(points, None, ("PC1", "PC2")),
        "vectors": lesson_charts.vectors_chart([("x", vector), ("h", vector)], focus=["x"]),
        "cell": lesson_charts.cell_chart(vector, np.tanh(vector)),
        "top": lesson_charts.top_chart(candidates, "logit", "logit", ".2f"),
        "curves": lesson_charts.curves_chart(curves, 3.5, "loss"),
        "letters": lesson_charts.letters_chart("abc", [1]),
    }


def test_every_chart_drawn_says_what_it_shows(charts):
    descriptions = {}
    for name, chart in charts.items():
        description = chart.to_dict(validate=False).get("description", "")
        assert len(description) > 40, f"{name}: {description!r}"
        descriptions[name] = description
    assert len(set(descriptions.values())) == len(descriptions)


def second_channels(spec: dict, field: str) -> set[str]:
    """The channels other than colour that encode `field`, in any layer."""
    layers = spec.get("layer", [spec])
    return {channel for layer in layers for channel, definition in layer.get("encoding", {}).items()
            if channel not in ("color", "tooltip") and isinstance(definition, dict)
            and (definition.get("field") == field or field in str(definition.get("condition", {}).get("test", "")))}


@pytest.mark.parametrize("name,field", [("gradients", "cell"), ("by length", "model"), ("loss", "split"),
                                        ("overlay", "run"), ("candidates", "role"), ("beam", "status"),
                                        ("trajectory", "trajectory"), ("curves", "curve"), ("top", "role"),
                                        ("letters", "role")])
def test_categories_told_apart_by_colour_are_told_apart_another_way_too(charts, name, field):
    assert second_channels(charts[name].to_dict(validate=False), field) & {"strokeDash", "shape", "stroke"}, name


def test_the_gradient_cells_stay_apart_under_deuteranopia():
    """rnn against lstm fell from ΔE 107 to 11 under simulated deuteranopia with the old red and green."""
    colour_vision = pytest.importorskip("benchmarks.colour_vision", reason="colour-science is not installed")
    old_rnn, _, old_lstm = colour_vision.BEFORE.split(",")
    assert colour_vision.delta_e(old_rnn, old_lstm, "deuteranopia") < 15  # the measure sees the old fault
    cells = dict(zip(gradients.CELL_COLORS.domain, gradients.CELL_COLORS.range))
    for a, b in itertools.combinations(cells, 2):
        for deficiency in ("deuteranopia", "protanopia"):
            assert colour_vision.delta_e(cells[a], cells[b], deficiency) > 35, (a, b, deficiency)


def test_the_palette_is_okabe_ito_and_the_theme_uses_it():
    assert palette.CATEGORICAL == ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442",
                                   "#000000"]
    config = (STUDIO.parent / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    assert f"chartCategoricalColors = {str(palette.CATEGORICAL).replace(chr(39), chr(34))}" in config
