"""The service's explanations on the shipped dates model: attribution with its faithfulness check,
gradient curves, pattern search over the model's own state sample, exact match by length."""
import math

import numpy as np
import pytest

from seq2seq import service
from seq2seq.errors import UserError
from tests.conftest import DATES_CHECKPOINT

SENTENCE = "March 5, 1987"


def test_explain_piece_names_the_piece_and_the_source(dates_translator):
    trace = service.trace(dates_translator, SENTENCE).trace
    step = 5  # the month's first digit: "03" comes from "March"
    found = service.explain_piece(dates_translator, SENTENCE, trace.output_ids, step)
    assert found.piece == trace.steps[step].chosen_piece
    assert found.prob == pytest.approx(math.exp(trace.steps[step].logprob), abs=1e-4)
    assert found.src_pieces == trace.src_pieces
    assert set(found.scores) == set(service.ATTRIBUTION_METHODS)
    assert all(len(v) == len(trace.src_pieces) for v in found.scores.values())
    assert found.attention == pytest.approx(trace.steps[step].attention, abs=1e-5)
    assert [r.pointer for r in found.removals][0] == "attention" and found.winners
    assert abs(found.completeness_gap) <= 0.01 * abs(math.log(found.prob) - found.baseline_logprob)
    month = set(range(0, 5))  # "March"
    assert int(np.argmax(found.attention)) in month


def test_gradient_curve_of_a_toy_model(dates_translator):
    curve = service.gradient_curve(dates_translator, SENTENCE)
    assert curve.norms.shape == (len(curve.out_pieces), len(curve.src_pieces))
    assert curve.out_pieces[-1] == "</s>" and "".join(curve.out_pieces[:-1]) == "1987-03-05"
    assert min(curve.by_distance()) == 1 and all(v > 0 for v in curve.by_distance(step=0).values())
    with pytest.raises(UserError):
        service.gradient_curve(dates_translator, "  ")


def test_gradient_reference_is_the_right_answer_for_copy_tasks(make_bundle):
    from seq2seq.decoding.translator import Translator

    bundle = make_bundle()
    bundle.train_config = type(bundle.train_config)(data="toy:copy30", tokenizer=bundle.train_config.tokenizer)
    assert service.gradient_reference(Translator(bundle), "abcj") == "abcj"


def test_pattern_search_finds_the_sentence_it_was_taken_from(dates_translator):
    ref = service.training_reference(dates_translator, DATES_CHECKPOINT)
    family = "encoder_forward"
    states = ref.sample.families[family]
    rows = np.flatnonzero(states.sentence == 3)
    activations = states.states[rows]
    result = None
    for threshold in (0.5, 0.3, 0.1, 0.0):
        try:
            result = service.pattern_search(ref, family, activations, 1, 3, threshold)
            break
        except UserError:
            continue
    assert result is not None and result.units and result.searched == ref.sentences
    pieces = ref.sample.src_pieces[3]
    assert any(m.pieces == pieces and m.start <= 1 and m.end >= 3 for m in result.matches)
    assert all(m.end - m.start + 1 >= 3 for m in result.matches)


def test_length_table_of_the_dates_model():
    frame = service.experiments.length_table({"dates": DATES_CHECKPOINT}, sentences=100)
    assert frame["sentences"].sum() == 100 and set(frame["run"]) == {"dates"}
    assert (frame["exact_match"] * frame["sentences"]).sum() / 100 > 0.9
    assert list(frame["low"]) == sorted(frame["low"])
