"""Exact nearest-neighbour search over reference states, and what a neighbour row shows."""
from __future__ import annotations

import numpy as np
import pytest

from seq2seq.analysis.neighbours import StateIndex, describe
from seq2seq.analysis.states import StateSample, StateSet
from seq2seq.data.pairs import Pair


def brute_force(states: np.ndarray, query: np.ndarray, metric: str, k: int) -> tuple[list[int], list[float]]:
    scores = []
    for row in states:
        if metric == "cosine":
            scores.append(float(row @ query / (np.linalg.norm(row) * np.linalg.norm(query))))
        else:
            scores.append(float(np.linalg.norm(row - query)))
    order = sorted(range(len(states)), key=lambda i: -scores[i] if metric == "cosine" else scores[i])[:k]
    return order, [scores[i] for i in order]


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_search_is_exact_against_brute_force(metric):
    rng = np.random.default_rng(3)
    states = rng.normal(size=(250, 16)).astype(np.float32)
    index = StateIndex(states, metric)
    for query in rng.normal(size=(5, 16)):
        expected_rows, expected_scores = brute_force(states.astype(np.float64), query, metric, 12)
        hits = index.search(query, 12)
        assert [h.row for h in hits] == expected_rows
        np.testing.assert_allclose([h.score for h in hits], expected_scores, rtol=1e-9, atol=1e-9)
        assert [h.rank for h in hits] == list(range(1, 13))


def test_a_stored_state_is_its_own_nearest_neighbour():
    states = np.random.default_rng(4).normal(size=(60, 8))
    for metric, perfect in (("cosine", 1.0), ("euclidean", 0.0)):
        first = StateIndex(states, metric).search(states[17], 1)[0]
        assert first.row == 17 and first.score == pytest.approx(perfect, abs=1e-6)


def test_zero_states_do_not_break_cosine_search():
    states = np.zeros((3, 4))
    states[2] = [1.0, 0.0, 0.0, 0.0]
    hits = StateIndex(states, "cosine").search(np.array([1.0, 0.0, 0.0, 0.0]), 3)
    assert hits[0].row == 2 and np.isfinite([h.score for h in hits]).all()


def test_unknown_metric_is_refused():
    with pytest.raises(ValueError):
        StateIndex(np.ones((2, 2)), "manhattan")


def fixture_sample() -> StateSample:
    states = StateSet(np.eye(3, dtype=np.float32), np.array([0, 0, 1], dtype=np.int32),
                      np.array([0, 2, 1], dtype=np.int32))
    src_pieces = [["a", "b", " ", "c", "</s>"], ["d", "e", "</s>"]]
    return StateSample("train", [Pair("ab c", "x"), Pair("de", "y")], src_pieces, [["x", "</s>"], ["y", "</s>"]],
                       {"encoder_forward": states})


def test_a_neighbour_names_its_sentence_piece_and_context():
    sample = fixture_sample()
    hit = StateIndex(sample.families["encoder_forward"].states).search(np.array([0.0, 1.0, 0.1]), 1)[0]
    row = describe(sample, "encoder_forward", hit, char_level=True)
    assert row["piece"] == " " and row["position"] == 3 and row["source"] == "ab c"
    assert row["context"] == "ab [ ] c</s>"
    assert sample.piece("encoder_forward", 2) == "e"
