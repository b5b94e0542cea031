"""The Lesson's service functions on the shipped plain tanh RNN: the encoder piece by piece is the model's
own (tanh of the pre-activations it reports gives its states), the bridge's s_0 is the decoder's first state,
the next-piece distributions are the trace's, and the Lesson's chart builders make valid Vega-Lite."""
from __future__ import annotations

import altair as alt
import numpy as np
import pytest
from conftest import ROOT

from seq2seq import service
from seq2seq.errors import UserError

PLAIN = ROOT / "checkpoints" / "plain-rnn-en-fr"
pytestmark = pytest.mark.skipif(not PLAIN.is_dir(), reason="plain-rnn-en-fr is not shipped")
SENTENCE = "I am very happy to see you."


@pytest.fixture(scope="module")
def plain():
    return service.load_translator(PLAIN)


def test_the_walk_is_the_models_own_encoder_and_bridge(plain):
    walk = service.source_walk(plain, SENTENCE)
    enc = walk.encoder
    config = plain.model.config
    assert walk.src_pieces[-1] == "</s>" and len(walk.src_pieces) == len(enc.forward)
    assert enc.embeddings.shape == (len(walk.src_pieces), config.emb_dim)
    assert enc.forward.shape[1] == enc.backward.shape[1] == config.enc_hidden
    np.testing.assert_allclose(np.tanh(enc.forward_pre), enc.forward, atol=1e-5)
    np.testing.assert_allclose(np.tanh(enc.backward_pre), enc.backward, atol=1e-5)
    trace = service.trace(plain, SENTENCE).trace
    np.testing.assert_allclose(enc.forward, np.asarray(trace.encoder_forward), atol=1e-5)
    np.testing.assert_allclose(enc.bridge_input, np.concatenate([enc.forward[-1], enc.backward[0]]), atol=1e-5)
    assert enc.bridge.shape == (config.dec_hidden,) and np.all(np.abs(enc.bridge) <= 1)


def test_the_distributions_are_the_traces_and_sum_to_one(plain):
    trace = service.trace(plain, SENTENCE).trace
    probabilities = service.output_distributions(plain, SENTENCE, trace.output_ids)
    assert probabilities.shape == (len(trace.steps), plain.model.config.tgt_vocab_size)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-4)
    chosen = [probabilities[t, step.chosen_id] for t, step in enumerate(trace.steps)]
    np.testing.assert_allclose(chosen, [np.exp(step.logprob) for step in trace.steps], rtol=1e-3)
    assert service.training_history(service.find_model("plain-rnn-en-fr"))[0]["type"] == "train"
    with pytest.raises(UserError):
        service.source_walk(plain, "   ")


def test_the_lessons_charts_are_valid_vega_lite(plain):
    import pandas as pd

    from studio.lesson import charts

    walk = service.source_walk(plain, SENTENCE).encoder
    trace = service.trace(plain, SENTENCE).trace
    frame = pd.DataFrame({"candidate": ["000 a", "001 b"], "piece": ["a", "b"], "role": ["chosen", "alternative"],
                          "logit": [2.0, 1.0], "probability": [0.7, 0.3]})
    built = [
        charts.vectors_chart([("x", walk.embeddings[0]), ("h", walk.forward[0])], focus=["h"], split=64),
        charts.cell_chart(walk.forward_pre[0], walk.forward[0]),
        charts.word_change_chart(["I", "am"], [0.1, 0.2], 1),
        charts.vocabulary_chart(service.output_distributions(plain, SENTENCE, trace.output_ids)[0], 5, {5: "▁Je"}),
        charts.top_chart(frame, "logit", "logit z", ".2f"),
        charts.output_progress_chart(["▁Je", "</s>"], [0.9, 0.8], 1),
        charts.curves_chart(pd.DataFrame({"step": [1, 2], "value": [3.0, 2.0], "curve": "training loss"}), 8.3, "loss"),
        charts.piece_loss_chart(["▁Je", "</s>"], [0.5, 0.1]),
        charts.attention_chart(["▁I", "</s>"], ["▁Je", "</s>"], [[0.9, 0.1], [0.2, 0.8]], [0], 1),
        charts.step_weights_chart(["▁I", "</s>"], [0.9, 0.1], [0], 1),
        charts.letters_chart("iamhappy", [3, 4]),
    ]
    for chart in built:
        with alt.data_transformers.disable_max_rows():
            spec = chart.to_dict()  # validates against the Vega-Lite schema
        assert spec["usermeta"] == charts.SVG
