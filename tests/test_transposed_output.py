"""A model loaded to decode keeps its output layer's weight transposed (seq2seq/nn/transposed.py): the
decodings must be those of the layer itself, and the copy must step aside whenever it could be stale
or a gradient is wanted."""
import pytest
import torch
from conftest import DATES_CHECKPOINT

from seq2seq.checkpoint import load_checkpoint
from seq2seq.config import DecodeConfig
from seq2seq.decoding.translator import Translator, load_translator

SENTENCES = ["March 5, 1987", "the 3rd of july 2001", "12/25/1999", "1 jan 2020"]


@pytest.fixture(scope="module")
def pair():
    """The same checkpoint loaded twice: to decode (with the copy) and plainly (without)."""
    prepared = load_translator(DATES_CHECKPOINT)
    plain = Translator(load_checkpoint(DATES_CHECKPOINT))
    assert prepared.model.decoder._decoding_output is not None
    assert plain.model.decoder._decoding_output is None
    return prepared, plain


@pytest.mark.parametrize("decode", [DecodeConfig(), DecodeConfig(strategy="beam", beam_size=5)], ids=["greedy", "beam"])
def test_decoding_with_the_copy_gives_the_layers_own_translations_and_probabilities(pair, decode):
    prepared, plain = pair
    assert prepared.translate(SENTENCES, decode) == plain.translate(SENTENCES, decode)
    for sentence in SENTENCES:
        ours, theirs = prepared.trace(sentence, decode), plain.trace(sentence, decode)
        assert ours.output_ids == theirs.output_ids
        assert [s.logprob for s in ours.steps] == pytest.approx([s.logprob for s in theirs.steps], abs=1e-5)
        assert [c.logit for c in ours.steps[0].top] == pytest.approx([c.logit for c in theirs.steps[0].top], abs=1e-4)


def test_the_copy_is_used_only_without_gradients_and_while_the_weight_is_unchanged():
    decoder = load_translator(DATES_CHECKPOINT).model.decoder
    out = torch.randn(3, decoder.output.in_features)
    copy = decoder._decoding_output
    with torch.inference_mode():
        assert copy.usable()
        assert torch.allclose(decoder.project(out), decoder.output(out), atol=1e-5)
    assert not copy.usable()  # gradients on: training's unroll goes through the layer itself
    logits = decoder.project(out)
    assert logits.requires_grad and logits.grad_fn is not None
    with torch.no_grad():
        decoder.output.weight.add_(1.0)  # an optimiser step or a reload changes the weight in place
        assert not copy.usable()
        assert torch.equal(decoder.project(out), decoder.output(out))


def test_a_deep_copy_of_a_loaded_model_does_not_use_the_originals_copy():
    """Attribution works on a private deep copy of the shared model (analysis/private_copy.py)."""
    import copy as copying

    model = load_translator(DATES_CHECKPOINT).model
    twin = copying.deepcopy(model)
    with torch.no_grad():
        twin.decoder.output.weight.mul_(0.5)
        out = torch.randn(2, twin.decoder.output.in_features)
        assert not twin.decoder._decoding_output.usable()
        assert torch.equal(twin.decoder.project(out), twin.decoder.output(out))
