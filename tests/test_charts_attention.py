"""The attention heatmap's options (without </s>, by whole words) and the readability rules every chart
builder keeps: Vega-safe field names and no label dropped from a piece axis."""
from __future__ import annotations

from pathlib import Path

import pytest

from seq2seq.config import DecodeConfig
from seq2seq.service import load_translator
from studio.inside import charts as inside_charts
from studio.shared.charts import attention, pieces
from studio.shared.charts import beam as beam_charts
from studio.shared.charts.attention import AttentionGrid, merged_words, with_eos_hidden, word_groups
from studio.step import charts as step_charts
from studio.train import charts as train_charts
from studio.translate import charts as translate_charts

DATES = Path(__file__).resolve().parent.parent / "checkpoints" / "dates"
PIECES = ["▁I", "▁li", "ke", "▁cats", ".", "</s>"]
OUTPUTS = ["▁J", "'", "aime", "▁les", "▁chats", "</s>"]


@pytest.fixture(scope="module")
def translator():
    return load_translator(DATES)


def grid(rows: list[list[float]]) -> AttentionGrid:
    return AttentionGrid(PIECES, OUTPUTS, rows)


def test_subword_pieces_group_into_words_at_the_word_marker_and_specials_stand_alone():
    assert word_groups(PIECES, char_level=False) == [[0], [1, 2], [3, 4], [5]]
    assert word_groups(OUTPUTS, char_level=False) == [[0, 1, 2], [3], [4], [5]]


def test_characters_group_into_words_between_spaces():
    assert word_groups(list("ab cd") + ["</s>"], char_level=True) == [[0, 1], [2], [3, 4], [5]]


def test_whole_words_sum_over_source_pieces_and_average_over_output_pieces():
    rows = [[0.5, 0.1, 0.2, 0.05, 0.05, 0.1], [0.1, 0.1, 0.1, 0.1, 0.1, 0.5], [0.0, 0.6, 0.3, 0.0, 0.0, 0.1],
            [0.0, 0.0, 0.0, 0.9, 0.0, 0.1], [0.0, 0.0, 0.0, 0.2, 0.7, 0.1], [0.0, 0.0, 0.0, 0.0, 0.0, 1.0]]
    words = merged_words(grid(rows), char_level=False)
    assert words.sources == ["I", "like", "cats.", "</s>"] and words.outputs == ["J'aime", "les", "chats", "</s>"]
    # "J'aime" is three output pieces: its row is the mean of their rows, each summed over "like" = li + ke.
    assert words.weights[0][1] == pytest.approx(((0.1 + 0.2) + (0.1 + 0.1) + (0.6 + 0.3)) / 3)
    assert words.weights[2][2] == pytest.approx(0.2 + 0.7)  # "chats" looked at "cats." = ▁cats + .
    assert all(sum(row) == pytest.approx(1.0) for row in words.weights)


def test_hiding_eos_drops_its_column_and_renormalises_each_row():
    rows = [[0.3, 0.1, 0.1, 0.0, 0.0, 0.5]] * 6
    hidden = with_eos_hidden(grid(rows))
    assert "</s>" not in hidden.sources and len(hidden.weights[0]) == 5
    assert hidden.weights[0][0] == pytest.approx(0.3 / 0.5) and sum(hidden.weights[0]) == pytest.approx(1.0)
    only_eos = with_eos_hidden(grid([[0, 0, 0, 0, 0, 1.0]] * 6))
    assert only_eos.weights[0] == [0, 0, 0, 0, 0]  # nothing left to renormalise: no division by zero


def test_the_heatmap_options_change_the_drawn_grid_of_a_real_trace(translator):
    trace = translator.trace("March 5, 1987")
    plain = attention.attention_frame(trace)
    hidden = attention.attention_heatmap(trace, hide_eos=True).data
    assert len(hidden) == len(plain) - len(trace.steps)  # one column fewer
    assert hidden.groupby("output")["weight"].sum().round(6).eq(1.0).all()
    words = attention.attention_heatmap(trace, words=True, char_level=True).data
    assert sorted(set(words["source piece"])) == sorted({"March", "␣", "5,", "1987", "</s>"})


def fields(spec) -> set[str]:
    """Every field name a Vega-Lite spec reads (encodings, tooltips, sorts)."""
    found = set()
    if isinstance(spec, dict):
        for name, value in spec.items():
            if name == "field" and isinstance(value, str):
                found.add(value)
            found |= fields(value)
    elif isinstance(spec, list):
        for value in spec:
            found |= fields(value)
    return found


def piece_axes(spec) -> list[dict]:
    if isinstance(spec, dict):
        here = [spec["axis"]] if isinstance(spec.get("axis"), dict) and "labelExpr" in spec["axis"] else []
        return here + [a for value in spec.values() for a in piece_axes(value)]
    if isinstance(spec, list):
        return [a for value in spec for a in piece_axes(value)]
    return []


def every_chart(translator) -> dict[str, dict]:
    greedy = translator.trace("March 5, 1987")
    beam = translator.trace("March 5, 1987", DecodeConfig(strategy="beam", beam_size=3, n_best=3))
    forced = translator.teacher_forced("March 5, 1987", "1987-05-03")
    probe = {"src_pieces": ["a", "</s>"], "out_pieces": ["a", "</s>"], "attention": [[0.9, 0.1], [0.2, 0.8]]}
    return {
        "chips": pieces.output_chips(greedy.steps), "source": pieces.source_chips(greedy),
        "heatmap": attention.attention_heatmap(greedy, hide_eos=True, words=True, char_level=True),
        "candidates": pieces.candidates_chart(greedy.steps[0]),
        "step attention": step_charts.step_attention_chart(greedy.steps[0], greedy.src_pieces),
        "beam": beam_charts.beam_tree_chart(beam.beam, 2),
        "strategies": translate_charts.strategies_chart({"greedy": greedy, "beam": beam}),
        "exposure": translate_charts.exposure_chart(forced), "probe": train_charts.probe_heatmap(probe),
        "kl": inside_charts.kl_chart(inside_charts.kl_frame(greedy.steps, [0.1] * len(greedy.steps),
                                                            [0.5] * len(greedy.steps), [0.4] * len(greedy.steps),
                                                            greedy.steps)),
    }


def test_no_chart_reads_a_field_whose_name_vega_would_parse_as_a_path(translator):
    for name, chart in every_chart(translator).items():
        bad = [f for f in fields(chart.to_dict()) if set(f) & set("'\".[]\\")]
        assert bad == [], f"{name}: {bad}"


def test_piece_axes_never_drop_labels(translator):
    for name, chart in every_chart(translator).items():
        for axis in piece_axes(chart.to_dict()):
            assert axis.get("labelOverlap") is False, name


def test_strategies_wrap_long_outputs_into_lines_that_fit_the_row(translator):
    trace = translator.trace("March 5, 1987")
    chart = translate_charts.strategies_chart({"greedy": trace, "beam": trace}, row_px=200)
    per_line = 200 // pieces.chip_step([p for p in chart.data["piece"]])
    assert chart.data["col"].max() == per_line - 1 and chart.data["line"].max() == (len(trace.steps) - 1) // per_line
