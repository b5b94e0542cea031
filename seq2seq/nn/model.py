"""The encoder-decoder: encoder, bridge to the decoder's first state, decoder."""
from __future__ import annotations

import torch
from torch import nn

from seq2seq.config import ModelConfig
from seq2seq.data.tokenizer import PAD_ID
from seq2seq.nn.decoder import Decoder, DecoderState, Memory
from seq2seq.nn.encoder import Encoder, EncoderOutput

_GATES = {"rnn": 1, "gru": 3, "lstm": 4}


def parameter_upper_bound(config: ModelConfig) -> int:
    """The model's parameter count (or a little more), from the config alone: lets absurd sizes be
    refused before anything is allocated (building on the meta device instead costs ~1.4 s of imports)."""
    gates, memory, dec, out = _GATES[config.cell], config.memory_dim, config.dec_hidden, config.out_dim
    directions, attends = (2 if config.bidirectional else 1), config.attention != "none"
    encoder = sum(directions * gates * config.enc_hidden * ((config.emb_dim if i == 0 else memory) + config.enc_hidden + 2)
                  for i in range(config.enc_layers))
    first_in = config.emb_dim + (out if attends and config.input_feeding else 0)
    decoder = sum(gates * dec * ((first_in if i == 0 else dec) + dec + 2) for i in range(config.dec_layers))
    attention = (memory * dec + dec * dec + dec + (dec + memory + 1) * out) if attends else 0
    bridge = (2 if config.cell == "lstm" else 1) * (memory + 1) * config.dec_layers * dec
    output = config.tgt_vocab_size * (1 if config.tie_embeddings else out + 1)
    embeddings = (config.src_vocab_size + config.tgt_vocab_size) * config.emb_dim
    return embeddings + encoder + decoder + attention + bridge + output


class Bridge(nn.Module):
    """s_0 = tanh(W_b [h_fwd_last; h_bwd_first] + b) for every decoder layer (and LSTM cell)."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.layers, self.size = config.dec_layers, config.dec_hidden
        self.hidden = nn.Linear(config.memory_dim, config.dec_layers * config.dec_hidden)
        self.cell = nn.Linear(config.memory_dim, config.dec_layers * config.dec_hidden) if config.cell == "lstm" else None

    def forward(self, encoded: EncoderOutput) -> tuple[torch.Tensor, torch.Tensor | None]:
        hidden = self._reshape(torch.tanh(self.hidden(encoded.final)))
        cell = None if self.cell is None else self._reshape(self.cell(encoded.final_cell))
        return hidden, cell

    def _reshape(self, flat: torch.Tensor) -> torch.Tensor:
        return flat.view(flat.size(0), self.layers, self.size).transpose(0, 1).contiguous()  # (L, B, H_dec)


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

    def forward(self, src, lengths, tgt_in, teacher_forcing: float = 1.0) -> torch.Tensor:
        """Teacher-forced unroll of decoder steps: tgt_in (B, T_tgt) starts with BOS -> logits (B, T_tgt, V)."""
        _, memory, state = self.encode(src, lengths)
        if teacher_forcing >= 1.0:
            return self._unroll_forced(tgt_in, state, memory)
        return self._unroll_mixed(tgt_in, state, memory, teacher_forcing)

    def _unroll_forced(self, tgt_in, state: DecoderState, memory: Memory) -> torch.Tensor:
        outputs = []
        for t in range(tgt_in.size(1)):
            out, state, _ = self.decoder.advance(tgt_in[:, t], state, memory)
            outputs.append(out)
        # One output projection over all steps is much faster than one per step.
        return self.decoder.project(torch.stack(outputs, dim=1))  # (B, T_tgt, V)

    def _unroll_mixed(self, tgt_in, state, memory, teacher_forcing: float) -> torch.Tensor:
        logits, prev = [], tgt_in[:, 0]
        for t in range(tgt_in.size(1)):
            step_logits, state, _ = self.decoder.step(prev, state, memory)
            logits.append(step_logits)
            if t + 1 < tgt_in.size(1):
                use_gold = torch.rand(prev.size(0), device=prev.device) < teacher_forcing
                prev = torch.where(use_gold, tgt_in[:, t + 1], step_logits.argmax(-1))
        return torch.stack(logits, dim=1)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())
