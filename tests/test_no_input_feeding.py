"""The decoder without input feeding (Luong et al. 2015): attention read after the recurrence, so training
attends for every target step at once. It must compute exactly what its equations say, and the batched
unroll must give what the step-by-step loop gives."""
import itertools

import pytest
import torch

from seq2seq.config import ModelConfig
from seq2seq.data.batches import pad_batch
from seq2seq.nn.model import Seq2Seq
from seq2seq.symbols import BOS_ID

SOURCES = [[4, 5, 6, 7, 8, 3], [9, 10, 3], [11, 3]]
TARGETS = torch.tensor([[BOS_ID, 4, 5, 6, 7], [BOS_ID, 8, 9, 0, 0], [BOS_ID, 10, 0, 0, 0]])


def model_of(seed=0, **options) -> Seq2Seq:
    torch.manual_seed(seed)
    sizes = {"emb_dim": 8, "enc_hidden": 6, "dec_hidden": 10, "dropout": 0.0, "input_feeding": False}
    return Seq2Seq(ModelConfig(14, 12, **{**sizes, **options})).eval()


def test_one_step_by_hand():
    """x_t = E y_{t-1}; s_t = GRU(x_t, s_{t-1}); e_tj = v^T tanh(W_q s_t + W_k h_j); α = softmax(e);
    c_t = Σ α_tj h_j; h~_t = tanh(W_c [s_t; c_t]); z_t = W_hy h~_t + b_y — written out with the weights."""
    model = model_of(attention="bahdanau")
    decoder = model.decoder
    src, lengths = pad_batch(SOURCES)
    encoded, memory, state = model.encode(src, lengths)
    prev = torch.tensor([4, 5, 6])
    logits, new_state, weights = decoder.step(prev, state, memory)

    x = decoder.embedding.weight[prev]  # no previous attentional vector is fed
    cell = decoder.cells[0]
    gi = x @ cell.weight_ih.T + cell.bias_ih
    gh = state.hidden[0] @ cell.weight_hh.T + cell.bias_hh
    (i_r, i_z, i_n), (h_r, h_z, h_n) = gi.chunk(3, -1), gh.chunk(3, -1)
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
    s = (1 - z) * torch.tanh(i_n + r * h_n) + z * state.hidden[0]
    attention = decoder.attention
    e = (torch.tanh(encoded.states @ attention.key_proj.weight.T + (s @ attention.query_proj.weight.T)[:, None])
         @ attention.v.weight.T).squeeze(-1)
    e = e.masked_fill(src == 0, float("-inf"))
    alpha = torch.softmax(e, -1)
    c = (alpha[:, :, None] * encoded.states).sum(1)
    h_tilde = torch.tanh(torch.cat([s, c], -1) @ decoder.combine.weight.T + decoder.combine.bias)
    z_t = h_tilde @ decoder.output.weight.T + decoder.output.bias

    assert decoder.embedding.weight.shape[1] == cell.weight_ih.shape[1]  # the input is the embedding alone
    assert torch.allclose(new_state.hidden[0], s, atol=1e-6)
    assert torch.allclose(weights, alpha, atol=1e-6)
    assert torch.allclose(logits, z_t, atol=1e-5)
    assert new_state.feed is None


@pytest.mark.parametrize("cell,attention,layers", itertools.product(("rnn", "gru", "lstm"),
                                                                    ("bahdanau", "luong", "none"), (1, 2)))
def test_the_batched_unroll_equals_the_step_loop(cell, attention, layers):
    model = model_of(cell=cell, attention=attention, dec_layers=layers)
    src, lengths = pad_batch(SOURCES)
    _, memory, state = model.encode(src, lengths)
    batched, batched_weights = model.unroll(TARGETS, state, memory)
    seen = []
    stepped, stepped_weights = model.unroll(TARGETS, state, memory, hook=lambda *args: seen.append(args[0]))
    assert seen == list(range(TARGETS.size(1)))  # the hook forced the step-by-step path
    assert torch.allclose(batched, stepped, atol=1e-5)
    if attention == "none":
        assert batched_weights is None and stepped_weights is None
    else:
        assert torch.allclose(batched_weights, stepped_weights, atol=1e-6)


def test_gradients_of_the_batched_unroll_equal_the_step_loop():
    model = model_of(attention="bahdanau").train()
    src, lengths = pad_batch(SOURCES)
    grads = []
    for hook in (None, lambda *args: None):
        model.zero_grad()
        _, memory, state = model.encode(src, lengths)
        model.unroll(TARGETS, state, memory, hook=hook).logits.sum().backward()
        grads.append({name: p.grad.clone() for name, p in model.named_parameters() if p.grad is not None})
    assert grads[0].keys() == grads[1].keys()
    assert all(torch.allclose(grads[0][name], grads[1][name], atol=1e-5) for name in grads[0])
