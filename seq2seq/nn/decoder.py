"""Decoder: one `step()` that consumes exactly one previous piece; no state is kept on the module.

Per step t (Luong et al. 2015 flow, with Bahdanau's additive score as one option):
  x_t = [E y_{t-1}; h~_{t-1}]      (input feeding, attention models only)
  s_t = cell(x_t, s_{t-1})
  a_t = softmax(score(s_t, keys)); c_t = Σ_j a_tj h_j
  h~_t = tanh(W_c [s_t; c_t])      (h~_t = s_t without attention)
  p(y_t) = softmax(W_out h~_t + b_out)   (without attention: y = softmax(W_hy s_t + b_y))

Without attention the source reaches the decoder only through its first state s_0, computed by the
bridge from the encoder's final states: the fixed-length vector.
"""
from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from seq2seq.config import ModelConfig
from seq2seq.data.tokenizer import PAD_ID
from seq2seq.nn.attention import Attention
from seq2seq.nn.cells import GATE_FUNCTIONS

CELL_CLASSES = {"rnn": nn.RNNCell, "gru": nn.GRUCell, "lstm": nn.LSTMCell}


class Memory(NamedTuple):
    states: torch.Tensor  # (B, T_src, D)
    keys: torch.Tensor | None  # (B, T_src, H_dec), None without attention
    mask: torch.Tensor  # (B, T_src) True at real pieces


class DecoderState(NamedTuple):
    hidden: torch.Tensor  # (L, B, H_dec)
    cell: torch.Tensor | None  # (L, B, H_dec) for LSTM
    feed: torch.Tensor | None  # (B, H_out) previous attentional vector, for input feeding

    def select(self, index: torch.Tensor) -> "DecoderState":
        """Reorder/expand the batch (beam search): index is (B',)."""
        return DecoderState(
            self.hidden.index_select(1, index),
            None if self.cell is None else self.cell.index_select(1, index),
            None if self.feed is None else self.feed.index_select(0, index),
        )


class Decoder(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.uses_attention = config.attention != "none"
        self.feeds_input = self.uses_attention and config.input_feeding
        self.embedding = nn.Embedding(config.tgt_vocab_size, config.emb_dim, padding_idx=PAD_ID)
        first_in = config.emb_dim + (config.out_dim if self.feeds_input else 0)
        extra = {"nonlinearity": config.nonlinearity} if config.cell == "rnn" else {}
        self.cells = nn.ModuleList(
            CELL_CLASSES[config.cell](first_in if i == 0 else config.dec_hidden, config.dec_hidden, **extra)
            for i in range(config.dec_layers)
        )
        if self.uses_attention:
            self.attention = Attention(config)
            self.combine = nn.Linear(config.dec_hidden + config.memory_dim, config.out_dim)
        self.dropout = nn.Dropout(config.dropout)
        self.output = nn.Linear(config.out_dim, config.tgt_vocab_size)
        if config.tie_embeddings:
            self.output.weight = self.embedding.weight

    def prepare_memory(self, states: torch.Tensor, mask: torch.Tensor) -> Memory:
        keys = self.attention.prepare(states) if self.uses_attention else None
        return Memory(states, keys, mask)

    def step(self, prev_tokens, state: DecoderState, memory: Memory, details: dict | None = None):
        """prev_tokens (B,) -> logits (B, V), new state, attention weights (B, T_src) or None.

        Pass a dict as `details` to receive every intermediate quantity of this step.
        """
        out, state, weights = self.advance(prev_tokens, state, memory, details)
        return self.project(out), state, weights

    def advance(self, prev_tokens, state: DecoderState, memory: Memory, details: dict | None = None):
        """Everything of a step but the output layer: returns h~_t (B, H_dec)."""
        x = self.dropout(self.embedding(prev_tokens))  # (B, E)
        if details is not None:
            details["embedding"] = x
        if self.feeds_input:
            x = torch.cat([x, state.feed], dim=-1)  # (B, E + H_dec)
        hidden, cell = self._run_cells(x, state, details)
        top = hidden[-1]  # (B, H_dec)
        if not self.uses_attention:
            return top, DecoderState(hidden, cell, None), None
        context, weights, scores = self.attention(top, memory.keys, memory.states, memory.mask)
        attentional = torch.tanh(self.combine(torch.cat([top, context], dim=-1)))  # (B, H_out)
        if details is not None:
            details.update(scores=scores, weights=weights, context=context, attentional=attentional)
        feed = attentional if self.feeds_input else None
        return self.dropout(attentional), DecoderState(hidden, cell, feed), weights

    def project(self, out: torch.Tensor) -> torch.Tensor:
        return self.output(out)  # (..., V)

    def _run_cells(self, x, state: DecoderState, details: dict | None):
        hiddens, cells = [], []
        for layer, rnn_cell in enumerate(self.cells):
            h_prev = state.hidden[layer]
            if details is not None:
                details.setdefault("gates", []).append(GATE_FUNCTIONS[self.config.cell](rnn_cell, x, h_prev))
            if state.cell is None:
                h = rnn_cell(x, h_prev)
            else:
                h, c = rnn_cell(x, (h_prev, state.cell[layer]))
                cells.append(c)
            hiddens.append(h)
            x = self.dropout(h) if layer + 1 < len(self.cells) else h
        return torch.stack(hiddens), (torch.stack(cells) if cells else None)  # (L, B, H_dec)
