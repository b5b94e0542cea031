"""The encoder-decoder: encoder, bridge to the decoder's first state, decoder.

Shapes in comments, (B, T_src, D) and the like, use the letters defined in `seq2seq.nn.notation.SHAPES`.
"""
from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from seq2seq.config import ModelConfig
from seq2seq.nn.attention import SCORERS
from seq2seq.nn.decoder import Decoder, DecoderState, Memory, StepDetails, StepHook
from seq2seq.nn.encoder import Encoder, EncoderOutput
from seq2seq.symbols import BOS_ID, EOS_ID, PAD_ID

_GATES = {"rnn": 1, "gru": 3, "lstm": 4}


def parameter_upper_bound(config: ModelConfig) -> int:
    """The model's parameter count (or a little more), from the config alone: lets absurd sizes be
    refused before anything is allocated (building on the meta device instead costs ~1.4 s of imports)."""
    gates, memory, dec, out = _GATES[config.cell], config.memory_dim, config.dec_hidden, config.out_dim
    directions, attends = (2 if config.bidirectional else 1), config.attention != "none"
    encoder = sum(directions * gates * config.enc_hidden
                  * ((config.emb_dim if i == 0 else memory) + config.enc_hidden + 2)
                  for i in range(config.enc_layers))
    first_in = config.emb_dim + (out if attends and config.input_feeding else 0)
    decoder = sum(gates * dec * ((first_in if i == 0 else dec) + dec + 2) for i in range(config.dec_layers))
    attention = (SCORERS[config.attention].parameter_count(memory, dec) + (dec + memory + 1) * out) if attends else 0
    cell_bridge = config.cell == "lstm" and config.lstm_cell_init == "projected"
    bridge = (2 if cell_bridge else 1) * (memory + 1) * config.dec_layers * dec
    output = config.tgt_vocab_size * (1 if config.tie_embeddings else out + 1)
    embeddings = (config.src_vocab_size + config.tgt_vocab_size) * config.emb_dim
    return embeddings + encoder + decoder + attention + bridge + output


class Bridge(nn.Module):
    """s_0 = tanh(W_b [→h_n; ←h_1] + b_b) for every decoder layer (and the LSTM cell): the fixed-length vector.
    The LSTM's c_0 is its own projection of the encoder's final cell, or a copy of s_0 (lstm_cell_init)."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.layers, self.size = config.dec_layers, config.dec_hidden
        self.hidden = nn.Linear(config.memory_dim, config.dec_layers * config.dec_hidden)
        self.copies_hidden = config.cell == "lstm" and config.lstm_cell_init == "hidden"
        projects_cell = config.cell == "lstm" and not self.copies_hidden
        self.cell = nn.Linear(config.memory_dim, config.dec_layers * config.dec_hidden) if projects_cell else None

    def forward(self, encoded: EncoderOutput) -> tuple[torch.Tensor, torch.Tensor | None]:
        hidden = self._reshape(torch.tanh(self.hidden(encoded.final)))
        if self.copies_hidden:
            return hidden, hidden.clone()
        cell = None if self.cell is None else self._reshape(self.cell(encoded.final_cell))
        return hidden, cell

    def _reshape(self, flat: torch.Tensor) -> torch.Tensor:
        return flat.view(flat.size(0), self.layers, self.size).transpose(0, 1).contiguous()  # (L, B, H_dec)


class Unrolled(NamedTuple):
    """What a teacher-forced pass computes, always both: `forward` and `unroll` return this."""
    logits: torch.Tensor  # (B, T_tgt, V)
    attention: torch.Tensor | None  # (B, T_tgt, T_src) attention weights; None without attention


class Seq2Seq(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config.validate()
        self.encoder = Encoder(config)
        self.bridge = Bridge(config)
        self.decoder = Decoder(config)

    def encode(self, src: torch.Tensor, lengths: torch.Tensor):
        """src (B, T_src) -> (encoder output, decoder memory, initial decoder state)."""
        encoded = self.encoder(src, lengths)
        memory = self.decoder.prepare_memory(encoded.states, src != PAD_ID)
        hidden, cell = self.bridge(encoded)
        feed = hidden.new_zeros(src.size(0), self.config.out_dim) if self.decoder.feeds_input else None
        return encoded, memory, DecoderState(hidden, cell, feed)

    def forward(self, src, lengths, tgt_in, teacher_forcing: float = 1.0, hook: StepHook | None = None) -> Unrolled:
        """Training's forward pass: encode, then the teacher-forced unroll."""
        _, memory, state = self.encode(src, lengths)
        return self.unroll(tgt_in, state, memory, teacher_forcing, hook)

    def unroll(self, tgt_in, state: DecoderState, memory: Memory, teacher_forcing: float = 1.0,
               hook: StepHook | None = None) -> Unrolled:
        """The one teacher-forced unroll of `Decoder.step` that training, scoring, forced traces and state
        samples share. tgt_in (B, T_tgt) starts with BOS.

        teacher_forcing < 1 feeds the model's own previous pick instead of the gold piece with that
        probability (scheduled sampling). A `hook` (a `StepHook`) sees every step.
        """
        per_step = hook is not None or teacher_forcing < 1.0
        if not per_step and not self.decoder.feeds_input:
            out, weights = self.decoder.advance_all(tgt_in, state, memory)  # (B, T_tgt, H_out)
            return Unrolled(self.decoder.project(out), weights)
        outputs, attention, inputs = [], [], tgt_in[:, 0]
        for t in range(tgt_in.size(1)):
            details = StepDetails() if hook is not None else None
            out, state, weights = self.decoder.advance(inputs, state, memory, details)
            attention.append(weights)
            if per_step:
                out = self.decoder.project(out)  # (B, V)
                if hook is not None:
                    hook(t, inputs, out, state, memory, details)
            outputs.append(out)
            if t + 1 < tgt_in.size(1):
                inputs = self._next_inputs(tgt_in[:, t + 1], out, teacher_forcing)
        stacked = torch.stack(outputs, dim=1)
        # One output projection over all steps is much faster than one per step.
        logits = stacked if per_step else self.decoder.project(stacked)  # (B, T_tgt, V)
        return Unrolled(logits, torch.stack(attention, dim=1) if self.decoder.uses_attention else None)

    @staticmethod
    def _next_inputs(gold: torch.Tensor, logits: torch.Tensor, teacher_forcing: float) -> torch.Tensor:
        if teacher_forcing >= 1.0:
            return gold
        use_gold = torch.rand(gold.size(0), device=gold.device) < teacher_forcing
        return torch.where(use_gold, gold, logits.argmax(-1))

    def max_output_len(self, src_len: int) -> int:
        """Steps a search may take (</s> included) for a source of src_len pieces; at least one."""
        config = self.config
        return max(1, min(config.max_tgt_len, int(config.output_len_ratio * src_len) + config.output_len_extra))

    def restrict(self, logp: torch.Tensor, step: int) -> torch.Tensor:
        """A search's log-probabilities (..., V) at `step` with the pieces the model's rules forbid there
        set to -inf (min_output_len, mask_specials); unchanged for models without such rules."""
        banned = ([BOS_ID, PAD_ID] if self.config.mask_specials else []) + (
            [EOS_ID] if step < self.config.min_output_len else [])
        if not banned:
            return logp
        return logp.index_fill(-1, torch.tensor(banned, device=logp.device), float("-inf"))

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())
