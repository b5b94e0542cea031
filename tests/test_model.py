"""Shapes, masks and equations of the encoder, bridge, attention, decoder and cells."""
import itertools

import pytest
import torch
from torch import nn

from seq2seq.config import ATTENTIONS, ModelConfig
from seq2seq.data.batches import pad_batch
from seq2seq.errors import UserError
from seq2seq.nn.cells import gru_gates, lstm_gates, rnn_preactivation
from seq2seq.nn.decoder import DecoderState, StepDetails
from seq2seq.nn.model import Seq2Seq
from seq2seq.symbols import BOS_ID, PAD_ID

SOURCES = [[4, 5, 6, 7, 8, 3], [9, 10, 3], [11, 3]]  # different lengths: rows 1 and 2 are padded


def tiny_model(seed=0, **options) -> Seq2Seq:
    torch.manual_seed(seed)
    sizes = {"emb_dim": 8, "enc_hidden": 6, "dec_hidden": 10, "dropout": 0.0}
    return Seq2Seq(ModelConfig(14, 12, **{**sizes, **options})).eval()


def dot_sizes(bidirectional: bool) -> dict:
    """dot attention compares s_t with h_j directly, so the sizes must match."""
    return {"enc_hidden": 6, "dec_hidden": 12 if bidirectional else 6, "bidirectional": bidirectional}


@pytest.mark.parametrize("cell,bidirectional,layers", itertools.product(("rnn", "gru", "lstm"), (True, False), (1, 2)))
def test_encoder_and_bridge_shapes(cell, bidirectional, layers):
    model = tiny_model(cell=cell, bidirectional=bidirectional, enc_layers=layers, dec_layers=layers)
    src, lengths = pad_batch(SOURCES)
    encoded, memory, state = model.encode(src, lengths)
    directions = 2 if bidirectional else 1
    assert encoded.states.shape == (3, 6, 6 * directions)
    assert encoded.final.shape == (3, 6 * directions)
    assert state.hidden.shape == (layers, 3, 10)
    if cell == "lstm":
        assert encoded.final_cell.shape == (3, 6 * directions)
        assert state.cell.shape == (layers, 3, 10)
    else:
        assert encoded.final_cell is None and state.cell is None
    # Padded positions of the packed RNN output are exactly zero and masked out.
    assert torch.equal(memory.mask, src != PAD_ID)
    assert encoded.states[1, 3:].abs().sum() == 0 and encoded.states[2, 2:].abs().sum() == 0


@pytest.mark.parametrize("attention,bidirectional", itertools.product(ATTENTIONS, (True, False)))
def test_padding_positions_get_zero_attention_weight(attention, bidirectional):
    options = dot_sizes(bidirectional) if attention == "dot" else {"bidirectional": bidirectional}
    model = tiny_model(attention=attention, **options)
    src, lengths = pad_batch(SOURCES)
    _, memory, state = model.encode(src, lengths)
    logits, new_state, weights = model.decoder.step(torch.full((3,), BOS_ID), state, memory)
    assert logits.shape == (3, 12)
    assert new_state.hidden.shape == (1, 3, model.config.dec_hidden)
    if attention == "none":
        assert weights is None and new_state.feed is None
        return
    assert weights.shape == (3, 6)
    assert torch.all(weights[~memory.mask] == 0)
    assert torch.all(weights[memory.mask] > 0)
    assert torch.allclose(weights.sum(-1), torch.ones(3))
    assert new_state.feed.shape == (3, model.config.out_dim)


def test_padding_does_not_change_a_sentence_result():
    model = tiny_model(cell="lstm", attention="luong")
    tgt_in = torch.tensor([[BOS_ID, 4, 5]] * 3)
    src, lengths = pad_batch(SOURCES)
    batched = model(src, lengths, tgt_in).logits
    for row, source in enumerate(SOURCES):
        alone_src, alone_len = pad_batch([source])
        assert torch.allclose(model(alone_src, alone_len, tgt_in[:1]).logits[0], batched[row], atol=1e-5)


