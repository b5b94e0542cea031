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
