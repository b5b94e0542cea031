"""Captions computed from the numbers drawn (seq2seq.analysis.readings): which cell keeps its gradient, whether
a run learned, what exact match by length shows; and the pattern search's threshold scan, default and hint."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from seq2seq.analysis import patterns
from seq2seq.analysis.readings import gradient_sentence, gradient_summary, learning, length_sentences, read_cells

# benchmarks/results/vanishing_gradients.json, rounded: the shipped trio retrained like-for-like.
MEASURED = {"rnn": {1: 0.21, 20: 0.46, 30: 0.18, 40: 0.06, 50: 0.0066, 60: 0.0003},
            "gru": {1: 0.04, 20: 0.31, 30: 0.30, 40: 0.31, 50: 0.31, 60: 0.26},
            "lstm": {1: 0.07, 20: 0.25, 30: 0.27, 40: 0.32, 50: 0.33, 60: 0.23}}


def test_the_measured_curves_say_the_rnn_loses_its_gradient_and_the_gated_cells_keep_theirs():
    readings = read_cells(MEASURED)
    rnn = readings[0]
    assert (rnn.peak_distance, rnn.far_distance) == (20, 60) and math.isclose(rnn.ratio, 0.0003 / 0.46)
    assert [r.verdict for r in readings] == ["vanished", "kept", "kept"]
    sentence = gradient_sentence(readings)
    assert sentence.startswith("The plain RNN loses its gradient: at 60 steps it is 1,533× smaller than at its peak")
    assert "The GRU and the LSTM keep theirs" in sentence
    summary = gradient_summary(readings)
    assert "rnn 0.0003 at 60 steps, 1,533× smaller than its peak 0.46 (at 20)" in summary
    assert "gru 0.26 at 60 steps, 1.2× smaller" in summary


def test_when_the_numbers_do_not_show_a_vanishing_gradient_the_words_do_not_claim_one():
    same = {cell: {d: 0.3 for d in range(1, 41)} for cell in ("rnn", "gru", "lstm")}
    sentence = gradient_sentence(read_cells(same))
    assert "keep theirs: at 40 steps the weakest is as large as its peak" in sentence
    assert "shows no vanishing gradient" in sentence and "loses its gradient:" not in sentence
    short = {cell: {1: 0.3, 2: 0.01, 3: 0.001} for cell in ("rnn", "gru")}
    assert "too short to tell" in gradient_sentence(read_cells(short))
    between = {"rnn": {1: 1.0, 30: 0.05}, "gru": {1: 1.0, 30: 0.5}}
    sentence = gradient_sentence(read_cells(between))
    assert "The plain RNN: 20× smaller than its peak" in sentence and "do not settle it" in sentence
    assert "vanishing gradient" not in sentence


def test_a_run_at_chance_level_or_failing_the_shortest_strings_did_not_learn():
    flat = learning(3.3, 30, "1-5", 0.0)  # the rnn/no-attention run of the cell × attention sweep
    assert not flat.learned and math.isclose(flat.chance, math.log(30))
    assert "no better than a uniform guess over its 30 output symbols (ln 30 = 3.40)" in flat.reason
    assert "0% exact match even on lengths 1-5" in flat.reason
    assert not learning(1.2, 30, "1-5", 0.02).learned  # below chance, but not even the shortest strings
    learned = learning(0.4, 30, "1-5", 0.98)
    assert learned.learned and "below a uniform guess's 3.40" in learned.reason
    assert learning(None, 30).learned and learning(None, 30).reason == "no loss or score recorded yet"


def rows(run: str, scores: list[float]) -> list[dict]:
    return [{"run": run, "lengths": f"{5 * i + 1}-{5 * i + 5}", "low": 5 * i + 1, "exact_match": s}
            for i, s in enumerate(scores)]


def test_length_captions_leave_out_runs_that_did_not_learn_and_rank_only_clear_gaps():
    table = rows("lstm/none", [1.0, 0.9, 0.3]) + rows("lstm/attn", [1.0, 1.0, 0.95]) + rows("rnn/none", [0, 0, 0])
    checks = {"lstm/none": learning(0.3, 30, "1-5", 1.0), "lstm/attn": learning(0.1, 30, "1-5", 1.0),
              "rnn/none": learning(3.3, 30, "1-5", 0.0)}
    said = length_sentences(table, checks)
    assert said[0].startswith("From the shortest to the longest inputs, exact match goes 100% → 30% for lstm/none")
    assert said[1] == "It falls most for lstm/none (70 points, 65 more than the next)."
    assert said[2].startswith("rnn/none did not learn (final loss 3.30")
    assert said[2].endswith("no evidence about length.")
    assert not any("rnn/none" in s for s in said[:2])
    close = length_sentences(rows("a", [1.0, 0.5]) + rows("b", [1.0, 0.45]), {})
    assert "do not rank them" in close[1]
    nothing = length_sentences(rows("rnn/none", [0, 0]), {"rnn/none": checks["rnn/none"]})
    assert nothing[0].startswith("No run here learned, so this chart says nothing")


def planted(pattern_second: float = 0.35):
    """40 sentences of 8 units in [-0.2, 0]; the span searched has unit 2 at 0.9 and unit 5 at
    `pattern_second`; elsewhere unit 2 alone is on (0.9) for 3 positions in sentences 7 and 21."""
    rng = np.random.default_rng(0)
    states, sentence, position = [], [], []
    for number in range(40):
        acts = rng.uniform(-0.2, 0.0, size=(10, 8))
        if number in (7, 21):
            acts[2:5, 2] = 0.9
        states.append(acts)
        sentence += [number] * 10
        position += list(range(10))
    mine = rng.uniform(-0.2, 0.0, size=(6, 8))
    mine[1:3, 2], mine[1:3, 5] = 0.9, pattern_second
    return mine, np.concatenate(states), np.array(sentence), np.array(position)


def test_the_scan_finds_that_only_raising_the_threshold_finds_matches_and_the_hint_says_so():
    mine, states, sentence, position = planted()
    scan = patterns.threshold_scan(mine, 1, 2, states, sentence, position)
    at = {c.threshold: c for c in scan}
    assert (at[0.3].units, at[0.3].matches) == (2, 0)  # units 2 and 5: never on together elsewhere
    assert (at[0.4].units, at[0.4].matches) == (1, 2)  # unit 2 alone: found in sentences 7 and 21
    assert patterns.suggested_threshold(scan) == 0.35
    hint = patterns.threshold_hint(scan, 0.3)
    assert hint.startswith("Nothing found at this threshold; raise the threshold to 0.35") and "lower" not in hint
    assert patterns.threshold_hint(scan, 0.5) == ""
    # Above 0.9 no unit is on over the span: only lowering finds the runs again.
    assert patterns.threshold_hint(scan, 0.95).startswith("Nothing found at this threshold; lower it to 0.85")


def test_without_any_threshold_that_matches_the_hint_asks_for_a_shorter_span():
    mine, states, sentence, position = planted()
    mine[1:5, 2] = 0.9  # a span of 4 where the rest only have runs of 3
    scan = patterns.threshold_scan(mine, 1, 4, states, sentence, position)
    assert patterns.suggested_threshold(scan) is None
    assert "select a shorter span" in patterns.threshold_hint(scan, 0.3)


def test_pattern_threshold_default_finds_matches_on_the_default_sentence():
    """The shipped default model's Neurons view, as it opens: its default threshold finds matches."""
    from seq2seq import service
    from seq2seq.config import DecodeConfig
    from seq2seq.errors import UserError

    info = service.find_model(service.DEFAULT_MODEL)
    translator = service.load_translator(info.path)
    try:
        reference = service.training_reference(translator, Path(info.path))
    except UserError as exc:  # the corpus is not on this machine
        import pytest
        pytest.skip(str(exc))
    trace = service.trace(translator, "I am very happy to see you.", DecodeConfig(), []).trace
    activations = service.trace_states(trace)["decoder"]
    last = len(trace.steps) - 1
    start, end = max(0, last // 2 - 1), last // 2  # the view's default span
    scan = service.pattern_thresholds(reference, "decoder", activations, start, end)
    threshold = service.suggested_threshold(scan)
    assert threshold is not None
    assert service.pattern_search(reference, "decoder", activations, start, end, threshold).matches
    assert pd.DataFrame(scan)["matches"].gt(0).any()
