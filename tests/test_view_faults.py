"""The walkthrough's view faults (issue 31, item 4), at the level of charts, the engine and AppTest: each
test is a fault that was seen on screen (tests/test_browser_view_faults.py sees the same in a browser)."""
from __future__ import annotations

from pathlib import Path

import pytest

from seq2seq.config import DecodeConfig
from studio.lesson import charts as lesson_charts
from studio.shared.charts import beam as beam_charts

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "checkpoints" / "tatoeba-en-fr"
# 16 output steps, while the beam search holds hypotheses to step 21 (default model, beam 5)
LONG = "The committee decided that the new library would open next spring, although several members disagreed strongly."
needs_default = pytest.mark.skipif(not DEFAULT.is_dir(), reason="the default model is not shipped")


@pytest.fixture(scope="module")
def default_translator():
    from seq2seq.service import load_translator

    return load_translator(DEFAULT)


def heatmap_cells_px(chart) -> int:
    spec = chart.to_dict()
    return spec["width"]["step"] * len({row["source"] for row in next(iter(spec["datasets"].values()))})


def test_the_lesson_heatmap_beside_the_one_step_bars_keeps_to_its_share_of_the_column():
    """Step 8: a heatmap wider than its 3/5 column ran under the "Step t alone" bars (</s> cut to "</s")."""
    for pieces in (5, 12, 17, 22, 40):
        sources = [f"▁w{j}" for j in range(pieces - 1)] + ["</s>"]
        weights = [[1 / pieces] * pieces for _ in range(10)]
        beside = lesson_charts.attention_fits_beside(pieces)
        chart = lesson_charts.attention_chart(sources, ["▁x"] * 10, weights, [0], 1,
                                              lesson_charts.BESIDE_CELLS if beside else lesson_charts.WIDTH)
        cells = heatmap_cells_px(chart)
        if beside:
            assert cells <= lesson_charts.BESIDE_CELLS, (pieces, cells)
        else:  # below the bars, alone in the column (940 px at 1400 px; its labels take ~110 px)
            assert cells <= 830, (pieces, cells)
    assert lesson_charts.attention_fits_beside(12) and not lesson_charts.attention_fits_beside(22)


@needs_default
def test_the_beam_trees_window_counts_the_steps_the_step_page_counts(default_translator):
    """The header said "Step 10 of 16" (the translation's steps) while the tree said "steps 6-11 of 21" (the
    search's): both now count the translation's steps, and the tree says how far the search ran."""
    trace = default_translator.trace(LONG, DecodeConfig(strategy="beam", beam_size=5))
    searched = max(node.step for node in trace.beam) + 1
    assert searched > len(trace.steps), "the example no longer has a search that runs past its translation"
    spec = beam_charts.beam_tree_chart(trace.beam, 10, output_ids=trace.output_ids, max_width=760).to_dict()
    title = spec["title"]["text"]
    assert f"of the translation's {len(trace.steps)}" in title and f"the search ran {searched}" in title, title


@needs_default
@pytest.mark.parametrize("word", ["arrived.", "whispered.", "Tom", "happy!", "librarians", "strongly"])
def test_the_default_word_swap_is_a_word_the_model_knows(default_translator, word):
    """Inside -> Compare offered "arriveds." for "arrived.": a spelling no model ever read."""
    from seq2seq import service
    from studio.inside.swap_words import replacement

    swapped = replacement(word, lambda w: service.known_word(default_translator, w),
                          lambda w: service.similar_words(default_translator, w))
    core = swapped.strip(".!")
    assert core.lower() != word.strip(".!").lower() and swapped[len(core):] == word[len(word.strip(".!")):]
    assert service.known_word(default_translator, core) or service.known_word(default_translator, core.lower()), swapped
    if word.endswith("ed."):
        assert core.endswith("ed") or word == "arrived.", swapped  # a past tense for a past tense


def test_a_model_that_reads_characters_keeps_the_swap_rules(dates_translator):
    from seq2seq import service

    assert not service.reads_words(dates_translator) and service.similar_words(dates_translator, "March") == []


GRADIENT_TRIO = [ROOT / "checkpoints" / name for name in ("grad-rnn", "grad-gru", "grad-lstm")]


