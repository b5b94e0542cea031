"""Contrastive attribution (why the chosen piece X rather than a candidate Y) and its faithfulness check."""
import copy
import math

import pytest
import torch

from seq2seq.analysis.attribution import attribute
from seq2seq.analysis.contrastive import contrast
from seq2seq.analysis.faithfulness import removals
from seq2seq.data.batches import pad_batch
from seq2seq.errors import UserError
from seq2seq.symbols import BOS_ID, EOS_ID

SOURCE = [4, 9, 6, 11, 5, 8, EOS_ID]
OUTPUT = [7, 5, 12, 4]
FOIL = 9  # a piece the output never has at any step


def contrast_at(model, source, output, step, foil) -> float:
    """log p(X) − log p(Y) by the model's plain forward pass (independent of the attribution code)."""
    src, lengths = pad_batch([source])
    tgt_in = torch.tensor([[BOS_ID] + output[:step]])
    with torch.inference_mode():
        logp = torch.log_softmax(model(src, lengths, tgt_in).logits[0, step], -1)
    return float(logp[(output + [EOS_ID])[step]] - logp[foil])


def zero_inputs(model):
    """The baseline as a model: every source embedding and every output-piece embedding but the start
    symbol's at zero."""
    zeroed = copy.deepcopy(model)
    with torch.no_grad():
        zeroed.encoder.embedding.weight.zero_()
        keep = zeroed.decoder.embedding.weight[BOS_ID].clone()
        zeroed.decoder.embedding.weight.zero_()
        zeroed.decoder.embedding.weight[BOS_ID] = keep
    return zeroed


@pytest.mark.parametrize("options", [{"cell": "gru", "attention": "bahdanau"},
                                     {"cell": "gru", "attention": "bahdanau", "input_feeding": False},
                                     {"cell": "lstm", "attention": "luong"}, {"cell": "rnn", "attention": "none"}])
def test_integrated_gradients_over_source_and_output_pieces_are_complete(make_bundle, options):
    """Σ IG over the source pieces and the output pieces written so far = f(x) − f(baseline) within 1%,
    with both ends computed here by plain forward passes. Without input feeding the decoder embeds all
    its inputs at once, with it one step at a time: both paths are covered."""
    model = make_bundle(seed=3, **options).model
    zeroed = zero_inputs(model)
    for step in range(len(OUTPUT) + 1):
        found = contrast(model, SOURCE, OUTPUT, step, FOIL)
        full, baseline = contrast_at(model, SOURCE, OUTPUT, step, FOIL), contrast_at(zeroed, SOURCE, OUTPUT, step, FOIL)
        assert found.contrast == pytest.approx(full, abs=1e-5)
        assert found.baseline_contrast == pytest.approx(baseline, abs=1e-5)
        assert len(found.output_scores["integrated_gradients"]) == step
        total = sum(found.scores["integrated_gradients"]) + sum(found.output_scores["integrated_gradients"])
        assert abs(full - baseline) > 1e-3  # the check below means something
        assert abs(total - (full - baseline)) <= 0.01 * abs(full - baseline)


def test_the_contrasts_gradient_is_the_difference_of_the_two_pieces_gradients(make_bundle):
    """The gradient is linear: gradient × input of log p(X) − log p(Y) over the source is that of log p(X)
    minus that of log p(Y), each taken by the single-piece attribution (Y put at the step's place)."""
    model = make_bundle(cell="gru", attention="bahdanau", seed=2).model
    step = 2
    found = contrast(model, SOURCE, OUTPUT, step, FOIL)
    of_x = attribute(model, SOURCE, OUTPUT, step).scores["gradient_x_input"]
    of_y = attribute(model, SOURCE, OUTPUT[:step] + [FOIL], step).scores["gradient_x_input"]
    assert found.scores["gradient_x_input"] == pytest.approx([x - y for x, y in zip(of_x, of_y)], abs=1e-5)
    assert max(abs(v) for v in found.scores["gradient_x_input"]) > 1e-3


def test_an_earlier_output_piece_the_decoder_ignores_gets_zero(make_bundle):
    """With the decoder's input weights at zero the pieces fed back in cannot matter: every method gives
    them exactly zero, while the source still gets its share."""
    model = make_bundle(cell="rnn", attention="none", seed=1).model
    with torch.no_grad():
        model.decoder.cells[0].weight_ih.zero_()
    found = contrast(model, SOURCE, OUTPUT, 3, FOIL)
    for scores in found.output_scores.values():
        assert scores == [0.0, 0.0, 0.0]
    assert max(abs(v) for v in found.scores["integrated_gradients"]) > 1e-4


def test_a_piece_against_itself_is_refused_and_the_shared_model_is_untouched(make_bundle):
    model = make_bundle(attention="bahdanau").model
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    with pytest.raises(UserError, match="another candidate"):
        contrast(model, SOURCE, OUTPUT, 1, OUTPUT[1])
    with torch.inference_mode():  # as a page may call it
        contrast(model, SOURCE, OUTPUT, 1, FOIL)
    assert all(torch.equal(p, before[name]) for name, p in model.named_parameters())
    assert not any(module._forward_hooks for module in model.modules())


def test_on_the_dates_model_the_source_digit_explains_the_digit_over_its_neighbour(dates_translator):
    """"March 5, 1987" -> "1987-03-05": at the step writing the year's "7", the source "7" is what favours
    it over "8", and removing that piece turns the model's choice between the two around."""
    from seq2seq import service

    text = "March 5, 1987"
    trace = service.trace(dates_translator, text).trace
    assert trace.translation == "1987-03-05"
    eight = dates_translator.tgt.encode("8")[0]
    found = service.explain_contrast(dates_translator, text, trace.output_ids, 3, eight)
    assert (found.piece, found.foil) == ("7", "8") and found.output_pieces == ["1", "9", "8"]
    assert found.prob == pytest.approx(math.exp(trace.steps[3].logprob), abs=1e-4)
    ig = found.scores["integrated_gradients"]
    assert found.src_pieces[max(range(len(ig)), key=ig.__getitem__)] == "7"
    check = {r.pointer: r for r in found.removals}["integrated_gradients"]
    assert found.src_pieces[check.position] == "7"
    assert check.prob_before > 0.9 and check.prob_after < 0.5  # p(7 | 7 or 8) with and without the source "7"
    assert "integrated_gradients" in found.winners


def test_the_check_scores_the_choice_between_the_two(make_bundle):
    """p(X | X or Y) before any removal is sigmoid(log p(X) − log p(Y))."""
    model = make_bundle(cell="gru", attention="bahdanau", seed=4).model
    found = contrast(model, SOURCE, OUTPUT, 1, FOIL)
    for removal in removals(model, SOURCE, OUTPUT, found):
        assert removal.prob_before == pytest.approx(float(torch.sigmoid(torch.tensor(found.contrast))), abs=1e-5)