def test_forward_equals_a_loop_of_decoder_steps():
    model = tiny_model(cell="gru", attention="bahdanau", dec_layers=2, enc_layers=2)
    src, lengths = pad_batch(SOURCES)
    tgt_in = torch.tensor([[BOS_ID, 4, 5, 6]] * 3)
    logits = model(src, lengths, tgt_in).logits
    assert logits.shape == (3, 4, 12)
    _, memory, state = model.encode(src, lengths)
    for t in range(4):
        step_logits, state, _ = model.decoder.step(tgt_in[:, t], state, memory)
        assert torch.allclose(step_logits, logits[:, t], atol=1e-5)


def test_rnn_encoder_is_the_textbook_recurrence_in_both_directions():
    model = tiny_model(cell="rnn", bidirectional=True)
    rnn = model.encoder.rnn
    src, lengths = pad_batch([[4, 5, 6, 3], [7, 3]])
    encoded = model.encoder(src, lengths)
    for row, length in enumerate(lengths.tolist()):
        x = model.encoder.embedding(src[row, :length])  # (T, E)
        forward = _recurrence(x, rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0 + rnn.bias_hh_l0)
        backward = _recurrence(x.flip(0), rnn.weight_ih_l0_reverse, rnn.weight_hh_l0_reverse,
                               rnn.bias_ih_l0_reverse + rnn.bias_hh_l0_reverse).flip(0)
        assert torch.allclose(encoded.states[row, :length, :6], forward, atol=1e-6)
        assert torch.allclose(encoded.states[row, :length, 6:], backward, atol=1e-6)
        # The bridge input: the forward state after the last piece, the backward one after the first.
        assert torch.allclose(encoded.final[row], torch.cat([forward[-1], backward[0]]), atol=1e-6)


def _recurrence(x, w_eh, w_hh, b_h):
    """h_i = tanh(W_eh x_i + W_hh h_{i-1} + b_h), h_0 = 0."""
    h, states = torch.zeros(w_hh.size(0)), []
    for x_i in x:
        h = torch.tanh(w_eh @ x_i + w_hh @ h + b_h)
        states.append(h)
    return torch.stack(states)


def test_gru_gates_rebuild_the_fused_cell_output():
    torch.manual_seed(1)
    cell, x, h = nn.GRUCell(5, 7), torch.randn(3, 5), torch.randn(3, 7)
    g = gru_gates(cell, x, h)
    rebuilt = (1 - g["update"]) * g["candidate"] + g["update"] * h
    assert torch.allclose(rebuilt, cell(x, h), atol=1e-6)


def test_lstm_gates_rebuild_the_fused_cell_output():
    torch.manual_seed(2)
    cell, x, h, c = nn.LSTMCell(5, 7), torch.randn(3, 5), torch.randn(3, 7), torch.randn(3, 7)
    g = lstm_gates(cell, x, h)
    c_new = g["forget"] * c + g["input"] * g["cell_candidate"]
    fused_h, fused_c = cell(x, (h, c))
    assert torch.allclose(c_new, fused_c, atol=1e-6)
    assert torch.allclose(g["output"] * torch.tanh(c_new), fused_h, atol=1e-6)


def test_rnn_preactivation_rebuilds_the_fused_cell_output():
    torch.manual_seed(3)
    cell, x, h = nn.RNNCell(5, 7), torch.randn(3, 5), torch.randn(3, 7)
    assert torch.allclose(torch.tanh(rnn_preactivation(cell, x, h)["preactivation"]), cell(x, h), atol=1e-6)


@pytest.mark.parametrize("cell", ("rnn", "gru", "lstm"))
def test_decoder_details_gates_match_every_layer_of_the_step(cell):
    """The gates the trace shows are those of the inputs each layer really received."""
    model = tiny_model(cell=cell, dec_layers=2)
    src, lengths = pad_batch(SOURCES)
    _, memory, state = model.encode(src, lengths)
    details = StepDetails()
    _, new_state, _ = model.decoder.step(torch.full((3,), BOS_ID), state, memory, details)
    assert len(details.layer_inputs) == len(details.previous_hidden) == 2
    for layer in range(2):
        h_prev = state.hidden[layer]
        assert torch.equal(details.previous_hidden[layer], h_prev)
        gates = model.decoder.gates(layer, details.layer_inputs[layer], h_prev)
        if cell == "gru":
            rebuilt = (1 - gates["update"]) * gates["candidate"] + gates["update"] * h_prev
        elif cell == "lstm":
            c_new = gates["forget"] * state.cell[layer] + gates["input"] * gates["cell_candidate"]
            assert torch.allclose(c_new, new_state.cell[layer], atol=1e-6)
            rebuilt = gates["output"] * torch.tanh(c_new)
        else:
            rebuilt = torch.tanh(gates["preactivation"])
        assert torch.allclose(rebuilt, new_state.hidden[layer], atol=1e-6)
    assert all(value is not None for value in (details.embedding, details.scores, details.weights,
                                               details.context, details.attentional))


