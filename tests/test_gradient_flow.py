"""Vanishing gradients: gradient norms by distance, and exact match by input length."""
import copy
import random

import numpy as np
import pytest
import torch

from seq2seq.analysis.gradient_flow import distances, gradient_flow, mean_curve
from seq2seq.config import ModelConfig
from seq2seq.nn.model import Seq2Seq
from seq2seq.symbols import BOS_ID, EOS_ID


def untrained(cell: str, seed: int = 0) -> Seq2Seq:
    torch.manual_seed(seed)
    config = ModelConfig(30, 30, emb_dim=16, enc_hidden=32, dec_hidden=32, cell=cell, bidirectional=False,
                         attention="none", dropout=0.0)
    return Seq2Seq(config).eval()


def letters(length: int, seed: int = 0) -> list[int]:
    rng = random.Random(seed)
    return [rng.randrange(4, 30) for _ in range(length)]


def test_distance_counts_encoder_and_decoder_steps():
    found = distances(src_len=4, out_len=3)
    assert found[0].tolist() == [4, 3, 2, 1]  # the first output step, from the first source piece: 3 + 1
    assert found[2].tolist() == [6, 5, 4, 3]


def test_gradient_of_an_untrained_rnn_decays_with_distance():
    source = letters(20) + [EOS_ID]
    flow = gradient_flow(untrained("rnn"), source, source[:-1])
    assert flow.norms.shape == (21, 21)
    curve = flow.curve()
    near = np.mean([curve[d] for d in range(1, 6)])
    far = np.mean([curve[d] for d in range(20, 26)])
    assert far < 1e-3 * near  # orders of magnitude, not a wobble
    values = list(curve.values())
    falls = sum(b < a for a, b in zip(values, values[1:]))
    assert falls >= 0.9 * (len(values) - 1)  # nearly every extra step shrinks it
    last_step = flow.curve(step=20)
    assert min(last_step) == 21 and last_step[21] > last_step[max(last_step)]


def test_each_row_is_the_gradient_of_its_own_step():
    """Row t must equal the gradient of loss_t alone, taken here by plain autograd."""
    model = untrained("gru", seed=2)
    source = letters(6, seed=1) + [EOS_ID]
    target = letters(4, seed=2)
    flow = gradient_flow(model, source, target)
    src, lengths = torch.tensor([source]), torch.tensor([len(source)])
    gold = torch.tensor([target + [EOS_ID]])
    tgt_in = torch.cat([torch.tensor([[BOS_ID]]), gold[:, :-1]], dim=1)
    for step in (0, 3):
        twin = copy.deepcopy(model)
        embedded = {}

        def keep(module, inputs, output, embedded=embedded):  # this step's twin fills this step's dict
            output.retain_grad()
            embedded["e"] = output

        twin.encoder.embedding.register_forward_hook(keep)
        logits = twin(src, lengths, tgt_in).logits
        loss = -torch.log_softmax(logits, -1)[0, step, gold[0, step]]
        loss.backward()
        expected = embedded["e"].grad[0].norm(dim=-1).numpy()
        assert flow.norms[step] == pytest.approx(expected, rel=1e-4, abs=1e-9)


def test_mean_curve_covers_every_distance():
    pairs = [(letters(n, seed=n) + [EOS_ID], letters(n, seed=n)) for n in (3, 8)]
    curve = mean_curve(untrained("lstm"), pairs)
    assert sorted(curve) == list(range(1, 2 * 9))


def test_exact_match_by_length_buckets(dates_translator):
    from seq2seq.analysis.length_accuracy import exact_match_by_length
    from seq2seq.data.pairs import Pair
    from seq2seq.data.toy import make_toy_split

    pairs = make_toy_split("dates").test[:120]
    buckets = exact_match_by_length(dates_translator, pairs, bucket=10)
    assert sum(b.sentences for b in buckets) == 120
    assert all(b.high - b.low == 9 for b in buckets)
    overall = sum(b.exact_match * b.sentences for b in buckets) / 120
    assert overall > 0.9  # the shipped dates model is ~99.6% exact
    wrong = exact_match_by_length(dates_translator, [Pair(p.source, "nonsense") for p in pairs[:20]], bucket=10)
    assert all(b.exact_match == 0.0 for b in wrong)