@pytest.mark.skipif(not all(path.is_dir() for path in GRADIENT_TRIO), reason="the gradient trio is not shipped")
def test_a_fact_no_model_recorded_is_not_called_the_same():
    """The Gradients and Bottleneck tables said "CPU time: same" for three "not recorded", and "1 threads"."""
    from seq2seq.analysis.comparison import compare

    found = compare({path.name: path for path in GRADIENT_TRIO}, ("cell",))
    rows = {row[""]: row for row in found.rows()}
    assert rows["CPU time"]["same?"] == "not recorded" and "CPU time" not in [f.label for f in found.same]
    sentence = found.sentence()
    assert "so not compared: CPU time" in sentence and "steps and hardware" in sentence, sentence
    assert all("threads" not in value for value in found.fact("hardware").values)
    assert all(value.endswith("1 thread") for value in found.fact("hardware").values)


def test_a_run_validated_once_labels_its_step_as_a_whole_number():
    """Train: a one-point validation chart's step axis read "30.000000"."""
    from studio.train import charts as train_charts

    events = [{"type": "train", "step": 30, "loss": 3.1, "ppl": 22.0},
              {"type": "valid", "step": 30, "valid_loss": 3.1, "valid_ppl": 23.0, "exact_match": 0.0,
               "metric": "exact_match"}]
    for chart in (train_charts.score_chart(events), train_charts.loss_chart(events),
                  train_charts.perplexity_chart(events)):
        assert chart.to_dict()["encoding"]["x"]["axis"]["format"] == ",~f"


def test_the_overlays_train_and_valid_legend_comes_from_lines_without_a_point_overlay():
    """The overlay's "data" legend drew "train" and "valid" with transparent strokes: a line with a filled point
    overlay gives its dash legend no stroke (vega-lite#7033). The dashes now sit on a layer of plain lines."""
    import pandas as pd

    from studio.train import charts as train_charts

    frame = pd.DataFrame([{"run": run, "step": s, "seconds": s / 7, "split": split, "loss": 3 - s / 100,
                           "score": None, "metric": None} for run in ("a", "b") for s in (10, 20)
                          for split in ("train", "valid")])
    spec = train_charts.overlay_chart(frame, "step", "loss").to_dict()
    dashed = [layer for layer in spec["layer"] if "strokeDash" in layer.get("encoding", {})]
    assert len(dashed) == 1 and dashed[0]["mark"] == {"type": "line"}
    legend = dashed[0]["encoding"]["strokeDash"]["legend"]
    assert legend["symbolType"] == "stroke" and legend["symbolStrokeColor"] and legend["symbolStrokeWidth"] >= 1


def test_the_vocabulary_advice_fits_a_few_hundred_sentences():
    """Train upload: 240 sentences kept the preset's 8,000 pieces per side."""
    from seq2seq.service import runs

    words = [f"w{i}" for i in range(1200)]
    small = [" ".join(words[(7 * n + k) % 1200] for k in range(8)) for n in range(240)]
    fit = runs.vocabulary_fit(small, 8000)
    assert 260 < fit <= 1000, fit
    assert runs.vocabulary_fit(small, 300) == 300  # a vocabulary the data fills is kept
    assert runs.MIN_PAIRS == 200


def test_the_models_table_shows_the_scores_beside_the_name():
    """Models: at 1,400 px the score columns were past the right edge, behind twelve columns of architecture."""
    from apptest_helpers import no_exception, open_page

    app = no_exception(open_page("pages/5_Models.py"))
    order = list(app.dataframe[0].proto.column_order)
    assert order[:4] == ["model", "test BLEU", "test chrF", "test exact match"], order


def test_neighbour_contexts_read_as_words():
    """Inside -> Neighbours showed "les ai placé es [▁dans]": pieces split by spaces."""
    from seq2seq.analysis.neighbours import _subword_context

    assert _subword_context(["▁les", "▁ai", "▁plac", "é", "es"], "▁dans", ["▁ma", "▁valise", ".", "</s>"]) == \
        "les ai placées [dans] ma valise. </s>"
    assert _subword_context(["▁haut", "▁d"], "'", ["▁un"]) == "haut d['] un"