def test_decoder_step_keeps_no_state_on_the_module():
    model = tiny_model(cell="lstm", attention="bahdanau", dec_layers=2)
    src, lengths = pad_batch(SOURCES)
    _, memory, state = model.encode(src, lengths)
    prev = torch.tensor([4, 5, 6])
    snapshot = {k: dict(v) if isinstance(v, dict) else v for k, v in model.decoder.__dict__.items()}
    params = {k: v.clone() for k, v in model.decoder.state_dict().items()}
    inputs = [t.clone() for t in (*state.hidden, *state.cell, state.feed)]
    first = model.decoder.step(prev, state, memory)
    second = model.decoder.step(prev, state, memory)
    assert torch.equal(first[0], second[0]) and torch.equal(first[2], second[2])
    assert all(torch.equal(a, b) for a, b in zip(first[1].hidden, second[1].hidden))
    after = model.decoder.__dict__
    assert after.keys() == snapshot.keys()
    for key, value in snapshot.items():
        if isinstance(value, dict):
            assert after[key].keys() == value.keys() and all(after[key][k] is v for k, v in value.items()), key
        else:
            assert after[key] is value or after[key] == value, key
    assert all(torch.equal(params[k], v) for k, v in model.decoder.state_dict().items())
    # The caller's state is not modified in place either.
    assert all(torch.equal(a, b) for a, b in zip(inputs, (*state.hidden, *state.cell, state.feed)))


def test_decoder_state_select_reorders_every_part():
    state = DecoderState(torch.arange(6.).view(1, 3, 2), torch.arange(6.).view(1, 3, 2) + 10,
                         torch.arange(3.).view(3, 1))
    picked = state.select(torch.tensor([2, 2, 0]))
    assert picked.hidden[0, :, 0].tolist() == [4., 4., 0.]
    assert picked.cell[0, :, 0].tolist() == [14., 14., 10.]
    assert picked.feed[:, 0].tolist() == [2., 2., 0.]


def test_input_feeding_widens_the_first_cell_only_with_attention():
    fed = tiny_model(attention="luong", input_feeding=True, output_dim=5)
    assert fed.decoder.cells[0].input_size == 8 + 5 and fed.config.out_dim == 5
    plain = tiny_model(attention="none", input_feeding=True, output_dim=5)
    assert plain.decoder.cells[0].input_size == 8 and plain.config.out_dim == 10


def test_tied_embeddings_share_one_parameter():
    model = tiny_model(attention="bahdanau", output_dim=8, tie_embeddings=True)
    assert model.decoder.output.weight is model.decoder.embedding.weight


@pytest.mark.parametrize("options,needle", [
    ({"attention": "dot", "dec_hidden": 10}, "dot attention"),
    ({"tie_embeddings": True}, "tie_embeddings"),
    ({"cell": "transformer"}, "cell"),
    ({"enc_hidden": 10**9}, "enc_hidden"),
    ({"dropout": 1.0}, "dropout"),
])
def test_invalid_model_configs_are_refused_with_the_setting_named(options, needle):
    with pytest.raises(UserError, match=needle):
        tiny_model(**options)


@pytest.mark.parametrize("attention", ["none", "bahdanau"])
def test_the_forward_pass_always_returns_logits_and_attention_by_name(attention):
    from seq2seq.nn.model import Unrolled

    model = tiny_model(attention=attention)
    src, lengths = torch.tensor([[5, 6, 7, 3], [5, 6, 3, 0]]), torch.tensor([4, 3])
    tgt_in = torch.tensor([[BOS_ID, 8, 9], [BOS_ID, 9, 8]])
    out = model(src, lengths, tgt_in)
    assert isinstance(out, Unrolled) and out.logits.shape == (2, 3, model.config.tgt_vocab_size)
    if attention == "none":
        assert out.attention is None
    else:
        assert out.attention.shape == (2, 3, 4) and torch.allclose(out.attention.sum(-1), torch.ones(2, 3))
