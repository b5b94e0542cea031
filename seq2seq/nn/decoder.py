"""Decoder: one `step()` that consumes exactly one previous piece; no state is kept on the module.

Per step t, in the notation of `seq2seq.nn.notation`:
  x_t = [E y_{t-1}; h~_{t-1}]      (input feeding, attention models only; without it x_t = E y_{t-1})
  s_t = cell(x_t, s_{t-1})         (plain RNN: s_t = tanh(W_eh x_t + W_hh s_{t-1} + b_h))
  e_tj = score(s_t, h_j); a_t = softmax(e_t); c_t = Σ_j a_tj h_j
  h~_t = tanh(W_c [s_t; c_t])      (h~_t = s_t without attention)
  y_t = softmax(W_hy h~_t + b_y)   (without attention: y_t = softmax(W_hy s_t + b_y), the classic design)

Without attention the source reaches the decoder only through its first state s_0, computed by the
bridge from the encoder's final states: the fixed-length vector.

Without input feeding the recurrence reads only the previous pieces, so with teacher forcing every
step's s_t is known before any attention is computed: `advance_all` then attends for all steps at once
(one batched attention and combine layer instead of one per step), the same numbers as `step` gives.

Shapes in comments, (B, T_src, D) and the like, use the letters defined in `seq2seq.nn.notation.SHAPES`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

import torch
from torch import nn

from seq2seq.config import ModelConfig
from seq2seq.nn.attention import SCORERS
from seq2seq.nn.cells import GATE_FUNCTIONS
from seq2seq.nn.fused import run_over_time
from seq2seq.nn.transposed import TransposedLinear
from seq2seq.symbols import PAD_ID

CELL_CLASSES = {"rnn": nn.RNNCell, "gru": nn.GRUCell, "lstm": nn.LSTMCell}


class Memory(NamedTuple):
    states: torch.Tensor  # (B, T_src, D)
    keys: torch.Tensor | None  # (B, T_src, H_dec), None without attention
    mask: torch.Tensor  # (B, T_src) True at real pieces


class DecoderState(NamedTuple):
    hidden: torch.Tensor  # (L, B, H_dec)
    cell: torch.Tensor | None  # (L, B, H_dec) for LSTM
    feed: torch.Tensor | None  # (B, H_out) previous attentional vector h~_{t-1}, for input feeding

    def select(self, index: torch.Tensor) -> "DecoderState":
        """Reorder/expand the batch (beam search): index is (B',)."""
        return DecoderState(
            self.hidden.index_select(1, index),
            None if self.cell is None else self.cell.index_select(1, index),
            None if self.feed is None else self.feed.index_select(0, index),
        )


@dataclass
class StepDetails:
    """What one recorded step computed on the way to its output (rows = the batch); the parts a model
    lacks (attention, say) stay None. Gates are not kept: `Decoder.gates` recomputes them from a layer's
    input and previous state, for many steps in one batch."""

    embedding: torch.Tensor | None = None  # (B, E) E y_{t-1}
    layer_inputs: list[torch.Tensor] = field(default_factory=list)  # per layer, the x_t it read (B, in)
    previous_hidden: list[torch.Tensor] = field(default_factory=list)  # per layer, s_{t-1} (B, H_dec)
    scores: torch.Tensor | None = None  # (B, T_src) attention scores before the softmax
    weights: torch.Tensor | None = None  # (B, T_src) attention weights a_t
    context: torch.Tensor | None = None  # (B, D) c_t
    attentional: torch.Tensor | None = None  # (B, H_out) h~_t


class StepHook(Protocol):
    """What sees every decoder step of a run: `Seq2Seq.unroll`, `free_run` and `beam_search` call it once
    per step t, after the step, with the pieces it read (B,), its logits (B, V), the new state, the memory
    attention reads and the step's `StepDetails` (the trace recorder keeps them)."""

    def __call__(self, t: int, inputs: torch.Tensor, logits: torch.Tensor, state: DecoderState, memory: Memory,
                 details: StepDetails) -> None: ...


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
            self.attention = SCORERS[config.attention](config)
            self.combine = nn.Linear(config.dec_hidden + config.memory_dim, config.out_dim)  # W_c
        self.dropout = nn.Dropout(config.dropout)
        self.output = nn.Linear(config.out_dim, config.tgt_vocab_size)  # W_hy, b_y
        if config.tie_embeddings:
            self.output.weight = self.embedding.weight
        self._decoding_output: TransposedLinear | None = None  # set by prepare_for_decoding

    def prepare_for_decoding(self) -> None:
        """Keep the output layer's weight transposed too (8 MB for 8,000 pieces): every decoding step
        multiplies by it. Call once on a model loaded to decode, before it is shared."""
        self._decoding_output = TransposedLinear(self.output)

    def prepare_memory(self, states: torch.Tensor, mask: torch.Tensor) -> Memory:
        keys = self.attention.prepare(states) if self.uses_attention else None
        return Memory(states, keys, mask)

    def step(self, prev_tokens, state: DecoderState, memory: Memory, details: StepDetails | None = None):
        """prev_tokens (B,) -> logits (B, V), new state, attention weights (B, T_src) or None.

        Pass a StepDetails as `details` to receive every intermediate quantity of this step.
        """
        out, state, weights = self.advance(prev_tokens, state, memory, details)
        return self.project(out), state, weights

    def advance(self, prev_tokens, state: DecoderState, memory: Memory, details: StepDetails | None = None):
        """Everything of a step but the output layer: returns h~_t (B, H_out), new state, weights (B, T_src)."""
        x = self.dropout(self.embedding(prev_tokens))  # (B, E)
        if details is not None:
            details.embedding = x
        if self.feeds_input:
            x = torch.cat([x, state.feed], dim=-1)  # (B, E + H_out)
        hidden, cell = self._run_cells(x, state, details)
        top = hidden[-1]  # (B, H_dec)
        if not self.uses_attention:
            return top, DecoderState(hidden, cell, None), None
        context, weights, scores = self.attention(top, memory.keys, memory.states, memory.mask)
        attentional = torch.tanh(self.combine(torch.cat([top, context], dim=-1)))  # (B, H_out)
        if details is not None:
            details.scores, details.weights = scores, weights
            details.context, details.attentional = context, attentional
        feed = attentional if self.feeds_input else None
        return self.dropout(attentional), DecoderState(hidden, cell, feed), weights

    def advance_all(self, tgt_in: torch.Tensor, state: DecoderState, memory: Memory):
        """Teacher-forced `advance` for every step at once (decoders without input feeding only):
        tgt_in (B, T) -> h~ (B, T, H_out), attention weights (B, T, T_src) or None."""
        if self.feeds_input:
            raise ValueError("advance_all needs a decoder without input feeding: each step reads the last h~")
        x = self.dropout(self.embedding(tgt_in))  # (B, T, E)
        tops = self._run_cells_over_time(x, state)  # (B, T, H_dec)
        if not self.uses_attention:
            return tops, None
        context, weights, _ = self.attention(tops, memory.keys, memory.states, memory.mask)  # (B, T, D)
        attentional = torch.tanh(self.combine(torch.cat([tops, context], dim=-1)))  # (B, T, H_out)
        return self.dropout(attentional), weights

    def _run_cells_over_time(self, x: torch.Tensor, state: DecoderState) -> torch.Tensor:
        """Each layer over all T steps in turn: x (B, T, in) -> top layer's states (B, T, H_dec)."""
        for layer, rnn_cell in enumerate(self.cells):
            cell_state = None if state.cell is None else state.cell[layer]
            x = run_over_time(rnn_cell, x, state.hidden[layer], cell_state)  # (B, T, H_dec)
            if layer + 1 < len(self.cells):
                x = self.dropout(x)
        return x

    def project(self, out: torch.Tensor) -> torch.Tensor:
        if self._decoding_output is not None:
            return self._decoding_output(out)  # the same z_t, from the transposed copy while it is valid
        return self.output(out)  # z_t = W_hy h~_t + b_y: (..., V)

    def gates(self, layer: int, inputs: torch.Tensor, previous_hidden: torch.Tensor) -> dict[str, torch.Tensor]:
        """The inside of `layer`'s update for rows of (x_t, s_{t-1}), e.g. every step of a trace at once."""
        return GATE_FUNCTIONS[self.config.cell](self.cells[layer], inputs, previous_hidden)

    def _run_cells(self, x, state: DecoderState, details: StepDetails | None):
        hiddens, cells = [], []
        for layer, rnn_cell in enumerate(self.cells):
            h_prev = state.hidden[layer]
            if details is not None:
                details.layer_inputs.append(x)
                details.previous_hidden.append(h_prev)
            if state.cell is None:
                h = rnn_cell(x, h_prev)
            else:
                h, c = rnn_cell(x, (h_prev, state.cell[layer]))
                cells.append(c)
            hiddens.append(h)
            x = self.dropout(h) if layer + 1 < len(self.cells) else h
        return torch.stack(hiddens), (torch.stack(cells) if cells else None)  # (L, B, H_dec)
