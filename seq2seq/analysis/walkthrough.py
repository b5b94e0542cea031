"""One sentence through the encoder and the bridge, with every intermediate the Lesson shows: each
source piece's embedding x_i, each direction's state h_i and, for a plain RNN, the pre-activation
a_i = W_eh x_i + W_hh h_{i-1} + b_h that the nonlinearity squashes into h_i (nn.RNN keeps b_h as two
biases, bias_ih + bias_hh); then the bridge's input [→h_n; ←h_1] and the fixed-length vector s_0.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from seq2seq.data.batches import pad_batch
from seq2seq.nn.model import Seq2Seq


@dataclass(frozen=True)
class EncoderWalk:
    embeddings: np.ndarray  # (T, E): x_i, one row per source piece (EOS included)
    forward: np.ndarray  # (T, H): →h_i after reading piece i left to right (top layer)
    backward: np.ndarray | None  # (T, H): ←h_i after reading pieces n..i right to left; None if one-way
    forward_pre: np.ndarray | None  # (T, H): a_i of the forward direction; None unless a one-layer plain RNN
    backward_pre: np.ndarray | None  # (T, H): a_i of the backward direction, in source order
    bridge_input: np.ndarray  # (D,): [→h_n; ←h_1], what the bridge reads
    bridge: np.ndarray  # (H_dec,): s_0 = tanh(W_b [→h_n; ←h_1] + b_b), the decoder's first state (top layer)


def _preactivations(rnn: torch.nn.RNN, x: torch.Tensor, states: torch.Tensor, reverse: bool) -> torch.Tensor:
    """a_i = W_eh x_i + W_hh h_prev + b_h for every position, h_prev the state the cell had just before
    (zeros at the start of its direction). x (T, E), states (T, H) in source order."""
    suffix = "_reverse" if reverse else ""
    w_eh, w_hh = getattr(rnn, f"weight_ih_l0{suffix}"), getattr(rnn, f"weight_hh_l0{suffix}")
    bias = getattr(rnn, f"bias_ih_l0{suffix}") + getattr(rnn, f"bias_hh_l0{suffix}")
    zero = states.new_zeros(1, states.size(1))
    previous = torch.cat([states[1:], zero]) if reverse else torch.cat([zero, states[:-1]])
    return x @ w_eh.T + previous @ w_hh.T + bias


def encoder_walk(model: Seq2Seq, source: list[int]) -> EncoderWalk:
    """The encoder and bridge on one source (ids, EOS included as the model reads it)."""
    config = model.config
    with torch.inference_mode():
        src, lengths = pad_batch([source], model.device)
        encoded, _, state = model.encode(src, lengths)
        x = model.encoder.embedding(src)[0].float()  # (T, E), without dropout: the model is in eval mode
        states = encoded.states[0].float()  # (T, D), forward half first
        hidden = config.enc_hidden
        forward, backward = states[:, :hidden], states[:, hidden:] if config.bidirectional else None
        plain = config.cell == "rnn" and config.enc_layers == 1
        forward_pre = _preactivations(model.encoder.rnn, x, forward, False) if plain else None
        backward_pre = (_preactivations(model.encoder.rnn, x, backward, True)
                        if plain and backward is not None else None)

    def array(value: torch.Tensor | None) -> np.ndarray | None:
        return None if value is None else value.detach().cpu().numpy().astype(np.float32)

    return EncoderWalk(array(x), array(forward), array(backward), array(forward_pre), array(backward_pre),
                       array(encoded.final[0].float()), array(state.hidden[-1, 0].float()))
