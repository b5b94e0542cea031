"""Attribution (saliency, gradient × input, integrated gradients) and the faithfulness check."""
import copy

import pytest
import torch

from seq2seq.analysis.attribution import METHODS, attribute
from seq2seq.analysis.faithfulness import ATTENTION, removals, winners
from seq2seq.data.batches import pad_batch
from seq2seq.symbols import BOS_ID, EOS_ID

SOURCE = [4, 9, 6, 11, 5, 8, EOS_ID]
OUTPUT = [7, 5, 12, 4]


def logprob_at(model, source, output, step) -> float:
    """log p(output[step]) by the model's plain forward pass (independent of the attribution code)."""
    src, lengths = pad_batch([source])
    tgt_in = torch.tensor([[BOS_ID] + output[:step]])
    with torch.inference_mode():
        logits = model(src, lengths, tgt_in).logits[0, step]
    return float(torch.log_softmax(logits, -1)[(output + [EOS_ID])[step]])


@pytest.mark.parametrize("cell,attention", [("gru", "bahdanau"), ("lstm", "luong"), ("rnn", "none")])
def test_integrated_gradients_are_complete(make_bundle, cell, attention):
    """Σ_j IG_j = f(x) − f(baseline) within 1%, with f(baseline) computed here on a copy whose source
    embeddings are all zero (the baseline) but whose source, lengths and mask are the real ones."""
    model = make_bundle(cell=cell, attention=attention, seed=3).model
    zeroed = copy.deepcopy(model)
    with torch.no_grad():
        zeroed.encoder.embedding.weight.zero_()
    for step in range(len(OUTPUT) + 1):
        found = attribute(model, SOURCE, OUTPUT, step)
        full, baseline = logprob_at(model, SOURCE, OUTPUT, step), logprob_at(zeroed, SOURCE, OUTPUT, step)
        assert found.logprob == pytest.approx(full, abs=1e-5)
        assert found.baseline_logprob == pytest.approx(baseline, abs=1e-5)
        total = sum(found.scores["integrated_gradients"])
        assert abs(full - baseline) > 1e-3  # the check below means something
        assert abs(total - (full - baseline)) <= 0.01 * abs(full - baseline)


def test_an_ignored_source_piece_gets_zero_from_every_method(make_bundle):
    """Without attention and with no recurrent weights, the encoder's last state (all the decoder
    sees) depends on the last source piece only: the others are ignored, exactly."""
    model = make_bundle(cell="rnn", attention="none", bidirectional=False, seed=1).model
    with torch.no_grad():
        model.encoder.rnn.weight_hh_l0.zero_()
    for step in (0, 2):
        found = attribute(model, SOURCE, OUTPUT, step)
        for method in METHODS:
            assert all(score == 0.0 for score in found.scores[method][:-1]), method
        assert found.scores["saliency"][-1] > 1e-4
        assert abs(found.scores["integrated_gradients"][-1]) > 1e-4


def test_the_shared_model_is_left_untouched(make_bundle):
    model = make_bundle(attention="bahdanau").model
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    flags = {name: p.requires_grad for name, p in model.named_parameters()}
    with torch.inference_mode():  # as a page may call it
        attribute(model, SOURCE, OUTPUT, 1)
    assert not model.training
    assert {name: p.requires_grad for name, p in model.named_parameters()} == flags
    assert all(torch.equal(p, before[name]) for name, p in model.named_parameters())
    assert all(p.grad is None for p in model.parameters())
    assert not any(module._forward_hooks for module in model.modules())


def test_attention_weights_of_the_step_come_along(make_bundle):
    model = make_bundle(attention="bahdanau").model
    found = attribute(model, SOURCE, OUTPUT, 2)
    assert len(found.attention) == len(SOURCE) and sum(found.attention) == pytest.approx(1.0, abs=1e-5)
    assert attribute(make_bundle(attention="none").model, SOURCE, OUTPUT, 2).attention is None


def test_removing_an_ignored_piece_changes_nothing_and_the_read_one_does(make_bundle):
    model = make_bundle(cell="rnn", attention="none", bidirectional=False, seed=1).model
    with torch.no_grad():
        model.encoder.rnn.weight_hh_l0.zero_()
    found = attribute(model, SOURCE, OUTPUT, 0)
    removed = removals(model, SOURCE, OUTPUT, found)
    last = len(SOURCE) - 1
    assert removed[0].pointer == "saliency" and removed[0].position == last  # the only piece it is sensitive to
    for removal in removed:
        if removal.position == last:
            assert abs(removal.drop) > 1e-4
        else:  # a signed method may rank the last piece below the zeros when it argues against the piece
            assert removal.drop == pytest.approx(0.0, abs=1e-7)
    assert removed[0].prob_before == pytest.approx(torch.tensor(found.logprob).exp().item(), abs=1e-5)


def test_faithfulness_compares_attention_with_each_method(make_bundle):
    model = make_bundle(attention="bahdanau", seed=2).model
    found = attribute(model, SOURCE, OUTPUT, 1)
    removed = removals(model, SOURCE, OUTPUT, found)
    assert [r.pointer for r in removed] == [ATTENTION, *METHODS]
    top_attention = max(range(len(SOURCE)), key=lambda i: found.attention[i])
    assert removed[0].position == top_attention
    assert all(0.0 <= r.prob_after <= 1.0 for r in removed)
    assert set(winners(removed)) <= {r.pointer for r in removed}


def test_a_step_outside_the_output_is_a_user_error(make_bundle):
    from seq2seq.errors import UserError

    with pytest.raises(UserError, match="step 9"):
        attribute(make_bundle().model, SOURCE, OUTPUT, 9)
